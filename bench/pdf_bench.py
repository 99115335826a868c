"""Benchmark the ON-8 agreement PDF: a cold first render, then warm renders, in one process.

    .venv/bin/python bench/pdf_bench.py [--n 20]

``render_agreement`` imports WeasyPrint on its first call. To show that cost on its own, the
bench does exactly that import itself (timed), then the first render (template compile, font
discovery, …); their sum is what the first agreement of a fresh worker costs. Then it renders
``--n`` further sample documents with different graduate names and prints the median and p95
in milliseconds, the time spent building the HTML (Jinja + QR code), and the PDF sizes.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from tests.signing.sample_agreement import sample_doc  # noqa: E402
from wxbackend.signing import pdf  # noqa: E402

NAMES = ("王堃", "李玥", "张喆", "刘昇", "陈思远", "欧阳娜娜", "赵一鸣", "孙晓燕", "周子涵", "吴昊天",
         "郑雨桐", "冯翊", "褚嘉懿", "卫珺", "蒋琛", "沈淼", "韩煦", "杨骞", "朱琪琪", "秦烨")


def ms(seconds: float) -> float:
    return seconds * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="warm renders after the first one")
    args = parser.parse_args()

    if "weasyprint" in sys.modules:  # pragma: no cover - nothing above imports it
        print("weasyprint is already imported: the cold figures would be wrong", file=sys.stderr)
        return 1

    start = time.perf_counter()
    import weasyprint  # noqa: F401  # the import render_agreement does lazily, timed on its own

    imported = time.perf_counter()
    first = pdf.render_agreement(sample_doc(NAMES[0]))
    done = time.perf_counter()
    import_ms, first_ms = ms(imported - start), ms(done - imported)

    warm: list[float] = []
    html: list[float] = []
    sizes: list[int] = [len(first)]
    for i in range(args.n):
        doc = sample_doc(NAMES[(i + 1) % len(NAMES)] + ("" if i + 1 < len(NAMES) else str(i)))
        t0 = time.perf_counter()
        pdf.render_html(doc)
        t1 = time.perf_counter()
        data = pdf.render_agreement(doc)
        t2 = time.perf_counter()
        html.append(ms(t1 - t0))
        warm.append(ms(t2 - t1))
        sizes.append(len(data))

    print(f"weasyprint {weasyprint.__version__}; {args.n} warm renders of sample agreements "
          f"({pages(first)} A4 pages each)")
    print()
    print(f"{'import weasyprint':34} {import_ms:8.0f} ms")
    print(f"{'first render after the import':34} {first_ms:8.0f} ms")
    print(f"{'first render incl. import (cold)':34} {import_ms + first_ms:8.0f} ms")
    if warm:
        print(f"{'later renders: median':34} {statistics.median(warm):8.0f} ms")
        print(f"{'later renders: p95':34} {p95(warm):8.0f} ms")
        print(f"{'later renders: min / max':34} {min(warm):8.0f} / {max(warm):.0f} ms")
        print(f"{'  of which HTML (Jinja + QR): median':34} {statistics.median(html):6.1f} ms")
    print(f"{'PDF size: min / median / max':34} {min(sizes) / 1024:8.1f} / {statistics.median(sizes) / 1024:.1f} / "
          f"{max(sizes) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
