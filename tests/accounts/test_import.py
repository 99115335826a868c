"""Spreadsheet import of graduates' basic information (L-6): row-by-row reasons, upsert, jobs, refusals."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.accounts.importing import LABELS, csv_bytes, good_row, xlsx_bytes
from tests.factories import id_number
from wxbackend.accounts.models import Graduate, ImportBatch
from wxbackend.core.audit import AuditEvent, history
from wxbackend.core.db import db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def school_env(make_school, make_department, make_major, make_user, staff_login) -> dict[str, Any]:
    """A school with one department and major, its school reviewer logged in."""
    school = make_school()
    dept = make_department(school, code="CS01", name="计算机学院")
    make_major(dept, code="080901", name="计算机科学与技术")
    user = make_user("school", school_id=school.id)
    staff_login(user)
    return {"school": school, "dept": dept, "user": user}


def upload(client: Any, data: bytes, filename: str = "graduates.xlsx") -> Any:
    res = client.post("/console/imports", data={"file": (io.BytesIO(data), filename)},
                      content_type="multipart/form-data")
    # werkzeug's test client spools a large multipart body to a temp file it never closes
    stream = res.request.environ.get("wsgi.input")
    if stream is not None:
        stream.close()
    return res


def batch_id_of(res: Any) -> int:
    assert res.status_code == 302, res.get_data(as_text=True)
    return int(res.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def fresh_batch(batch_id: int) -> ImportBatch:
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    assert batch is not None
    return batch


def graduate_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Graduate.id))) or 0


def batch_count() -> int:
    return db.session.scalar(select(func.count(ImportBatch.id))) or 0


# --- L-6: row by row ------------------------------------------------------------------


def test_l_6_bad_rows_reported_with_reasons_good_rows_kept(client, school_env, csrf_off) -> None:
    first = good_row(1)
    bad_check = good_row(2)
    bad_check["id_number"] = bad_check["id_number"][:17] + ("0" if bad_check["id_number"][17] != "0" else "1")
    rows = [
        first,                                    # row 2: kept
        bad_check,                                # row 3: check digit
        good_row(3, phone="1380013800"),          # row 4: phone
        good_row(4, department="不存在学院"),      # row 5: department
        good_row(5, origin_region="999999"),      # row 6: region code
        good_row(6, ethnicity="火星族"),           # row 7: code list value
        good_row(7, id_number=first["id_number"], name="重复者"),  # row 8: duplicate of row 2
        good_row(8),                              # row 9: kept
    ]
    res = upload(client, xlsx_bytes(rows))
    batch = fresh_batch(batch_id_of(res))
    assert batch.state == "done"
    assert (batch.created_count, batch.updated_count, batch.error_count) == (2, 0, 6)
    by_row = {e["row"]: e for e in batch.errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert by_row[3]["field"] == "身份证号" and "校验位" in by_row[3]["message"]
    assert by_row[4]["field"] == "手机号码" and by_row[4]["value"] == "1380013800"
    assert by_row[5]["field"] == "院系" and "不存在学院" in by_row[5]["message"]
    assert by_row[6]["field"] == "生源所在地" and "行政区划代码" in by_row[6]["message"]
    assert by_row[7]["field"] == "民族" and "火星族" in by_row[7]["message"]
    assert by_row[8]["field"] == "身份证号" and "与第2行重复" in by_row[8]["message"]
    names = set(db.session.scalars(select(Graduate.name)))
    assert names == {"学生1", "学生8"}

    page = client.get(f"/console/imports/{batch.id}").get_data(as_text=True)
    assert 'id="import-summary"' in page and 'id="import-errors"' in page
    table = page.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 6  # header + one row per bad row
    for reason in ("与第2行重复", "手机号码应为11位"):
        assert reason in table


def test_l_6_several_problems_in_one_row_are_one_report(client, school_env, csrf_off) -> None:
    res = upload(client, xlsx_bytes([good_row(1, phone="12", email="nope", schooling_years=30)]))
    batch = fresh_batch(batch_id_of(res))
    assert batch.error_count == 1 and len(batch.errors) == 1
    entry = batch.errors[0]
    assert entry["row"] == 2
    for label in ("学制", "电子邮箱", "手机号码"):
        assert label in entry["field"]
    assert graduate_count() == 0


def test_l_6_id_number_stored_as_a_number_is_explained(client, school_env, csrf_off) -> None:
    row = good_row(1)
    row["id_number"] = int(row["id_number"])  # Excel keeps 15 significant digits of a number
    row["id_number"] = float(row["id_number"])
    batch = fresh_batch(batch_id_of(upload(client, xlsx_bytes([row]))))
    assert "文本格式" in batch.errors[0]["message"]


def test_l_6_reimport_updates_by_id_number_and_keeps_history(client, school_env, csrf_off) -> None:
    rows = [good_row(1), good_row(2)]
    first = fresh_batch(batch_id_of(upload(client, xlsx_bytes(rows))))
    assert (first.created_count, first.updated_count) == (2, 0)

    rows[0]["phone"] = "13700000001"
    rows[0]["political_status"] = "中共党员"
    second = fresh_batch(batch_id_of(upload(client, xlsx_bytes(rows), "again.xlsx")))
    assert (second.created_count, second.updated_count, second.error_count) == (0, 1, 0)
    assert graduate_count() == 2
    grad = db.session.scalar(select(Graduate).where(Graduate.id_number == rows[0]["id_number"]))
    assert grad.phone == "13700000001" and grad.political_status == "01"

    events = history("graduate", grad.id)
    actions = [e.action for e in events]
    assert actions == ["graduate.import_create", "graduate.import_update"]
    update = events[1]
    assert update.data["batch_id"] == second.id
    assert update.data["changes"]["phone"] == ["13900000001", "13700000001"]
    assert update.data["changes"]["political_status"] == ["03", "01"]
    assert update.actor_id == school_env["user"].id and update.school_id == school_env["school"].id
    finished = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.finished")).all()
    assert len(finished) == 2 and finished[1].data["updated"] == 1 and finished[1].data["unchanged"] == 1

    detail = client.get(f"/console/graduates/{grad.id}").get_data(as_text=True)
    assert "导入新增基本信息" in detail and "导入修改基本信息" in detail and "13700000001" in detail

    status = client.get(f"/console/imports/{second.id}/status").get_json()
    assert status["state"] == "done" and status["updated_count"] == 1 and status["unchanged_count"] == 1


def test_l_6_reimport_does_not_touch_another_schools_graduate(client, school_env, csrf_off,
                                                             make_graduate, make_major, make_department,
                                                             make_school) -> None:
    other_major = make_major(make_department(make_school()))
    row = good_row(1)
    other = make_graduate(other_major, id_number=row["id_number"], phone="13600000000")
    batch = fresh_batch(batch_id_of(upload(client, xlsx_bytes([row]))))
    assert batch.created_count == 1
    db.session.refresh(other)
    assert other.phone == "13600000000"


def test_l_6_5000_row_xlsx_with_3_bad_rows_keeps_4997_via_job(client, school_env, csrf_off,
                                                             drain_jobs) -> None:
    rows = [good_row(n) for n in range(1, 5001)]
    rows[99]["id_number"] = rows[99]["id_number"][:17] + ("1" if rows[99]["id_number"][17] == "0" else "0")
    rows[2499]["phone"] = "23800000000"
    rows[4999]["department"] = "外星学院"
    res = upload(client, xlsx_bytes(rows), "5000.xlsx")
    batch_id = batch_id_of(res)
    queued = fresh_batch(batch_id)
    assert queued.state in ("queued", "running", "done")  # large files go to the job
    drain_jobs()
    batch = fresh_batch(batch_id)
    assert batch.state == "done", batch.failure
    assert (batch.total_rows, batch.processed_rows) == (5000, 5000)
    assert (batch.created_count, batch.error_count) == (4997, 3)
    assert [e["row"] for e in batch.errors] == [101, 2501, 5001]
    assert [e["field"] for e in batch.errors] == ["身份证号", "手机号码", "院系"]
    assert graduate_count() == 4997
    creates = db.session.scalar(select(func.count(AuditEvent.id))
                                .where(AuditEvent.action == "graduate.import_create"))
    assert creates == 4997

    dl = client.get(f"/console/imports/{batch_id}/errors.xlsx")
    assert dl.status_code == 200 and dl.mimetype == XLSX
    ws = load_workbook(io.BytesIO(dl.data), read_only=True).worksheets[0]
    got = list(ws.iter_rows(values_only=True))
    assert got[0][:3] == ("行号", "错误字段", "错误原因")
    assert [r[0] for r in got[1:]] == [101, 2501, 5001]
    assert got[2][3 + LABELS.index("手机号码")] == "23800000000"


@pytest.mark.parametrize("settings_overrides", [{"IMPORT_INLINE_MAX_ROWS": 5}])
def test_file_broken_past_the_first_rows_is_refused_at_the_upload_and_changes_nothing(client, school_env, csrf_off,
                                                                                    drain_jobs) -> None:
    """A sheet cut off after its first rows (more rows than are imported inline) is refused when it is
    uploaded — the whole sheet is parsed then — instead of failing later in the job; nothing is stored."""
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([good_row(n) for n in range(1, 41)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: int(len(body) * 0.8)]
            dst.writestr(item, body)
    res = upload(client, out.getvalue())
    assert res.status_code == 400 and "表格内容无法读取（文件可能已损坏或不完整）" in res.get_data(as_text=True)
    drain_jobs()
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    assert graduate_count() == 0


def test_job_leaves_a_finished_batch_alone(client, school_env, csrf_off, app) -> None:
    from jobs.imports import import_graduates

    batch = fresh_batch(batch_id_of(upload(client, xlsx_bytes([good_row(1)]))))
    import_graduates(batch.id)
    assert fresh_batch(batch.id).created_count == 1
    assert graduate_count() == 1


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_l_6_csv_in_utf8_with_bom_and_gb18030(client, school_env, csrf_off, encoding) -> None:
    rows = [good_row(1), good_row(2, name="欧阳喆"), good_row(3, phone="abc")]
    batch = fresh_batch(batch_id_of(upload(client, csv_bytes(rows, encoding), "学生.csv")))
    assert batch.file_kind == "csv"
    assert (batch.created_count, batch.error_count) == (2, 1)
    assert batch.errors[0]["row"] == 4
    assert "欧阳喆" in set(db.session.scalars(select(Graduate.name)))


def test_l_6_header_tolerates_spaces_stars_brackets_and_a_title_row(client, school_env, csrf_off) -> None:
    labels = [f" *{label} " for label in LABELS]
    labels[LABELS.index("入学时间")] = "入学时间（YYYYMM）"
    labels[LABELS.index("定向/委培单位")] = "定向/委培单位"
    data = xlsx_bytes([good_row(1)], labels=labels, title="2026届毕业生名单")
    batch = fresh_batch(batch_id_of(upload(client, data)))
    assert batch.created_count == 1 and batch.error_count == 0


# --- refusals: bad input anywhere changes nothing -------------------------------------------


def _truncated_xlsx() -> bytes:
    data = xlsx_bytes([good_row(n) for n in range(1, 30)])
    return data[: len(data) // 2]


def _corrupt_sheet_xlsx() -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([good_row(1)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[: len(body) // 2]
            dst.writestr(item, body)
    return out.getvalue()


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _header_only() -> bytes:
    return xlsx_bytes([])


def _missing_columns() -> bytes:
    wb = Workbook()
    wb.active.append(["姓名", "身份证号", "手机号码"])
    wb.active.append(["张三", id_number(), "13800138000"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "maker", "expected"),
    [
        ("名单.xlsx", lambda: b"just some text, renamed\n", "不是有效的 .xlsx"),
        ("名单.xlsx", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        ("名单.xlsx", lambda: b"", "空"),
        ("名单.xlsx", _truncated_xlsx, "不是有效的 .xlsx"),
        ("名单.xlsx", _corrupt_sheet_xlsx, "无法读取"),
        ("名单.xlsx", _docx_like, "不是有效的 .xlsx"),
        ("名单.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "只支持"),
        ("名单.txt", lambda: csv_bytes([good_row(1)]), "只支持"),
        ("名单.csv", lambda: xlsx_bytes([good_row(1)]), "扩展名"),
        ("名单.xlsx", _header_only, "没有数据行"),
        ("名单.xlsx", _missing_columns, "缺少必填列"),
        ("名单.csv", lambda: "\ufeff".encode() + b"\r\n\r\n", "空"),
    ],
    ids=["text-renamed", "pdf", "empty", "truncated", "corrupt-sheet", "docx", "xls", "txt", "zip-as-csv",
         "header-only", "missing-columns", "blank-csv"],
)
def test_bad_file_is_refused_with_a_clear_error_and_changes_nothing(client, school_env, csrf_off, filename,
                                                                     maker, expected) -> None:
    res = upload(client, maker(), filename)
    assert res.status_code == 400
    page = res.get_data(as_text=True)
    assert 'id="file-error"' in page
    error = page.split('id="file-error"', 1)[1].split("</div>", 1)[0]
    assert expected in error
    assert graduate_count() == 0
    assert batch_count() == 0


def test_no_file_chosen_is_refused(client, school_env, csrf_off) -> None:
    res = client.post("/console/imports", data={}, content_type="multipart/form-data")
    assert res.status_code == 400 and "请选择" in res.get_data(as_text=True)


def test_more_than_50000_rows_is_refused_up_front(client, school_env, csrf_off) -> None:
    row = ",".join(str(v) for v in good_row(1).values())
    data = ("\ufeff" + ",".join(LABELS) + "\r\n" + (row + "\r\n") * 50_001).encode()
    res = upload(client, data, "big.csv")
    assert res.status_code == 400
    assert "超过单次导入上限50000行" in res.get_data(as_text=True)
    assert graduate_count() == 0 and batch_count() == 0


@pytest.mark.parametrize("settings_overrides", [{"MAX_UPLOAD_MB": 1}])
def test_oversize_request_is_413_and_changes_nothing(client, school_env, csrf_off) -> None:
    res = upload(client, b"x" * (1024 * 1024 + 10), "big.csv")
    assert res.status_code == 413
    assert "不能超过 1 MB" in res.get_data(as_text=True)
    assert graduate_count() == 0 and batch_count() == 0


def test_upload_needs_the_csrf_token(client, school_env) -> None:
    res = upload(client, xlsx_bytes([good_row(1)]))
    assert res.status_code == 400
    assert graduate_count() == 0


def test_upload_with_the_forms_csrf_token_works(client, school_env) -> None:
    import re

    page = client.get("/console/imports").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post("/console/imports", data={"file": (io.BytesIO(xlsx_bytes([good_row(1)])), "a.xlsx"),
                                               "csrf_token": token}, content_type="multipart/form-data")
    assert res.status_code == 302 and graduate_count() == 1


# --- access -------------------------------------------------------------------------------


def test_department_reviewer_gets_403_everywhere(client, make_school, make_department, make_user,
                                                  staff_login, csrf_off) -> None:
    school = make_school()
    dept = make_department(school)
    uploader = make_user("school", school_id=school.id)
    batch = ImportBatch(school_id=school.id, uploaded_by=uploader.id, filename="a.xlsx", file_kind="xlsx",
                        state="done")
    db.session.add(batch)
    db.session.commit()
    staff_login(make_user("department", school_id=school.id, department_id=dept.id))
    for url in ("/console/imports", "/console/imports/template.xlsx", "/console/imports/template.csv",
                f"/console/imports/{batch.id}", f"/console/imports/{batch.id}/status",
                f"/console/imports/{batch.id}/errors.xlsx"):
        assert client.get(url).status_code == 403, url
    assert upload(client, xlsx_bytes([good_row(1)])).status_code == 403
    assert graduate_count() == 0


def test_another_schools_batch_is_404(client, school_env, make_school, make_user) -> None:
    other = make_school()
    uploader = make_user("school", school_id=other.id)
    batch = ImportBatch(school_id=other.id, uploaded_by=uploader.id, filename="a.xlsx", file_kind="xlsx",
                        state="done", errors=[{"row": 2, "field": "姓名", "value": "", "message": "x"}])
    db.session.add(batch)
    db.session.commit()
    for url in (f"/console/imports/{batch.id}", f"/console/imports/{batch.id}/status",
                f"/console/imports/{batch.id}/errors.xlsx", "/console/imports/999999"):
        assert client.get(url).status_code == 404, url
    assert "a.xlsx" not in client.get("/console/imports").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client) -> None:
    res = client.get("/console/imports")
    assert res.status_code == 302 and "/console/login" in res.headers["Location"]


# --- templates ------------------------------------------------------------------------------


def test_l_6_xlsx_template_opens_and_reimports_cleanly_once_filled(client, school_env, csrf_off) -> None:
    res = client.get("/console/imports/template.xlsx")
    assert res.status_code == 200 and res.mimetype == XLSX
    assert "attachment" in res.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(res.data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert [h.lstrip("*") for h in header] == LABELS
    assert header[LABELS.index("身份证号")] == "*身份证号"
    example = [c.value for c in ws[2]]
    assert example[LABELS.index("院系")] == "计算机学院"
    codes = wb["代码表"]
    labels = {r[2] for r in codes.iter_rows(min_row=2, values_only=True)}
    assert {"本科", "汉族", "共青团员", "非定向", "是", "计算机学院", "计算机科学与技术"} <= labels
    assert wb["生源所在地"].max_row > 3000

    keys = list(good_row(1))
    for n in (1, 2, 3):
        row = good_row(n, department="CS01", major="080901")
        ws.append([row[k] for k in keys])
    out = io.BytesIO()
    wb.save(out)
    batch = fresh_batch(batch_id_of(upload(client, out.getvalue(), "filled.xlsx")))
    assert (batch.created_count, batch.error_count) == (3, 0)  # the example row is skipped
    assert graduate_count() == 3


def test_template_example_row_is_itself_valid(client, school_env, csrf_off) -> None:
    wb = load_workbook(io.BytesIO(client.get("/console/imports/template.xlsx").data))
    ws = wb.worksheets[0]
    ws.cell(row=2, column=LABELS.index("姓名") + 1).value = "张三"  # edited: no longer the example
    out = io.BytesIO()
    wb.save(out)
    batch = fresh_batch(batch_id_of(upload(client, out.getvalue())))
    assert (batch.created_count, batch.error_count) == (1, 0), batch.errors


def test_l_6_csv_template_reimports_cleanly_once_filled(client, school_env, csrf_off) -> None:
    res = client.get("/console/imports/template.csv")
    assert res.status_code == 200 and res.data.startswith(b"\xef\xbb\xbf")
    text = res.data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].replace("*", "").split(",") == LABELS
    row = good_row(1)
    text += ",".join(str(row[k]) for k in row) + "\r\n"
    batch = fresh_batch(batch_id_of(upload(client, text.encode("utf-8-sig"), "filled.csv")))
    assert (batch.created_count, batch.error_count) == (1, 0)


def test_import_page_lists_recent_batches_of_the_school(client, school_env, csrf_off) -> None:
    upload(client, xlsx_bytes([good_row(1)]), "第一批.xlsx")
    page = client.get("/console/imports").get_data(as_text=True)
    assert "第一批.xlsx" in page and 'id="file"' in page and 'id="upload"' in page


def test_l_6_bulk_import_signals_basic_info_changed_per_chunk(client, school_env, csrf_off) -> None:
    """L-6: the bulk path (no ORM objects) still tells listeners which graduates changed."""
    from wxbackend.core import signals

    heard: list[dict[str, Any]] = []

    def receiver(sender: Any, **data: Any) -> None:
        heard.append(data)

    signals.basic_info_changed.connect(receiver)
    try:
        batch = fresh_batch(batch_id_of(upload(client, xlsx_bytes([good_row(1), good_row(2)]))))
        again = fresh_batch(batch_id_of(upload(client, xlsx_bytes([good_row(1, phone="13900000099"), good_row(2)]))))
    finally:
        signals.basic_info_changed.disconnect(receiver)
    assert batch.created_count == 2 and again.updated_count == 1
    ids = {g.name: g.id for g in db.session.scalars(select(Graduate))}
    assert [(sorted(d["graduate_ids"]), d["action"]) for d in heard] == [
        (sorted(ids.values()), "import"), ([ids["学生1"]], "import")]


@pytest.mark.parametrize(("path", "filename"), [("template.xlsx", "模板.xlsx"), ("template.csv", "模板.csv")])
def test_l_6_the_unchanged_template_is_refused_as_having_no_data_rows(client, school_env, csrf_off,
                                                                      path, filename) -> None:
    """L-6: the downloaded template with only its header and example row imports nothing and says so."""
    template = client.get(f"/console/imports/{path}").data
    res = upload(client, template, filename)
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    assert "没有数据行" in html and "示例行" in html
    assert "全部数据行均已导入" not in html
    assert batch_count() == 0 and graduate_count() == 0


def test_a_finished_batch_that_imported_nothing_does_not_claim_everything_was_imported(
        client, school_env, csrf_off) -> None:
    """A re-upload whose rows are all unchanged says so instead of 全部数据行均已导入."""
    rows = [good_row(1)]
    batch_id_of(upload(client, xlsx_bytes(rows)))
    again = fresh_batch(batch_id_of(upload(client, xlsx_bytes(rows))))
    assert (again.created_count, again.updated_count, again.error_count) == (0, 0, 0)
    html = client.get(f"/console/imports/{again.id}").get_data(as_text=True)
    assert "全部数据行均已导入" not in html and "均与现有信息相同" in html


def test_csv_template_names_its_charset_once(client, school_env) -> None:
    res = client.get("/console/imports/template.csv")
    assert res.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_a_formula_in_an_uploaded_cell_comes_back_as_text_in_the_error_workbook(client, school_env,
                                                                                csrf_off) -> None:
    """A CSV cell such as =HYPERLINK(…) is shown as typed in the error workbook, never as a live formula."""
    bad = good_row(1, dept='=HYPERLINK("http://evil.example/","点此更正")')
    batch_id = batch_id_of(upload(client, csv_bytes([bad]), "graduates.csv"))
    dl = client.get(f"/console/imports/{batch_id}/errors.xlsx")
    assert dl.status_code == 200
    ws = load_workbook(io.BytesIO(dl.data)).worksheets[0]
    cell = ws.cell(row=2, column=3 + LABELS.index("院系") + 1)
    assert cell.value == '=HYPERLINK("http://evil.example/","点此更正")' and cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(dl.data)) as z:  # no formula element anywhere in the sheet
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
