"""One-time form keys: a create form submitted twice (a double click, a resent POST) creates once.

Every create form carries a hidden ``form_key`` (``{{ form_key_field() }}`` in the template). The
view calls :func:`claim` before it creates anything: it inserts the key in the same transaction as
the new row, so of two submissions of one form exactly one commits — the other meets the primary
key (on PostgreSQL it waits for the first to commit) and gets :class:`AlreadySubmitted`, carrying
where the first one led, so the browser lands on the same page as if it had been a single click.
A form without a key (an old page, a script) is not deduplicated.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import Flask, Response, flash, redirect, request
from markupsafe import Markup
from sqlalchemy import String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wxbackend.core import timeutil
from wxbackend.core.db import Base, db

FIELD = "form_key"
#: How long a used key is remembered; a form older than this submits as a new one.
KEEP = timedelta(days=2)


class FormSubmission(Base):
    __tablename__ = "form_submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Which form (e.g. ``notice.create``), so a key cannot be replayed on another form.
    scope: Mapped[str] = mapped_column(String(48))
    #: Where the first submission sent the browser.
    result_url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.now, index=True)


class AlreadySubmitted(Exception):
    """This form was submitted before; ``url`` is where that submission led (None if unknown).

    Left unhandled in a view, it becomes a redirect there (else to *fallback*, else back to the
    form) with *message* flashed: the browser lands where a single click would have taken it.
    """

    def __init__(self, url: str | None, message: str = "表单已提交，请勿重复提交",
                 fallback: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.message = message
        self.fallback = fallback


def new_key() -> str:
    return secrets.token_urlsafe(24)


def form_key_field() -> Markup:
    """The hidden input every create form carries."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


def claim(scope: str, key: str | None = None, *, message: str = "表单已提交，请勿重复提交",
          fallback: str | None = None) -> FormSubmission | None:
    """Take this submission's key for *scope*, or raise :class:`AlreadySubmitted` (with *message* and
    *fallback* for the redirect that answers it).

    Call it before creating; commit it with what the form creates; then :func:`done` with the URL the
    browser is sent to. Without a key (``request.form`` has none) nothing is claimed.
    """
    key = key if key is not None else (request.form.get(FIELD) or "").strip()
    if not key or len(key) > 64:
        return None
    row = FormSubmission(key=key, scope=scope, created_at=timeutil.now())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the savepoint is rolled back; the request's transaction goes on
        first = db.session.scalar(select(FormSubmission).where(FormSubmission.key == key))
        url = first.result_url if first is not None and first.scope == scope else None
        raise AlreadySubmitted(url, message, fallback) from None
    return row


def done(row: FormSubmission | None, url: str) -> str:
    """Remember where the submission led; returns *url* for ``redirect(once.done(row, url))``."""
    if row is not None:
        row.result_url = url[:300]
    return url


def purge(now: datetime | None = None) -> int:
    """Forget keys older than :data:`KEEP` (a periodic job)."""
    cutoff = (now or timeutil.now()) - KEEP
    result = db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _answer_duplicate(err: AlreadySubmitted) -> Response:
    flash(err.message, "success")
    return redirect(err.url or err.fallback or request.path)


def init_app(app: Flask) -> None:
    app.add_template_global(form_key_field)
    app.register_error_handler(AlreadySubmitted, _answer_duplicate)
