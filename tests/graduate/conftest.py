"""Fixtures for the graduates' web: a signed-in browser session (the real login form) and form helpers."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.destinations.conftest import decide, world  # noqa: F401
from tests.signing.conftest import employer_user, invite, review_all, signed  # noqa: F401
from wxbackend.core import timeutil

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class Web:
    """One graduate's browser session on the web pages, through the real endpoints."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            match = CSRF.search(self.client.get("/login").get_data(as_text=True))
            assert match, "no CSRF token"
            self._token = match.group(1)
        return self._token

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def page(self, path: str) -> str:
        resp = self.client.get(path)
        assert resp.status_code == 200, (path, resp.status_code, resp.headers.get("Location"))
        return resp.get_data(as_text=True)  # type: ignore[no-any-return]

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token()
        return self.client.post(path, data=data, **kw)

    def upload(self, record_id: int, *files: tuple[bytes, str], xhr: bool = False) -> Any:
        # Encoded in memory: the test client would spool a big body to a temporary file it never closes.
        boundary, body = encode_multipart(MultiDict(
            [("csrf_token", self.token()), *[("file", FileStorage(io.BytesIO(d), n)) for d, n in files]]))
        headers = {"X-Requested-With": "XMLHttpRequest"} if xhr else {}
        return self.client.post(f"/graduate/destination/records/{record_id}/proofs", data=body, headers=headers,
                                content_type=f"multipart/form-data; boundary={boundary}")

    def flashes(self) -> list[str]:
        """The flash messages on the page a redirect leads to."""
        html = self.client.get("/graduate/destination").get_data(as_text=True)
        return re.findall(r'<div class="flash flash-\w+" role="alert">([^<]*)</div>', html)


def location(resp: Any) -> str:
    assert resp.status_code == 302, (resp.status_code, resp.get_data(as_text=True)[:500])
    return resp.headers["Location"]  # type: ignore[no-any-return]


def record_id_of(resp: Any) -> int:
    match = re.search(r"/graduate/destination/records/(\d+)", location(resp))
    assert match
    return int(match.group(1))


@pytest.fixture()
def web_graduate(app: Any, client: Any, world: dict[str, Any], make_graduate: Callable[..., Any],  # noqa: F811
                 make_local_account: Callable[..., Any]) -> Callable[..., tuple[Any, Web]]:
    """``web_graduate(confirmed=True, **graduate_fields)`` → (graduate, Web) signed in through /login."""

    def make(confirmed: bool = True, **kw: Any) -> tuple[Any, Web]:
        kw.setdefault("major", world["major"])
        if confirmed:
            kw.setdefault("confirmed_at", timeutil.now())
        graduate = make_graduate(**kw)
        account = make_local_account(id_number=graduate.id_number)
        web = Web(app.test_client())  # an IsolatedClient of its own (``client`` set the class)
        resp = web.post("/login", {"username": account.username, "password": "chsi-pass-1"})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return graduate, web

    return make
