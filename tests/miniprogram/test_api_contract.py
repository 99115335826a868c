"""Contract: every API call the mini-program makes exists in the backend's OpenAPI document.

The calls are read statically from ``miniprogram/**/*.js`` (tests/miniprogram/contract.py) and
listed in ``miniprogram/tests/api-calls.json``; the document is ``/api/v1/openapi.json`` as the app
serves it. The checker is shown to fail when a called path or method is taken out of the document.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.miniprogram.contract import API_PREFIX, MINIPROGRAM, Call, ExtractError, calls_in, extract_calls, missing

CALLS = extract_calls()
LISTING = MINIPROGRAM / "tests" / "api-calls.json"


@pytest.fixture()
def spec(client: Any) -> dict[str, Any]:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()  # type: ignore[no-any-return]


def _spec_path(spec: dict[str, Any], call: Call) -> str:
    found = [p for p in spec["paths"] if not missing([call], {"paths": {p: spec["paths"][p]}})]
    assert len(found) == 1, (call, found)
    return found[0]


def test_the_extractor_finds_the_mini_programs_calls():
    keys = {c.key() for c in CALLS}
    for expected in [("POST", "/auth/wx-login"), ("POST", "/auth/bind-code"), ("GET", "/me"),
                     ("GET", "/destination"), ("POST", "/destination/records/{}/proofs"),
                     ("POST", "/agreements/{}/accept"), ("POST", "/agreements/{}/decline"),
                     ("GET", "/agreements/{}/pdf"), ("POST", "/terminations/{}/cancel"),
                     ("DELETE", "/destination/records/{}/proofs/{}"), ("GET", "/files/{}")]:
        assert expected in keys, expected
    assert len(CALLS) >= 25


def test_every_call_of_the_mini_program_is_in_the_openapi_spec(spec):
    assert missing(CALLS, spec) == []
    # the list is kept next to the mini-program, so a change of calls shows in review
    text = json.dumps([{"method": c.method, "path": c.path} for c in CALLS], ensure_ascii=False, indent=2) + "\n"
    if not LISTING.exists() or LISTING.read_text(encoding="utf-8") != text:
        LISTING.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method} {c.path}")
def test_the_check_fails_when_a_called_path_is_removed(spec, call):
    assert missing([call], spec) == []
    without_path = copy.deepcopy(spec)
    del without_path["paths"][_spec_path(spec, call)]
    assert call in missing(CALLS, without_path)
    without_method = copy.deepcopy(spec)
    del without_method["paths"][_spec_path(spec, call)][call.method.lower()]
    assert call in missing(CALLS, without_method)


def test_spec_paths_carry_the_api_prefix(spec):
    assert all(p.startswith(API_PREFIX + "/") for p in spec["paths"])


def test_a_dynamic_segment_without_declared_values_is_an_error():
    with pytest.raises(ExtractError, match="api-values"):
        calls_in("api.post('/agreements/' + self.data.id + '/' + action);", "x.js")
    with pytest.raises(ExtractError, match="api-call"):
        calls_in("api.download(url);", "x.js")


def test_declared_values_and_calls_are_expanded():
    text = ("// api-values action: accept decline\n"
            "api.post('/agreements/' + self.data.id + '/' + action, body);\n"
            "// api-call: GET /files/{id}\n"
            "api.download(p.url);\n")
    assert [c.key() for c in calls_in(text, "x.js")] == [
        ("POST", "/agreements/{}/accept"), ("POST", "/agreements/{}/decline"), ("GET", "/files/{}")]

