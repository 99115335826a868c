"""core.tokens: the one signed-token helper (agreement QR links ON-8, bind tickets L-8, the employer's found graduate).

No database: a bare Flask app provides the secret key; time is the platform clock, frozen here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from wxbackend.core import tokens
from wxbackend.core.timeutil import SHANGHAI

START = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture()
def secret_app() -> Iterator[Flask]:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "tokens-test-secret"
    with app.app_context():
        yield app


@pytest.fixture()
def at(secret_app: Flask, frozen_now: Callable[[Any], None]) -> Callable[[timedelta], None]:
    """``at(timedelta(...))`` moves the frozen clock to START plus that much; starts at START."""

    def move(offset: timedelta) -> None:
        frozen_now(START + offset)

    move(timedelta())
    return move


def test_a_token_gives_back_its_payload(at: Callable[[timedelta], None]) -> None:
    token = tokens.dumps("test-purpose", {"g": 7, "name": "王堃"})
    assert tokens.loads("test-purpose", token) == {"g": 7, "name": "王堃"}
    assert tokens.verify("test-purpose", token) == {"g": 7, "name": "王堃"}


def test_a_token_for_one_purpose_does_not_read_as_another(at: Callable[[timedelta], None]) -> None:
    token = tokens.dumps("agreement-verify", [1, "2026410999000000001"])
    assert tokens.loads("wx-bind-ticket", token) is None
    with pytest.raises(tokens.InvalidToken):
        tokens.verify("employer-invite", token)


def test_max_age_counts_from_the_signed_issue_time_on_the_platform_clock(at: Callable[[timedelta], None]) -> None:
    token = tokens.dumps("test-purpose", {"o": "openid"})
    at(timedelta(seconds=599))
    assert tokens.loads("test-purpose", token, max_age=600) == {"o": "openid"}
    at(timedelta(seconds=600))
    assert tokens.loads("test-purpose", token, max_age=600) is None
    with pytest.raises(tokens.ExpiredToken):
        tokens.verify("test-purpose", token, max_age=600)


def test_without_max_age_a_token_never_expires(at: Callable[[timedelta], None]) -> None:
    token = tokens.dumps("test-purpose", [1])
    at(timedelta(days=3650))
    assert tokens.loads("test-purpose", token) == [1]


def test_changing_the_nonce_revokes_earlier_tokens(at: Callable[[timedelta], None]) -> None:
    old = tokens.dumps("test-purpose", {"g": 1}, nonce="n1")
    new = tokens.dumps("test-purpose", {"g": 1}, nonce="n2")
    assert tokens.loads("test-purpose", old, nonce="n1") == {"g": 1}
    assert tokens.loads("test-purpose", old, nonce="n2") is None  # the record's nonce moved on
    assert tokens.loads("test-purpose", new, nonce="n2") == {"g": 1}
    # A token with a nonce is not one without, and a purpose cannot smuggle in a nonce.
    assert tokens.loads("test-purpose", old) is None
    assert tokens.loads("test-purpose", tokens.dumps("test-purpose", {"g": 1}), nonce="") is None
    with pytest.raises(ValueError):
        tokens.dumps("test-purpose#n1", {"g": 1})


def test_a_tampered_or_foreign_token_is_refused(secret_app: Flask, at: Callable[[timedelta], None]) -> None:
    token = tokens.dumps("test-purpose", {"e": 1, "g": 2})
    payload, issued, signature = token.split(".")
    at(timedelta(minutes=5))
    other = tokens.dumps("test-purpose", {"e": 1, "g": 3})
    assert other.split(".")[1] != issued
    for forged in (
        f"{other.split('.')[0]}.{issued}.{signature}",  # another payload under this signature
        f"{payload}.{other.split('.')[1]}.{signature}",  # another issue time
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token + "x",
        "",
        "not-a-token",
    ):
        assert tokens.loads("test-purpose", forged) is None, forged
    secret_app.config["SECRET_KEY"] = "another-secret"
    assert tokens.loads("test-purpose", token) is None

