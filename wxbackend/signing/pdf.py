"""The electronic employment agreement PDF (电子就业协议书, ON-8).

``render_agreement(doc)`` turns a plain document dict (built from the database by the signing
service) into an A4 PDF: pure, no database and no Flask app. The HTML comes from
``templates/pdf/agreement.html`` through a standalone Jinja environment with autoescaping, and
WeasyPrint renders it through ``data_only_fetcher()``, which refuses every URL except ``data:``
(the QR code is inlined as a data: URI). Autoescaping keeps user text from becoming markup; the
fetcher is the second line of defence, so no file or network resource can reach a PDF.

WeasyPrint is imported on the first render (importing it takes about 0.8 s); the Jinja template
is compiled once per process.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import unicodedata
import zlib
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "pdf"
TEMPLATE_NAME = "agreement.html"

#: Values wider than this (CJK characters count 2) or holding a line break get a table row of
#: their own instead of half of one: a half-row value cell holds about 30 Latin characters.
WIDE_VALUE_WIDTH = 30
#: Sections of at most this many table rows are kept on one page.
KEEP_TOGETHER_ROWS = 4

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9.+-]*):")


class FetchRefused(ValueError):
    """A PDF asked for a resource that is not an inline ``data:`` URI."""


def check_url(url: str) -> None:
    """Raise ``FetchRefused`` unless *url* is a ``data:`` URI."""
    match = _SCHEME.match(url.strip())
    if not match or match[1].lower() != "data":
        raise FetchRefused(f"PDF resources must be data: URIs, refused {url[:80]!r}")


@functools.cache
def _fetcher_class() -> type:
    _weasyprint_html()  # the first WeasyPrint import goes through there (Pillow flag, see below)
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            check_url(url)
            return super().fetch(url, headers)

    return DataOnlyFetcher


def data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URIs only (file:, http:, … raise ``FetchRefused``).

    A new one per render: WeasyPrint's fetcher keeps per-request state, and renders may run in threads.
    """
    return _fetcher_class()(allowed_protocols=("data",), allow_redirects=False)


@functools.cache
def _template() -> Template:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(TEMPLATE_NAME)


@functools.cache
def _weasyprint_html() -> Any:
    """WeasyPrint's ``HTML``, imported once.

    Importing WeasyPrint sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES = True``;
    that would make the upload pipeline accept a cut-off JPEG in any process that rendered a PDF.
    We only hand WeasyPrint our own QR PNGs, so the flag goes straight back to Pillow's default.
    """
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML


def html_to_pdf(html: str) -> bytes:
    """Render HTML to PDF with no base URL and the data-only fetcher."""
    HTML = _weasyprint_html()  # noqa: N806 - the class
    return HTML(string=html, base_url=None, url_fetcher=data_only_fetcher()).write_pdf()


