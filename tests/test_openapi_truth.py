"""The OpenAPI document tells the truth: every status an operation answers is one it documents.

Every operation of ``/api/v1/openapi.json`` is called anonymously, signed in with ids that do not
exist, with a body of the wrong type, with JSON nested too deeply, and (uploads) without the file;
each answer's status must be in the operation's ``responses``. Downloads document their 200 with the
media type they really send; uploads document their multipart body.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from tests.destinations.helpers import jpeg_bytes
from wxbackend.auth import tokens
from wxbackend.core import timeutil
from wxbackend.core.db import db

MISSING_ID = "987654"


@pytest.fixture()
def spec(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "archive" if m.group(1) == "module" else MISSING_ID, path)


def test_every_status_an_operation_answers_is_documented(app, client, spec, make_graduate) -> None:
    graduate = make_graduate(confirmed_at=timeutil.now())
    token, _ = tokens.issue(graduate)
    db.session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    problems: list[str] = []
    tried = 0
    for path, method, op in _operations(spec):
        documented = set(op["responses"])
        url = _url(path)
        body = op.get("requestBody", {}).get("content", {})
        calls: list[tuple[str, dict[str, Any]]] = [("anonymous", {}), ("signed in, ids not found", {"headers": auth})]
        if "application/json" in body:
            calls += [("a body of the wrong type", {"headers": auth, "json": [1]}),
                      ("an empty body", {"headers": auth, "json": {}}),
                      ("JSON nested too deeply", {"headers": auth, "data": "[" * 300 + "]" * 300,
                                                  "content_type": "application/json"})]
        if "multipart/form-data" in body:
            calls += [("no file", {"headers": auth, "data": {"other": (io.BytesIO(b"x"), "a.jpg")},
                                   "content_type": "multipart/form-data"})]
        for label, kwargs in calls:
            resp = client.open(url, method=method.upper(), **kwargs)
            tried += 1
            if str(resp.status_code) not in documented:
                problems.append(f"{method.upper()} {path} ({label}): {resp.status_code} not in {sorted(documented)}")
            elif resp.status_code >= 400 and resp.is_json:
                error = (resp.get_json() or {}).get("error") or {}
                if not {"code", "message", "fields"} <= set(error):
                    problems.append(f"{method.upper()} {path} ({label}): error shape {resp.get_json()}")
    assert tried > 200
    assert not problems, "\n".join(problems)


def test_downloads_document_the_file_they_send_and_uploads_their_multipart_body(
        client, spec, make_graduate) -> None:
    downloads = {p: ops["get"] for p, ops in spec["paths"].items() if p.endswith(("/pdf", "/signed-pdf"))}
    assert len(downloads) == 4
    for path, op in downloads.items():
        assert list(op["responses"]["200"]["content"]) == ["application/pdf"], path
    uploads = [op for ops in spec["paths"].values() for m, op in ops.items()
               if m == "post" and "multipart/form-data" in op.get("requestBody", {}).get("content", {})]
    assert len(uploads) == 4
    for op in uploads:
        body = op["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert body["required"] == ["file"] and body["properties"]["file"]["format"] == "binary"
        assert "413" in op["responses"]

    # the image download: its documented 200 is what it sends
    graduate = make_graduate(confirmed_at=timeutil.now())
    token, _ = tokens.issue(graduate)
    db.session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    record = client.post("/api/v1/destination/records", headers=auth,
                         json={"subkind": "not_now", "fields": {}}).get_json()
    if "id" in record:
        up = client.post(f"/api/v1/destination/records/{record['id']}/proofs", headers=auth,
                         data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg")}, content_type="multipart/form-data")
        if up.status_code == 201:
            got = client.get(f"/api/v1/files/{up.get_json()['id']}", headers=auth)
            media = spec["paths"]["/api/v1/files/{file_id}"]["get"]["responses"]["200"]["content"]
            assert got.status_code == 200 and got.mimetype in media


def test_wx_login_documents_that_it_may_be_switched_off(spec) -> None:
    assert {"200", "400", "422", "502", "503"} <= set(spec["paths"]["/api/v1/auth/wx-login"]["post"]["responses"])


def test_request_schemas_require_what_the_server_requires(client, spec, make_graduate) -> None:
    """A body the document accepts is not refused for a field the document left optional."""
    schemas = spec["components"]["schemas"]
    create = spec["paths"]["/api/v1/destination/records"]["post"]["requestBody"]["content"]["application/json"]
    assert "subkind" in schemas[create["schema"]["$ref"].rsplit("/", 1)[1]]["required"]
    offline = spec["paths"]["/api/v1/offline-agreements"]["post"]["requestBody"]["content"]["application/json"]
    offline_schema = schemas[offline["schema"]["$ref"].rsplit("/", 1)[1]]
    assert "mode" in offline_schema["required"] and offline_schema["properties"]["mode"]["enum"] == [
        "eagreement", "paper"]
    assert {"kinds", "description"} <= set(schemas["ViolationReportIn"]["required"])
    graduate = make_graduate(confirmed_at=timeutil.now())
    token, _ = tokens.issue(graduate)
    db.session.commit()
    resp = client.post("/api/v1/destination/records", json={"fields": {}},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422 and "subkind" in resp.get_json()["error"]["fields"]
