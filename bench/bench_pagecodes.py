"""Benchmark the FS-10 page codes: stamping an agreement, and reading photos of its pages.

    .venv/bin/python bench/bench_pagecodes.py [--n 5]

Prints milliseconds (median of ``--n`` runs) for: stamping the two-page sample agreement; reading a
1,200 px phone photo (tilted 7°); a 12-megapixel JPEG photo (tilted 6°, decoded from bytes); and a
12-megapixel blank image, which finds nothing and so pays every retry (the worst case).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
from PIL import Image  # noqa: E402

from tests.signing.sample_agreement import sample_doc  # noqa: E402
from wxbackend.documents import pagecodes  # noqa: E402
from wxbackend.signing import pdf  # noqa: E402

SECRET = b"bench secret"


def median_ms(call: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def shot(page: Image.Image, angle: float, long_side: int) -> Image.Image:
    rotated = page.rotate(angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    f = long_side / max(rotated.size)
    return rotated.resize((round(rotated.width * f), round(rotated.height * f)), Image.Resampling.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5)
    n = parser.parse_args().n
    doc = sample_doc()
    ref = doc["agreement_no"]
    plain = pdf.render_agreement(doc)
    stamped = pagecodes.stamp_pages(plain, SECRET, ref)  # warm: WeasyPrint imported, fonts found
    print(f"pages: {pagecodes.page_count(stamped)}, sizes {len(plain)} → {len(stamped)} bytes")
    print(f"stamp_pages: {median_ms(lambda: pagecodes.stamp_pages(plain, SECRET, ref), n):.0f} ms")

    page = pdfium.PdfDocument(stamped)[0].render(scale=300 / 72).to_pil().convert("RGB")
    small = shot(page, 7, 1200)
    big = shot(page, -6, 4000)
    buf = io.BytesIO()
    big.save(buf, format="JPEG", quality=85)
    big_jpeg = buf.getvalue()
    buf = io.BytesIO()
    Image.new("RGB", (3000, 4000), "white").save(buf, format="JPEG", quality=85)
    blank_jpeg = buf.getvalue()
    for name, image in (("1,200 px photo", small), (f"{big.width}×{big.height} JPEG", big_jpeg),
                        ("3000×4000 blank JPEG", blank_jpeg)):
        result = pagecodes.match_page(image, SECRET, ref)
        took = median_ms(lambda i=image: pagecodes.match_page(i, SECRET, ref), n)
        print(f"{name}: {pagecodes.describe(result)}, {took:.0f} ms")


if __name__ == "__main__":
    main()
