"""Console: 通知公告 for the public home page — the platform admin writes and publishes them."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from wxbackend.accounts.actors import actor_for
from wxbackend.accounts.models import Notice, User
from wxbackend.auth.principals import staff_required, staff_user
from wxbackend.console.views import bp
from wxbackend.core import audit, once, timeutil
from wxbackend.core.db import db

TITLE_MAX = 200
BODY_MAX = 20000


def _admin() -> User:
    return staff_user()


def _notice(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    return notice


def _clean(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    title = (form.get("title") or "").strip()
    body = (form.get("body") or "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}个字"
    if not body:
        errors["body"] = "请填写正文"
    elif len(body) > BODY_MAX:
        errors["body"] = f"正文不能超过{BODY_MAX}个字"
    return {"title": title, "body": body}, errors


@bp.route("/notices")
@staff_required("admin")
def notices():  # type: ignore[no-untyped-def]
    rows = db.session.scalars(select(Notice).order_by(Notice.created_at.desc(), Notice.id.desc())).all()
    return render_template("console/notices.html", notices=rows, fmt=timeutil.fmt)


@bp.route("/notices/new", methods=["GET", "POST"])
@staff_required("admin")
def notice_new():  # type: ignore[no-untyped-def]
    user = _admin()
    if request.method == "GET":
        return render_template("console/notice_form.html", notice=None, values={"published": True},
                               errors={}, history=[])
    values, errors = _clean(request.form)
    values["published"] = bool(request.form.get("published"))
    if errors:
        return render_template("console/notice_form.html", notice=None, values=values, errors=errors,
                               history=[]), 400
    key = once.claim("notice.create", message="该通知已提交，请勿重复提交",
                     fallback=url_for("console.notices"))
    notice = Notice(created_by=user.id, **values)
    db.session.add(notice)
    db.session.flush()
    audit.record(actor_for(user), "notice.create", notice, title=notice.title, published=notice.published)
    target = once.done(key, url_for("console.notices"))
    db.session.commit()
    flash("通知已发布" if notice.published else "通知已保存（未发布）", "success")
    return redirect(target)


@bp.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@staff_required("admin")
def notice_edit(notice_id: int):  # type: ignore[no-untyped-def]
    user = _admin()
    notice = _notice(notice_id)
    history = audit.history("notice", notice.id)
    if request.method == "GET":
        values = {"title": notice.title, "body": notice.body, "published": notice.published}
        return render_template("console/notice_form.html", notice=notice, values=values, errors={},
                               history=history, fmt=timeutil.fmt)
    values, errors = _clean(request.form)
    values["published"] = notice.published
    if errors:
        return render_template("console/notice_form.html", notice=notice, values=values, errors=errors,
                               history=history, fmt=timeutil.fmt), 400
    changes = {k: [getattr(notice, k), values[k]] for k in ("title", "body")
               if getattr(notice, k) != values[k]}
    if changes:
        notice.title, notice.body = values["title"], values["body"]
        audit.record(actor_for(user), "notice.update", notice, changes=changes)
        db.session.commit()
        flash("通知已保存", "success")
    else:
        flash("没有修改任何内容", "success")
    return redirect(url_for("console.notices"))


@bp.route("/notices/<int:notice_id>/publish", methods=["POST"])
@staff_required("admin")
def notice_publish(notice_id: int):  # type: ignore[no-untyped-def]
    """Publish (``publish=1``) or withdraw (``publish=0``) a notice from the home page."""
    user = _admin()
    notice = _notice(notice_id)
    publish = request.form.get("publish") == "1"
    if notice.published != publish:
        notice.published = publish
        audit.record(actor_for(user), "notice.publish" if publish else "notice.unpublish", notice,
                     title=notice.title)
        db.session.commit()
    flash(f"“{notice.title}”已{'发布' if publish else '撤回，首页不再显示'}", "success")
    return redirect(url_for("console.notices"))
