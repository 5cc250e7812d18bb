"""Benchmark (not a test): the Whoosh index at 1,000 and 10,000 generated pages.

Reports, per size and in one run: full reindex time; p50/p99 latency of one-word,
two-word, phrase and prefix queries with highlighted snippets (warm searcher, as a
long-running server has), both of `SearchIndex.search` alone and of the whole request
for the results page through the WSGI app (what the person at the search box waits
for, less the network); and the time from a save returning until the page is found.

    .venv/bin/python bench/search.py [--sizes 1000 10000] [--queries 200]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from werkzeug.test import Client  # noqa: E402

from pages import COMMON, generate, words  # noqa: E402
from wiki.app import create_app  # noqa: E402
from wiki.config import Config  # noqa: E402
from wiki.search import SearchIndex  # noqa: E402
from wiki.storage import Author, PageStore  # noqa: E402

AUTHOR = Author(user_id="bench")
KINDS = ("one word", "two words", "phrase", "prefix")


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def adjacent_pair(rng: random.Random, texts: list[str]) -> str:
    """Two words that follow each other in some page: the phrases people remember."""
    while True:
        tokens = rng.choice(texts).split()
        i = rng.randrange(len(tokens) - 1)
        first, second = tokens[i].lower(), tokens[i + 1].lower()
        if first.isalpha() and second.isalpha() and len(first) > 3 and len(second) > 3 and not {first, second} & set(COMMON):
            return f'"{first} {second}"'


def queries(kind: str, rng: random.Random, count: int, texts: list[str]) -> list[str]:
    """What people type: words drawn as often as they occur in text, skipping the stop words
    (which the analyzer drops); a phrase is two words that follow each other in some page."""
    def word() -> str:
        while True:
            found = words(rng, 1)[0]
            if len(found) > 3 and found not in COMMON:
                return found

    make = {
        "one word": lambda: word(),
        "two words": lambda: f"{word()} {word()}",
        "phrase": lambda: adjacent_pair(rng, texts),
        "prefix": lambda: word()[:4] + "*",
    }[kind]
    return [make() for _ in range(count)]


def timed(texts: list[str], search: Callable[[str], object]) -> tuple[float, float]:
    """p50 and p99 in milliseconds of searching for each text."""
    samples = []
    for text in texts:
        begin = time.perf_counter()
        search(text)
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples), percentile(samples, 99)


def measure(size: int, count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        store = PageStore(Path(tmp) / "data")
        store.create()
        texts = []
        for name, text in generate(size):
            store.save(name, text, base_revision=0, author=AUTHOR)
            texts.append(text)
        index = SearchIndex(store.root / "index", store)
        started = time.perf_counter()
        index.rebuild()
        reindex = time.perf_counter() - started
        rng = random.Random(size)
        drawn = {kind: queries(kind, rng, count, texts) for kind in KINDS}
        index.search("warm up")
        latencies = {kind: timed(drawn[kind], index.search) for kind in KINDS}
        client = Client(create_app(Config(data_dir=store.root)))

        def request(text: str) -> None:
            response = client.get(f"/+search?fulltext=1&q={quote(text)}")
            assert response.status_code == 200 and "result-count" in response.get_data(as_text=True)

        request("warm up")
        requests = {kind: timed(drawn[kind], request) for kind in KINDS}
        findable = []
        for i in range(20):
            word = f"zyzzyva{size}x{i}"
            name = f"Fresh{i}"
            store.save(name, f"a page about {word}", base_revision=0, author=AUTHOR)
            begin = time.perf_counter()
            index.catch_up()  # what the save request does before it answers
            saved = time.perf_counter()
            assert [hit.name for hit in index.search(word).hits] == [name]
            findable.append(((saved - begin) * 1000, (time.perf_counter() - begin) * 1000))
        return {"reindex": reindex, "latencies": latencies, "requests": requests,
                "catch_up": statistics.median(f[0] for f in findable),
                "findable": statistics.median(f[1] for f in findable)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    results = {}
    for size in args.sizes:
        print(f"{size} pages ...", flush=True)
        results[size] = measure(size, args.queries)
    print(f"\n{'':28}" + "".join(f"{size:>22,}" for size in args.sizes))
    print(f"{'full reindex (s)':28}" + "".join(f"{results[s]['reindex']:>22.1f}" for s in args.sizes))
    for label, key in (("SearchIndex.search", "latencies"), ("whole request", "requests")):
        print(label)
        for kind in KINDS:
            cells = "".join(f"{'{:.1f} / {:.1f}'.format(*results[s][key][kind]):>22}" for s in args.sizes)  # type: ignore[index]
            print(f"{'  ' + kind + ' p50/p99 (ms)':28}{cells}")
    print(f"{'save catch-up (ms)':28}" + "".join(f"{results[s]['catch_up']:>22.1f}" for s in args.sizes))
    print(f"{'save to findable (ms)':28}" + "".join(f"{results[s]['findable']:>22.1f}" for s in args.sizes))
    if len(args.sizes) == 2:
        small, large = args.sizes
        print(f"\np50 at {large:,} / p50 at {small:,} (target <= 2x), for {', '.join(KINDS)}:")
        for label, key in (("SearchIndex.search", "latencies"), ("whole request", "requests")):
            ratios = [results[large][key][k][0] / results[small][key][k][0] for k in KINDS]  # type: ignore[index]
            print(f"  {label:20}" + ", ".join(f"{r:.1f}x" for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
