"""核验授权 and public verification (VA-1 … VA-9): numbers, validity, the report PDF, lookups, the signed QR."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.transfers.conftest import ARCHIVE
from tests.transfers.test_registration_api import Api
from wxbackend.accounts.models import Graduate
from wxbackend.core import ids
from wxbackend.core.db import db
from wxbackend.core.errors import ApiError, Conflict
from wxbackend.core.timeutil import SHANGHAI
from wxbackend.transfers import registration
from wxbackend.verification import keys, lookup, services
from wxbackend.verification.models import Verification, VerificationLookup


def _find(module: str, name: str, number: str) -> Any:
    """A lookup as the web route makes it: the lookup is recorded and committed."""
    found = lookup.find(module, name, number)
    db.session.commit()
    return found


def _set(api: Api, module: str = "archive", valid_until: str = "2027-12-31") -> Any:
    return api.post("/verifications", {"module": module, "valid_until": valid_until})


def test_va_1_only_after_the_destination_is_confirmed(client: Any, reported: Callable[..., Any]) -> None:
    g = reported()
    api = Api(client, g)
    page = api.get("/verifications").get_json()
    assert page["available"] is False and page["reason"] == "需完成去向登记确认才能进行核验授权"
    res = _set(api)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "module_locked"
    assert api.post("/confirmation/confirm").status_code == 200
    assert api.get("/verifications").get_json()["available"] is True


def test_va_2_each_verification_only_with_registered_info(client: Any, confirmed: Callable[..., Any]) -> None:
    g = confirmed()  # archive info reported, no hukou info
    api = Api(client, g)
    page = api.get("/verifications").get_json()
    modules = {m["module"]: m for m in page["modules"]}
    assert modules["archive"]["available"] is True and modules["archive"]["status_label"] == "未设置"
    assert modules["hukou"]["available"] is False
    assert modules["hukou"]["reason"] == "你还没有已上报并确认的户口信息，不能进行户口信息核验"
    res = _set(api, "hukou")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "verification_refused"
    res = _set(api, "archive")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["status_label"] == "生效中" and body["valid"] is True
    assert ids.is_valid(body["number"], "A", services.BODY_LENGTH)
    assert body["valid_until_text"] == "2027年12月31日 23:59:59"


def test_va_3_the_latest_date_is_the_last_day_of_the_sixth_month(client: Any, confirmed: Callable[..., Any]) -> None:
    assert services.latest_valid_until(Graduate(graduate_ym="202306")) == date(2023, 12, 31)
    assert services.latest_valid_until(Graduate(graduate_ym="202307")) == date(2024, 1, 31)
    assert services.latest_valid_until(Graduate(graduate_ym="202608")) == date(2027, 2, 28)
    g = confirmed()  # graduates 202706 → 2027-12-31
    api = Api(client, g)
    assert api.get("/verifications").get_json()["latest_valid_until"] == "2027-12-31"
    res = _set(api, valid_until="2028-01-01")
    assert res.status_code == 400
    latest = "有效期最晚为毕业时间后六个月的最后一天（2027年12月31日）"
    assert res.get_json()["error"]["fields"]["valid_until"] == latest
    assert _set(api, valid_until="2020-01-01").get_json()["error"]["fields"]["valid_until"] == "有效期不能早于今天"
    assert _set(api, valid_until="明天").get_json()["error"]["fields"]["valid_until"] == "请选择有效期（年-月-日）"
    assert db.session.scalar(select(func.count(Verification.id))) == 0


def test_va_3_va_5_valid_through_23_59_59_of_the_day_then_the_same_miss(
        client: Any, confirmed: Callable[..., Any], frozen_now: Any) -> None:
    g = confirmed(name="李娟")
    api = Api(client, g)
    number = _set(api, valid_until="2027-03-01").get_json()["number"]
    frozen_now(datetime(2027, 3, 1, 23, 59, 59, tzinfo=SHANGHAI))
    assert _find("archive", "李娟", number) is not None
    frozen_now(datetime(2027, 3, 2, 0, 0, tzinfo=SHANGHAI))
    assert _find("archive", "李娟", number) is None
    row = db.session.scalar(select(Verification))
    assert services.state_label(row) == "已过期"


def test_va_4_the_report_pdf_holds_number_qr_basic_info_destination_and_only_its_section(
        client: Any, confirmed: Callable[..., Any], tmp_path: Any) -> None:
    g = confirmed(name="李娟")
    api = Api(client, g)
    body = _set(api).get_json()
    res = api.get(f"/verifications/{body['id']}/pdf")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(res.get_data())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("去向登记信息表", "档案信息核验", ids.display(body["number"]), "李娟", "毕业院校", "学制",
                     "生源所在地", "签劳动合同就业", "档案转递单位名称", "北京某某科技有限公司",
                     "联系人/联系部门", "王老师", "联系电话", "13900139000",  # fig. 45's contact rows
                     "档案转递信息在线核验"):  # the public page's own name in 核验方式
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info  # one sheet, as fig. 45
    assert "户口迁移" not in text  # a section of the other module is left out
    # the QR code on the page decodes to the verification URL
    import zxingcpp
    from PIL import Image

    png = tmp_path / "p"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(png)], check=True)
    codes = zxingcpp.read_barcodes(Image.open(f"{png}.png"))
    assert codes and codes[0].text.startswith("http://127.0.0.1:5000/verify/q/")
    # another graduate cannot download it
    other = confirmed(name="别人")
    assert Api(client, other).get(f"/verifications/{body['id']}/pdf").status_code == 404


def test_va_5_name_and_number_show_the_report_and_every_miss_looks_the_same(
        client: Any, confirmed: Callable[..., Any], csrf_off: Any) -> None:
    g = confirmed(name="李娟")
    number = _set(Api(client, g)).get_json()["number"]
    env = {"REMOTE_ADDR": "10.5.0.1"}
    res = client.post("/verify/archive", data={"name": "李娟", "number": ids.display(number).lower()},
                      environ_base=env)
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "核验有效" in html and "北京某某科技有限公司" in html and "签劳动合同就业" in html
    assert res.headers["Cache-Control"] == "no-store"

    def result(name: str, num: str, module: str = "archive") -> str:
        page = client.post(f"/verify/{module}", data={"name": name, "number": num}, environ_base=env)
        block = page.get_data(as_text=True)
        return block[block.index('id="verify-result"'):]

    miss = result("王五", number)  # wrong name
    assert "未查询到有效的核验信息" in miss
    assert result("李娟", ids.new("A", services.BODY_LENGTH)) == miss  # unknown number
    assert result("李娟", number[:-1] + ("0" if number[-1] != "0" else "1")) == miss  # bad check character
    assert result("李娟", number, "hukou").replace("hukou", "archive") == miss  # the other verification's page
    res = client.post("/verify/archive", data={"name": "", "number": ""}, environ_base=env)
    assert res.status_code == 400 and "请输入毕业生姓名" in res.get_data(as_text=True)
    # every lookup is recorded, found or not
    rows = list(db.session.scalars(select(VerificationLookup).order_by(VerificationLookup.id)))
    assert [r.found for r in rows] == [True, False, False, False, False]
    assert rows[0].ip == "10.5.0.1" and rows[0].verification_id is not None


def test_va_7_ten_thousand_guesses_find_nothing_and_the_rate_limit_engages(
        app: Any, client: Any, confirmed: Callable[..., Any], csrf_off: Any) -> None:
    g = confirmed(name="李娟")
    _set(Api(client, g))
    hits = 0
    for _ in range(10_000):  # well-formed numbers with a fitting check character: they reach the table
        if lookup.find("archive", "李娟", ids.new("A", services.BODY_LENGTH), ip="10.7.0.1") is not None:
            hits += 1
    db.session.commit()
    assert hits == 0
    assert db.session.scalar(select(func.count(VerificationLookup.id))) == 10_000
    # the web lookup stops a client after VERIFY_RATE_LIMIT (30 per 10 minutes)
    statuses = [client.post("/verify/archive", data={"name": "李娟", "number": ids.new("A", 12)},
                            environ_base={"REMOTE_ADDR": "10.7.0.2"}).status_code for _ in range(32)]
    assert statuses[:30] == [200] * 30 and statuses[30:] == [429, 429]
    # another client is not affected
    assert client.post("/verify/archive", data={"name": "李娟", "number": "x"},
                       environ_base={"REMOTE_ADDR": "10.7.0.3"}).status_code == 200


def test_va_8_ending_early_stops_the_number_at_once_and_a_new_one_replaces_the_old(
        client: Any, confirmed: Callable[..., Any]) -> None:
    g = confirmed(name="李娟")
    api = Api(client, g)
    first = _set(api).get_json()
    second = _set(api, valid_until="2027-10-01").get_json()
    assert first["number"] != second["number"]
    assert _find("archive", "李娟", first["number"]) is None  # replaced: stopped at once
    assert _find("archive", "李娟", second["number"]) is not None
    res = api.post(f"/verifications/{second['id']}/close")
    assert res.status_code == 200 and res.get_json()["status_label"] == "已结束" and res.get_json()["valid"] is False
    assert _find("archive", "李娟", second["number"]) is None
    assert api.post(f"/verifications/{second['id']}/close").get_json()["error"]["code"] == "not_active"
    page = api.get("/verifications").get_json()
    assert [h["status_label"] for h in page["history"]] == ["已结束", "已重新设置"]
    archive = next(m for m in page["modules"] if m["module"] == "archive")
    assert archive["active"] is None and archive["status_label"] == "已结束"
    assert db.session.scalar(select(func.count(Verification.id)).where(Verification.status == "active")) == 0


def test_va_8_cf_5_a_confirmation_that_falls_away_takes_the_verification_with_it(
        client: Any, confirmed: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    g = confirmed(name="李娟")
    number = _set(Api(client, g)).get_json()["number"]
    registration.enter_directly(reg_world["school_user"], g, "archive", {**ARCHIVE, "archive_postcode": "100081"})
    db.session.commit()
    assert _find("archive", "李娟", number) is None


def _tamper(token: str, **changes: Any) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    return ".".join([head, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), sig])


def test_va_9_the_qr_payload_is_signed_and_verify_qr_checks_it_offline(
        app: Any, client: Any, confirmed: Callable[..., Any], tmp_path: Any) -> None:
    g = confirmed(name="李娟")
    body = _set(Api(client, g)).get_json()
    row = db.session.get(Verification, body["id"])
    url = lookup.qr_url(row)
    token = lookup.token_of(url)
    claims, kid = keys.verify(token)
    assert claims["n"] == row.number and claims["nm"] == "李娟" and claims["exp"] == "2027-12-31"
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["verify-qr", url])
    assert ok.exit_code == 0 and f"签名有效（密钥 {kid}）" in ok.output and row.number in ok.output
    # with the published JWKS saved as a file (what an offline verifier has)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(client.get("/.well-known/jwks.json").get_data(as_text=True), encoding="utf-8")
    assert "d" not in json.loads(jwks.read_text(encoding="utf-8"))["keys"][0]  # public halves only
    assert runner.invoke(args=["verify-qr", token, "--jwks", str(jwks)]).exit_code == 0
    changed = runner.invoke(args=["verify-qr", _tamper(token, exp="2099-12-31")])
    assert changed.exit_code != 0 and "bad_signature" in changed.output
    # signed by a key this platform never had
    from joserfc import jws
    from joserfc.jwk import OKPKey

    stranger = OKPKey.generate_key("Ed25519", parameters={"kid": "qr-stranger"}, private=True)
    forged = jws.serialize_compact({"alg": "Ed25519", "kid": "qr-stranger"}, json.dumps(claims).encode(), stranger,
                                   algorithms=["Ed25519"])
    unknown = runner.invoke(args=["verify-qr", forged])
    assert unknown.exit_code != 0 and "unknown_key" in unknown.output
    assert runner.invoke(args=["verify-qr", "not-a-token"]).exit_code != 0

    # the QR page: the signature holds and the report shows; a changed field is refused
    page = client.get(url[len("http://127.0.0.1:5000"):], environ_base={"REMOTE_ADDR": "10.9.0.1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "二维码签名有效" in html and "核验有效" in html
    bad = client.get("/verify/q/" + _tamper(token, nm="王五"), environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert bad.status_code == 404 and "签名无效" in bad.get_data(as_text=True)

    # keys rotate: the old QR still verifies, new ones carry the new key id
    new_kid = runner.invoke(args=["rotate-qr-key"]).output.split()[-1]
    assert new_kid != kid
    assert keys.verify(token)[1] == kid
    assert keys.verify(lookup.token_of(lookup.qr_url(row)))[1] == new_kid
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new_kid, kid]


def test_va_3_two_settings_at_once_leave_one_active(app: Any, confirmed: Callable[..., Any]) -> None:
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    g = confirmed()
    gid = g.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        with app.app_context():
            graduate = db.session.get(Graduate, gid)
            barrier.wait()
            try:
                services.create(graduate, "archive", "2027-12-31")
                db.session.commit()
                outcomes.append("set")
            except (Conflict, ApiError) as err:
                db.session.rollback()
                outcomes.append(err.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "set" in outcomes
    assert db.session.scalar(select(func.count(Verification.id)).where(Verification.status == "active")) == 1




def test_va_6_the_schools_transfer_number_verifies_until_31_march_of_the_next_year(
        client: Any, confirmed: Callable[..., Any], reg_world: dict[str, Any], frozen_now: Any,
        csrf_off: Any) -> None:
    from wxbackend.transfers import dispatch

    g = confirmed(name="李娟")
    issued = dispatch.issue(reg_world["school_user"], reg_world["school"].id, [g.id], confirm_warnings=True)
    db.session.commit()
    row = db.session.scalar(select(dispatch.ArchiveDispatch)
                            .where(dispatch.ArchiveDispatch.batch_id == issued.batch.id))
    assert row is not None
    found = _find("archive", "李娟", ids.display(row.transfer_no))
    assert found is not None and found.source == "dispatch"
    sections = {s["title"]: dict(s["rows"]) for s in found.content["sections"]}
    assert sections["档案转递信息"]["档案转递单位名称"] == row.recipient_name
    assert sections["毕业去向信息"]["毕业去向"] == "签劳动合同就业"
    assert _find("archive", "王五", row.transfer_no) is None  # wrong name: the same miss
    assert _find("hukou", "李娟", row.transfer_no) is None  # archives only
    page = client.post("/verify/archive", data={"name": "李娟", "number": row.transfer_no},
                       environ_base={"REMOTE_ADDR": "10.6.0.1"}).get_data(as_text=True)
    assert "核验有效" in page and "学校档案转递编号" in page
    frozen_now(datetime(2028, 3, 31, 23, 59, 59, tzinfo=SHANGHAI))  # graduates 202706
    assert _find("archive", "李娟", row.transfer_no) is not None
    frozen_now(datetime(2028, 4, 1, 0, 0, tzinfo=SHANGHAI))
    assert _find("archive", "李娟", row.transfer_no) is None
    frozen_now(None)
    dispatch.cancel(reg_world["school_user"], row, "地址有误")
    db.session.commit()
    assert _find("archive", "李娟", row.transfer_no) is None  # a cancelled number no longer verifies


def test_va_8_cf_5_a_verification_whose_confirmation_fell_away_reads_void_not_active(
        client: Any, confirmed: Callable[..., Any], reg_world: dict[str, Any]) -> None:
    """The graduate never sees 生效中 on a number that does not verify: after the info changed and was
    reported and confirmed again, the old active row reads 已失效 until a new one replaces it."""
    from tests.confirmation.conftest import _report
    from wxbackend.confirmation import services as confirmation

    g = confirmed(name="李娟")
    api = Api(client, g)
    old = _set(api).get_json()["number"]
    registration.enter_directly(reg_world["school_user"], g, "archive", {**ARCHIVE, "archive_postcode": "100081"})
    db.session.commit()
    _report(reg_world)
    confirmation.confirm(g)
    db.session.commit()
    archive = {m["module"]: m for m in api.get("/verifications").get_json()["modules"]}["archive"]
    assert archive["state"] == "void" and archive["status_label"] == "已失效"
    assert archive["active"]["valid"] is False and archive["active"]["status_label"] == "已失效"
    new = _set(api).get_json()
    assert new["status_label"] == "生效中" and _find("archive", "李娟", new["number"]) is not None
    assert _find("archive", "李娟", old) is None
    # 提前结束: the module reads 已结束 (not 未设置), with nothing active
    api.post(f"/verifications/{new['id']}/close")
    archive = {m["module"]: m for m in api.get("/verifications").get_json()["modules"]}["archive"]
    assert archive["state"] == "closed" and archive["status_label"] == "已结束" and archive["active"] is None