def qr_data_uri(text: str) -> str:
    """A PNG QR code of *text* as a data: URI."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=0)
    qr.add_data(text)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _is_wide(value: str) -> bool:
    if "\n" in value:
        return True
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value) > WIDE_VALUE_WIDTH


def grid_rows(rows: list[tuple[str, str]]) -> list[list[tuple[str, str, bool]]]:
    """Lay (label, value) pairs out two per table row; long values take a row of their own.

    Each cell is (label, value, spans_rest_of_row).
    """
    out: list[list[tuple[str, str, bool]]] = []
    pending: tuple[str, str] | None = None
    for label, value in rows:
        if _is_wide(value):
            if pending:
                out.append([(*pending, True)])
                pending = None
            out.append([(label, value, True)])
        elif pending:
            out.append([(*pending, False), (label, value, False)])
            pending = None
        else:
            pending = (label, value)
    if pending:
        out.append([(*pending, True)])
    return out


def _chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二: section numbers as an official document writes them."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def render_html(doc: dict[str, Any]) -> str:
    """The agreement as HTML (what ``render_agreement`` hands to WeasyPrint)."""
    sections = []
    for i, s in enumerate(doc["sections"], start=1):
        rows = [(label, value if value not in (None, "") else "--") for label, value in s["rows"]]
        grid = grid_rows(rows)
        sections.append({
            "number": _chinese_number(i),
            "title": s["title"],
            "rows": rows,
            # A section that is one text under its own title (协议补充内容) prints as a text box.
            "textbox": len(rows) == 1 and rows[0][0] == s["title"],
            "grid": grid,
            "keep": len(grid) <= KEEP_TOGETHER_ROWS,
        })
    n = len(sections)
    numbers = [_chinese_number(n + 1), _chinese_number(n + 2)]
    return _template().render(doc=doc, sections=sections, numbers=numbers, qr=qr_data_uri(doc["verify_url"]))


def render_agreement(doc: dict) -> bytes:
    """Render the agreement PDF (A4) from a plain document dict; pure: no DB, no Flask app needed."""
    return html_to_pdf(render_html(doc))


def sample_doc(name: str = "王堃") -> dict:
    """A complete, realistic agreement document for tests and the benchmark."""
    serial = zlib.crc32(name.encode("utf-8")) % 1_000_000_000
    agreement_no = f"2026410999{serial:09d}"
    employer = "学信咨询服务有限公司"
    school = "示范大学"
    token = f"{serial:09d}".encode().hex()
    addendum = (
        "1. 甲方为乙方缴纳五险一金，住房公积金缴存比例为12%；\n"
        "2. 乙方须在报到期限内持报到证（或就业报到相关材料）、毕业证书、学位证书到甲方报到；"
        "如因特殊情况不能按期报到，应提前书面告知甲方；\n"
        "3. 乙方未取得毕业证书的，甲方有权解除本协议，双方互不承担违约责任；\n"
        "4. 甲方提供入职培训，实行导师制培养，乙方入职后由研发中心张喆担任导师。"
    )
    return {
        "title": "全国普通高等学校毕业生就业协议书",
        "agreement_no": agreement_no,
        "sign_type": "线上签约",
        "status_label": "签约完成",
        "parties": {"employer": employer, "graduate": name, "school": school},
        "sections": [
            {"title": "毕业生信息", "rows": [
                ["姓名", name], ["性别", "男"],
                ["身份证号", "11010120040315002X"], ["学号", "2022110537"],
                ["学历层次", "本科"], ["毕业年份", "2026"],
                ["学校", school], ["院系", "计算机科学与技术学院"],
                ["专业", "计算机科学与技术"], ["生源地", "河南省郑州市"],
                ["联系电话", "13800138000"], ["电子邮箱", "graduate2026@example.edu.cn"],
            ]},
            {"title": "用人单位信息", "rows": [
                ["单位名称", employer], ["统一社会信用代码", "91110108MA01ABCD2X"],
                ["单位性质", "其他企业"], ["单位行业", "信息传输、软件和信息技术服务业"],
                ["单位所在地", "北京市海淀区"], ["单位地址", "北京市海淀区中关村大街1号学信大厦8层"],
                ["联系人", "李玥"], ["联系电话", "010-82199999"],
                ["电子邮箱", "hr@xuexin.example.com"], ["邮政编码", "100080"],
            ]},
            {"title": "签约信息", "rows": [
                ["职位类别", "软件工程技术人员"], ["岗位名称", "后端开发工程师"],
                ["试用期（月）", "3"], ["试用起薪（元/月）", "9600"],
                ["转正起薪（元/月）", "12000"], ["违约金（元）", "5000"],
                ["报到地点", "北京市海淀区中关村大街1号人力资源部"], ["报到期限", "2026-07-15"],
                ["实际工作地点", "北京市海淀区"], ["工作地点详细地址", "北京市海淀区中关村大街1号学信大厦"],
            ]},
            {"title": "档案转递", "rows": [
                ["档案传递类型", "单位接收"], ["档案转递单位名称", "北京市海淀区人才服务中心"],
                ["档案转递单位地址", "北京市海淀区苏州街36号"], ["档案转递联系人", "刘昇"],
                ["档案转递联系电话", "010-62611111"], ["档案转递单位邮编", "100080"],
            ]},
            {"title": "户口迁移", "rows": [
                ["户口迁移类型", "单位接收"], ["户口迁移地址", "北京市海淀区中关村街道集体户（学信咨询服务有限公司）"],
            ]},
            {"title": "协议补充内容", "rows": [["协议补充内容", addendum]]},
        ],
        "reviews": [
            ["邀约时间", "2026-11-20 10:00:00"],
            ["毕业生应约时间", "2026-11-21 09:12:45"],
            ["院系审核通过", "2026-11-24 15:30:02"],
            ["学校审核通过", "2026-11-28 17:58:31"],
        ],
        "verify_url": f"http://127.0.0.1:5000/agreements/verify/{token}",
        "generated_at": "2026-11-28 18:00:00",
    }
