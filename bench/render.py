"""Benchmark (not a test): rendering is linear in the page's size, whatever the page holds.

Renders ordinary pages and each hostile family (runs of brackets, unclosed links, images,
footnotes, macros, HTML, emphasis...) at 10, 100 and 1,000 KB through the wiki's renderer,
as a save or a preview does, and prints the time of each beside an ordinary page of the
same size. Targets: every family within 3x an ordinary page; every page up to the default
max_page_bytes in at most 1 s (larger sizes are shown for what they cost, not judged).

    .venv/bin/python bench/render.py [--sizes 10,100,1000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pages import make_page  # noqa: E402
from wiki.config import Config  # noqa: E402
from wiki.markup import LinkContext, Renderer  # noqa: E402

FAMILIES = {
    "[": "[", "[[x": "[[x", "![": "![", "[^": "[^", "[a](": "[a](", "**[": "**[", "((": "((",
    "]][[": "]][[", "[x](": "[x](<", "<<A(": "<<A(", "<<": "<<", "<a ": "<a ", "`": "`", "*a": "*a",
    "_a": "_a", "&": "&", "CamelCase": "CamelCase ", "[[a]]": "[[a]] ", "> ": "> ", "1. ": "1. ",
    "|": "|", "# ": "# ", "<!--": "<!--", "nested [": "[" * 50 + "x" + "]" * 50 + " ",
}


def ordinary(size: int) -> str:
    import random

    rng = random.Random(5)
    parts, total, i = [], 0, 0
    while total < size:
        page = make_page(rng, i, 1000)
        parts.append(page)
        total += len(page)
        i += 1
    return "\n\n".join(parts)[:size]


def timed(renderer: Renderer, text: str) -> float:
    context = LinkContext("BenchPage", lambda name: name.startswith("Page"), lambda n: "/" + n,
                          lambda n: "/+edit/" + n, list_pages=lambda: [f"Page{i}" for i in range(50)])
    started = time.perf_counter()
    renderer.render(text, context)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,512,1000", help="page sizes in KB")
    args = parser.parse_args()
    sizes = [int(size) * 1000 for size in args.sizes.split(",")]
    renderer = Renderer()
    timed(renderer, "warm up *Markdown* and ```python\nPygments\n```")
    base = {size: timed(renderer, ordinary(size)) for size in sizes}
    print(f"{'family':<12}" + "".join(f"{size // 1000:>9} KB  ratio" for size in sizes))
    print(f"{'ordinary':<12}" + "".join(f"{base[size] * 1000:>10.0f} ms      " for size in sizes))
    limit = Config().max_page_bytes
    worst_ratio = 0.0
    worst_time = max(seconds for size, seconds in base.items() if size <= limit)
    for name, unit in FAMILIES.items():
        row = f"{name:<12}"
        for size in sizes:
            seconds = timed(renderer, (unit * (size // len(unit) + 1))[:size])
            ratio = seconds / base[size]
            worst_ratio = max(worst_ratio, ratio)
            if size <= limit:
                worst_time = max(worst_time, seconds)
            row += f"{seconds * 1000:>10.0f} ms {ratio:>5.1f}x"
        print(row, flush=True)
    print(f"\nworst family / ordinary: {worst_ratio:.1f}x (target <= 3x); slowest render up to max_page_bytes "
          f"({limit // 1024} KB): {worst_time:.2f} s (target <= 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
