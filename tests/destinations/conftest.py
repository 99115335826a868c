"""Fixtures for destination tests: a school with reviewers, signed-in graduates, an API helper."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.destinations.helpers import LABOUR_FIELDS, jpeg_bytes
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db
from wxbackend.review import engine


class Api:
    """The mini-program's calls for one graduate, through the real endpoints."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers)

    def post(self, path: str, json: Any = None) -> Any:
        return self.client.post("/api/v1" + path, json=json if json is not None else {}, headers=self.headers)

    def put(self, path: str, json: Any) -> Any:
        return self.client.put("/api/v1" + path, json=json, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete("/api/v1" + path, headers=self.headers)

    def upload(self, record_id: int, data: bytes, filename: str = "proof.jpg", field: str = "file") -> Any:
        # Encoded in memory: the test client would spool a big body to a temporary file it never closes.
        boundary, body = encode_multipart({field: FileStorage(io.BytesIO(data), filename)})
        return self.client.post(f"/api/v1/destination/records/{record_id}/proofs", headers=self.headers,
                                data=body, content_type=f"multipart/form-data; boundary={boundary}")

    def home(self) -> dict[str, Any]:
        resp = self.get("/destination")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]

    def record(self, record_id: int) -> dict[str, Any]:
        resp = self.get(f"/destination/records/{record_id}")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]

    def submitted_labour(self, fields: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create a complete 签劳动合同就业 record, attach one proof, submit; return the record."""
        resp = self.post("/destination/records", {"subkind": "labour_contract", "fields": fields or LABOUR_FIELDS})
        assert resp.status_code == 201, resp.get_json()
        record_id = resp.get_json()["id"]
        up = self.upload(record_id, jpeg_bytes())
        assert up.status_code == 201, up.get_json()
        sub = self.post(f"/destination/records/{record_id}/submit")
        assert sub.status_code == 200, sub.get_json()
        return sub.get_json()  # type: ignore[no-any-return]


@pytest.fixture()
def world(make_school: Callable[..., Any], make_department: Callable[..., Any], make_major: Callable[..., Any],
          make_graduate: Callable[..., Any], make_user: Callable[..., Any]) -> dict[str, Any]:
    school = make_school()
    dept = make_department(school=school)
    other_dept = make_department(school=school)
    return {
        "school": school,
        "dept": dept,
        "major": make_major(department=dept),
        "other_major": make_major(department=other_dept),
        "dept_user": make_user(role="department", school_id=school.id, department_id=dept.id),
        "other_dept_user": make_user(role="department", school_id=school.id, department_id=other_dept.id),
        "school_user": make_user(role="school", school_id=school.id),
    }


@pytest.fixture()
def graduate_api(client: Any, world: dict[str, Any], make_graduate: Callable[..., Any]) -> Callable[..., Any]:
    """``graduate_api(**graduate_fields)`` → (graduate, Api) for a confirmed, signed-in graduate."""

    def make(**kw: Any) -> tuple[Any, Api]:
        kw.setdefault("major", world["major"])
        kw.setdefault("confirmed_at", timeutil.now())
        graduate = make_graduate(**kw)
        token, _ = tokens.issue(graduate)
        db.session.commit()
        return graduate, Api(client, token)

    return make


@pytest.fixture()
def decide(world: dict[str, Any]) -> Callable[..., Any]:
    """``decide(record_id, "pass", user="dept_user", reason=None)`` through the engine, committed."""

    def run(record_id: int, outcome: str, user: str = "dept_user", reason: str | None = None) -> Any:
        item = engine.open_item("other_destination", record_id)
        assert item is not None
        engine.decide(world[user], item.id, outcome, reason=reason)
        db.session.commit()
        return item

    return run
