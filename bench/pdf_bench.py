"""Benchmark the ON-8 agreement PDF: a cold first render, then warm renders, in one process.

    .venv/bin/python bench/pdf_bench.py [--n 20]

``render_agreement`` imports WeasyPrint on its first call. To show that cost on its own, the
bench does exactly that import itself (timed), then the first render (template compile, font
discovery, …); their sum is what the first agreement of a fresh worker costs. Then it renders
``--n`` further sample documents with different graduate names and prints the median and p95
in milliseconds, the time spent building the HTML (Jinja + QR code), and the PDF sizes. Each warm
render alternates with a bare WeasyPrint render of a plain CJK table with the same number of A4
pages; their ratio is printed next to its goal (≤ 1.3×).
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


#: Goal of issue 16: a warm agreement at most this multiple of a bare render with as many pages.
GOAL = 1.3
BARE_ROW = ("<tr><td>第{n}项</td><td>毕业生就业协议书条款内容示例，甲乙双方约定的工作岗位与薪酬待遇。</td>"
            "<td>{n:04d}</td></tr>")


def bare_html(rows: int) -> str:
    """A plain CJK table of *rows* rows in the agreement's font: what WeasyPrint costs with nothing else."""
    body = "".join(BARE_ROW.format(n=n) for n in range(rows))
    return ("<!doctype html><html lang=zh-CN><head><meta charset=utf-8><style>@page { size: A4; margin: 18mm }"
            "body { font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif; font-size: 10.5pt }"
            "table { border-collapse: collapse; width: 100% } td { border: 1px solid #333; padding: 4px }"
            f"</style></head><body><table>{body}</table></body></html>")


def bare_like(page_count: int) -> str:
    """The bare table with as many A4 pages as the agreement (rows found by doubling, then bisection)."""
    from wxbackend.documents.render import html_to_pdf

    lo, hi = 1, 16
    while pages(html_to_pdf(bare_html(hi))) < page_count:
        lo, hi = hi, hi * 2
    while lo < hi:
        mid = (lo + hi) // 2
        if pages(html_to_pdf(bare_html(mid))) >= page_count:
            hi = mid
        else:
            lo = mid + 1
    return bare_html(lo)


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

    from wxbackend.documents.render import html_to_pdf

    bare_doc = bare_like(pages(first))
    html_to_pdf(bare_doc)  # warm too
    warm: list[float] = []
    bare: list[float] = []
    html: list[float] = []
    sizes: list[int] = [len(first)]
    for i in range(args.n):  # A B A B: the agreement, then the bare table of as many pages
        doc = sample_doc(NAMES[(i + 1) % len(NAMES)] + ("" if i + 1 < len(NAMES) else str(i)))
        t0 = time.perf_counter()
        pdf.render_html(doc)
        t1 = time.perf_counter()
        data = pdf.render_agreement(doc)
        t2 = time.perf_counter()
        html_to_pdf(bare_doc)
        t3 = time.perf_counter()
        html.append(ms(t1 - t0))
        warm.append(ms(t2 - t1))
        bare.append(ms(t3 - t2))
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
        ratio = statistics.median(warm) / statistics.median(bare)
        print(f"{'bare CJK table, same pages: median':34} {statistics.median(bare):8.0f} ms")
        print(f"{'agreement / bare':34} {ratio:8.2f}×  (goal ≤ {GOAL}×: {'met' if ratio <= GOAL else 'NOT met'})")
    print(f"{'PDF size: min / median / max':34} {min(sizes) / 1024:8.1f} / {statistics.median(sizes) / 1024:.1f} / "
          f"{max(sizes) / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
