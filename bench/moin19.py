"""Benchmark (not a test): taking over a MoinMoin 1.9 wiki, and rendering its markup.

Generates a 1.9 data dir (600 pages, 6,000 revisions, CRLF texts in 1.9's markup, quoted
edit-log names, attachments), then measures in one run:
- `wiki import-moin19` of it (with the search index and link table it builds);
- rendering every page's latest revision, uncached, per page;
- a 50 KB page written in moin markup against the same content written in Markdown
  (target: moin within 2x Markdown), and hostile moin pages of 50 and 500 KB.

    .venv/bin/python bench/moin19.py [--pages 600 --revisions 10]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from tests.moin19 import HOSTILE, Moin19Wiki  # noqa: E402
from wiki.markup import LinkContext, Renderer  # noqa: E402

WORDS = "wiki page history markup render search index revision attach table list link macro".split()


def moin_section(rng: random.Random, number: int) -> tuple[str, str]:
    """The same content in moin markup and in Markdown."""
    words = " ".join(rng.choice(WORDS) for _ in range(40))
    link = f"Page{rng.randrange(600)}"
    moin = (f"== Section {number} ==\n{words} '''bold''' ''italic'' `code` [[{link}]] and [[{link}|label]] "
            f"CamelCaseWord http://example.com/{number}\n * item one {words[:40]}\n * item two\n  1. nested\n"
            f"||cell||'''x'''||\n||a||b||\n{{{{{{#!python\nx = {number}\n}}}}}}\n\n")
    markdown = (f"## Section {number}\n\n{words} **bold** *italic* `code` [[{link}]] and [[{link}|label]] "
                f"CamelCaseWord http://example.com/{number}\n\n* item one {words[:40]}\n* item two\n    1. nested\n\n"
                f"| cell | **x** |\n|---|---|\n| a | b |\n\n```python\nx = {number}\n```\n\n")
    return moin, markdown


def pages_of(size: int) -> tuple[str, str]:
    rng = random.Random(7)
    moin, markdown, number = [], [], 0
    while sum(map(len, moin)) < size:
        pair = moin_section(rng, number)
        moin.append(pair[0])
        markdown.append(pair[1])
        number += 1
    return "".join(moin), "#format markdown\n" + "".join(markdown)


def context() -> LinkContext:
    return LinkContext("BenchPage", lambda name: name.endswith("0"), lambda n: "/" + n, lambda n: "/+edit/" + n)


def best_of(renderer: Renderer, text: str, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        renderer.render(text, context())
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--revisions", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "data"
        wiki = Moin19Wiki(source)
        started = time.perf_counter()
        for number in range(args.pages):
            for revision in range(args.revisions):
                text = "".join(moin_section(rng, n)[0] for n in range(1 + revision % 3))
                wiki.save(f"Page{number}", text, comment=f"edit {revision}")
            if number % 20 == 0:
                wiki.attach(f"Page{number}", "file.txt", b"x" * 1000)
        print(f"generated {args.pages} pages, {args.pages * args.revisions} revisions in "
              f"{time.perf_counter() - started:.1f} s")
        target = Path(work) / "flatwiki"
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "wiki.cli", "import-moin19", str(source), "--data-dir",
                                 str(target)], capture_output=True, text=True,
                                env={**os.environ, "WIKI_CONFIG": os.devnull}, cwd=ROOT)
        took = time.perf_counter() - started
        assert result.returncode == 0, result.stderr
        print(f"import-moin19 (with search index and link table): {took:.1f} s, "
              f"{args.pages * args.revisions / took:.0f} revisions/s")
        print("   " + result.stdout.strip().replace("\n", "\n   "))

        from wiki.storage import PageStore

        store = PageStore(target)
        renderer = Renderer(default_markup="wiki")
        times = []
        for name in store.list_pages():
            text = store.read(name).text
            started = time.perf_counter()
            renderer.render(text, context())
            times.append(time.perf_counter() - started)
        print(f"render per page (uncached, {len(times)} pages): median {statistics.median(times) * 1000:.2f} ms, "
              f"max {max(times) * 1000:.2f} ms")

    moin, markdown = pages_of(50_000)
    renderer = Renderer(default_markup="wiki")
    best_of(renderer, moin, 1)
    best_of(renderer, markdown, 1)
    moin_time, markdown_time = best_of(renderer, moin), best_of(renderer, markdown)
    print(f"50 KB page: moin {moin_time * 1000:.1f} ms, Markdown {markdown_time * 1000:.1f} ms, "
          f"ratio {moin_time / markdown_time:.2f} (target <= 2)")
    for size in (50_000, 500_000):
        for family in HOSTILE:
            text = (family * (size // len(family)))[:size]
            print(f"hostile {family.strip()[:12]!r:16} {size // 1000:4d} KB: {best_of(renderer, text, 1) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
