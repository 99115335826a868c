"""Render a template from ``templates/pdf`` to an A4 PDF with WeasyPrint; pure: no DB, no Flask app.

The HTML comes from a standalone Jinja environment with autoescaping and ``StrictUndefined``, and
WeasyPrint renders it through ``data_only_fetcher()``, which refuses every URL except ``data:``
(QR codes and any picture are inlined as data: URIs). Autoescaping keeps user text from becoming
markup; the fetcher is the second line of defence, so no file or network resource can reach a PDF.

WeasyPrint is imported on the first render (importing it takes about 0.8 s); each template is
compiled once per process.
"""

from __future__ import annotations

import base64
import functools
import io
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "pdf"

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
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # compiled once per process, as the templates ship with the code
    )


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


def render_html(template_name: str, **context: Any) -> str:
    """The template *template_name* of ``templates/pdf`` rendered with *context* (what WeasyPrint gets)."""
    return _environment().get_template(template_name).render(**context)


def render_pdf(template_name: str, **context: Any) -> bytes:
    """Render *template_name* with *context* to PDF bytes."""
    return html_to_pdf(render_html(template_name, **context))
