"""Benchmark the FS-5 image compression next to a naive baseline, in the same run.

    .venv/bin/python bench/compress_bench.py [--images 8] [--repeat 3]

Generates realistic 12-megapixel (4032×3024) phone-like JPEGs (about 5 MB each: colour
fields, texture, sensor grain, a sheet of "text"), then for each image times

- pipeline: ``wxbackend.files.images.compress_to_limit`` — ``Image.draft()`` DCT-domain
  downscale while decoding, binary search on quality, smaller size only when needed;
- baseline: full decode, LANCZOS resize to a 1600 px long side, quality 95, 90, … until
  the result fits.

The two run in turn on each image (A B A B …, the fastest of ``--repeat`` counts). Prints the
median milliseconds per image, the output sizes, and the ratio next to its goal (≤ 0.4× the
baseline's time), and checks that every output is at most 300 KB with a long side of at least
1600 px (exit status 1 otherwise).
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

from PIL import Image  # noqa: E402

from tests.files.photos import jpeg_bytes, photo_like  # noqa: E402
from wxbackend.files.images import COMPRESS_LIMIT, MIN_LONG_SIDE, compress_to_limit  # noqa: E402


def baseline(data: bytes, limit: int = COMPRESS_LIMIT, long_side: int = MIN_LONG_SIDE) -> tuple[bytes, int, int]:
    img = Image.open(io.BytesIO(data))
    img = img.convert("RGB")
    scale = long_side / max(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    out = b""
    for quality in range(95, 4, -5):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
        out = buf.getvalue()
        if len(out) <= limit:
            break
    return out, img.width, img.height


def pipeline(data: bytes) -> tuple[bytes, int, int]:
    result = compress_to_limit(data)
    return result.data, result.width, result.height


def run_alternating(sources: list[bytes], repeat: int) -> dict[str, tuple[list[float], list[tuple[int, int, int]]]]:
    """Both sides on each image in turn, A B A B …: a slower minute of the machine hits both alike."""
    sides = {"pipeline": pipeline, "baseline": baseline}
    results: dict[str, tuple[list[float], list[tuple[int, int, int]]]] = {name: ([], []) for name in sides}
    for data in sources:
        best = dict.fromkeys(sides, float("inf"))
        outputs: dict[str, tuple[int, int, int]] = {}
        for _ in range(repeat):
            for name, func in sides.items():
                start = time.perf_counter()
                out, width, height = func(data)
                best[name] = min(best[name], time.perf_counter() - start)
                outputs[name] = (len(out), width, height)
        for name in sides:
            results[name][0].append(best[name] * 1000)
            results[name][1].append(outputs[name])
    return results


#: Goal of issue 16: the pipeline in at most this fraction of the naive baseline's time.
GOAL = 0.4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs per image; the fastest counts")
    args = parser.parse_args()

    print(f"generating {args.images} phone-like 4032×3024 JPEGs …", flush=True)
    sources = [jpeg_bytes(photo_like(4032, 3024, seed=i), quality=92) for i in range(args.images)]
    print(f"source sizes: median {statistics.median(len(s) for s in sources) / 1024 / 1024:.2f} MB")

    ok = True
    results = run_alternating(sources, args.repeat)
    print()
    print(f"{'':10} {'median ms':>10} {'min ms':>8} {'max ms':>8}   output KB (min/median/max)   long side")
    for name, (times, outputs) in results.items():
        sizes = [o[0] / 1024 for o in outputs]
        sides = sorted({max(o[1], o[2]) for o in outputs})
        print(
            f"{name:10} {statistics.median(times):10.0f} {min(times):8.0f} {max(times):8.0f}   "
            f"{min(sizes):7.1f} / {statistics.median(sizes):6.1f} / {max(sizes):6.1f}          {sides}"
        )
        over = [o for o in outputs if o[0] > COMPRESS_LIMIT]
        if over:
            ok = False
            print(f"  !! {name}: {len(over)} output(s) over {COMPRESS_LIMIT // 1024} KB")
    ratio = statistics.median(results["pipeline"][0]) / statistics.median(results["baseline"][0])
    sides_ok = all(max(o[1], o[2]) >= MIN_LONG_SIDE for o in results["pipeline"][1])
    print(f"\npipeline / baseline: {ratio:.2f}× the time (goal ≤ {GOAL}×: {'met' if ratio <= GOAL else 'NOT met'}); "
          f"every output ≤ 300 KB: {'yes' if ok else 'NO'}; long side ≥ {MIN_LONG_SIDE}: {'yes' if sides_ok else 'NO'}")
    return 0 if ok and sides_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
