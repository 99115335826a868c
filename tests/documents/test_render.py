"""documents.render: templates to PDF through WeasyPrint with a data-only fetcher (ON-8's agreement uses it).

No database: rendering is pure. See tests/documents/pdf_reading.py for how the PDFs are read.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from PIL import Image

from tests.documents.pdf_reading import embedded_fonts, images
from wxbackend.documents import layout, render


def test_on_8_glyph_check_can_fail() -> None:
    """ON-8: the graduate can preview and download the electronic agreement — the glyph check is not vacuous."""
    data = render.html_to_pdf('<html lang="zh-CN"><body>王堃 \U00017000</body></html>')  # a Tangut letter
    fonts = embedded_fonts(data)
    assert any(f.has_glyph("堃") for f in fonts)
    # No installed font holds Tangut: Pango draws a missing glyph, which the check refuses.
    assert not any(f.has_glyph("\U00017000") for f in fonts)
    # A character that is not in the text is not in the subset; a space has no outline.
    assert not any(f.has_glyph("龘") for f in fonts)
    assert not any(f.has_glyph(" ") for f in fonts)


def test_a_template_value_the_caller_left_out_fails_the_render() -> None:
    """StrictUndefined: a missing value raises instead of printing an empty cell into a legal document."""
    with pytest.raises(UndefinedError):
        render.render_html("agreement.html")


# --- security: only data: URIs are fetched --------------------------------------------


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "http://example.com/",
    "https://example.com/logo.png",
    "ftp://example.com/x",
    "/etc/passwd",
    "../secret.css",
    "javascript:alert(1)",
])
def test_on_8_fetcher_refuses_everything_but_data_uris(url: str) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — the PDF reads no file or URL."""
    with pytest.raises(render.FetchRefused):
        render.data_only_fetcher().fetch(url)
    with pytest.raises(render.FetchRefused):
        render.data_only_fetcher()(url)


def test_on_8_fetcher_serves_data_uris() -> None:
    """ON-8: the graduate can preview and download the electronic agreement — inline data still works."""
    response = render.data_only_fetcher().fetch("data:text/plain;base64," + base64.b64encode(b"hi").decode())
    try:
        assert response.read() == b"hi"
    finally:
        response.close()


def test_on_8_rendering_uses_the_fetcher(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """ON-8: the graduate can preview and download the electronic agreement — a file: image is not embedded."""
    picture = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), "red").save(picture)
    inline = "data:image/png;base64," + base64.b64encode(picture.read_bytes()).decode()

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        refused = render.html_to_pdf(f'<img src="{picture.as_uri()}"><link rel="stylesheet" href="{picture.as_uri()}">')
    assert images(refused) == []
    assert "FetchRefused" in caplog.text
    # The same picture inline is embedded: the check above would have seen it.
    assert len(images(render.html_to_pdf(f'<img src="{inline}">'))) == 1


# --- layout helpers ------------------------------------------------------------------------


def test_on_8_long_values_take_a_row_of_their_own() -> None:
    """ON-8: the graduate can preview and download the electronic agreement — the tables stay legible."""
    rows = [("姓名", "王堃"), ("性别", "男"), ("地址", "北京市海淀区中关村大街1号学信大厦8层"), ("学号", "1"),
            ("备注", "第一行\n第二行")]
    assert layout.grid_rows(rows) == [
        [("姓名", "王堃", False), ("性别", "男", False)],
        [("地址", "北京市海淀区中关村大街1号学信大厦8层", True)],
        [("学号", "1", True)],
        [("备注", "第一行\n第二行", True)],
    ]


def test_sections_are_numbered_as_an_official_document_writes_them() -> None:
    numbers = [layout.chinese_number(n) for n in (1, 9, 10, 11, 20, 21, 99)]
    assert numbers == ["一", "九", "十", "十一", "二十", "二十一", "九十九"]
    with pytest.raises(ValueError):
        layout.chinese_number(100)
