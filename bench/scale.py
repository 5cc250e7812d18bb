"""Benchmark (not a test): flatwiki from 1,000 to 100,000 pages, side by side with a hello-world.

For each size, in one run: a generated wiki (bench/corpus.py), `wiki reindex` timed, then
`wiki serve` (waitress, 4 threads) next to a werkzeug hello-world under the same waitress,
both loaded by wrk (1 thread, 8 connections):
- random cached page views, before and right after a page was created that 2% of all
  pages link to (issue 15: after >= 0.5 x before);
- every list uncached (p50 and the largest response: <= 50 ms and <= 1 MB at 100k);
- search over HTTP, snippets included, for one word, two words, a phrase and a prefix
  (p50 <= 20 ms, p99 <= 100 ms at 100k);
- a search asked while the index is missing (no request may wait for the whole build);
- the server's resident memory after all that (<= 80 MB at 100k).

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--seconds 5]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from corpus import write_corpus  # noqa: E402
from servers import fetch, free_port  # noqa: E402
from view_save import HELLO, lua_random_paths, start, stop, wrk  # noqa: E402

from pages import TOPICAL, WORDS  # noqa: E402

UNCACHED = {"Cookie": "wiki_theme=default"}  # a chosen theme goes past the stored responses
SAMPLE = 2000  # pages in the random-view mix


def timed_get(url: str, headers: dict[str, str] | None = None) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    status, _, body = fetch(url, headers=headers)
    return (time.perf_counter() - started) * 1000, status, body


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reindex(data: Path) -> str:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "wiki.cli", "reindex", "--data-dir", str(data)],
                         capture_output=True, text=True, check=True).stdout
    parts = "; ".join(line.rstrip(".") for line in out.splitlines() if " in " in line)
    return f"{time.perf_counter() - started:.0f} s ({parts})"


def search_queries(rng: random.Random) -> dict[str, list[str]]:
    common = WORDS[100:400]  # topical and the commoner rare words: found on many pages, not all
    return {
        "one word": [rng.choice(common) for _ in range(40)],
        "two words": [f"{rng.choice(TOPICAL)} {rng.choice(common)}" for _ in range(40)],
        "phrase": [f'"{rng.choice(["the project", "of the", "design review", "to a", "server backup"])}"'
                   for _ in range(40)],
        "prefix": [f"{rng.choice(common)[:3]}*" for _ in range(40)],
    }


def measure(size: int, seconds: int, place: Path) -> None:
    data = place / f"data-{size}"
    print(f"\n## {size:,} pages", flush=True)
    print(f"generated in {write_corpus(data, size, progress=False):.0f} s; `wiki reindex`: {reindex(data)}", flush=True)
    names = sorted(p.name for p in (data / "pages").iterdir())
    from wiki.names import unquote_fs

    names = [unquote_fs(n) for n in names]
    rng = random.Random(size)
    sample = rng.sample(names, min(SAMPLE, len(names)))
    hello_port, wiki_port = free_port(), free_port()
    hello = start([sys.executable, "-c", HELLO, str(hello_port)], hello_port)
    server = start([sys.executable, "-m", "wiki.cli", "serve", "--port", str(wiki_port), "--data-dir", str(data)],
                   wiki_port)
    base = f"http://127.0.0.1:{wiki_port}"
    try:
        for name in sample:
            fetch(f"{base}/{urllib.parse.quote(name)}")  # each view rendered once and stored
        script = lua_random_paths(sample, place / f"paths-{size}.lua")
        baseline = wrk(f"http://127.0.0.1:{hello_port}/", seconds)
        before = wrk(base + "/", seconds, script)
        status, headers, body = fetch(f"{base}/+edit/Missing7")
        cookie = headers["Set-Cookie"].split(";")[0]
        import re

        token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()  # type: ignore[union-attr]
        form = urllib.parse.urlencode({"csrf_token": token, "base_revision": "0", "text": "made now",
                                       "action": "save", "comment": ""}).encode()
        status, _, _ = fetch(f"{base}/+edit/Missing7", data=form, headers={"Cookie": cookie})
        assert status in (302, 303), status
        linkers = len((data / "links" / "in" / "Missing7").read_text().split())
        after = wrk(base + "/", seconds, script)
        print(f"\n{'random cached views':<34}{'req/s':>9}{'x hello':>9}{'p50 ms':>9}")
        print(f"{'werkzeug hello-world':<34}{baseline['rps']:>9.0f}{1:>9.2f}{baseline['p50']:>9.2f}")
        print(f"{'flatwiki, cached':<34}{before['rps']:>9.0f}{before['rps'] / baseline['rps']:>9.2f}{before['p50']:>9.2f}")
        print(f"{'right after a page was created':<34}{after['rps']:>9.0f}{after['rps'] / baseline['rps']:>9.2f}"
              f"{after['p50']:>9.2f}   ({linkers} pages link to it; after/before = {after['rps'] / before['rps']:.2f})")

        print(f"\n{'list, uncached':<34}{'p50 ms':>9}{'x hello':>9}{'largest':>10}")
        lists = ["/+index", "/+index?letter=T", "/+index?letter=T&page=2", "/sitemap.xml", "/sitemap.xml?part=1",
                 "/+orphans", "/+wanted", "/+recent", f"/+history/{urllib.parse.quote(sample[0])}",
                 f"/+backlinks/{urllib.parse.quote(names[0])}"]
        for url in lists:
            if size < 10000 and ("page=2" in url or "part=1" in url):
                continue  # a small wiki's list has one part
            times, largest = [], 0
            for _ in range(15):
                elapsed, status, body = timed_get(base + url, UNCACHED)
                assert status == 200, (url, status)
                times.append(elapsed)
                largest = max(largest, len(body))
            p50 = statistics.median(times)
            print(f"{url[:33]:<34}{p50:>9.1f}{p50 / baseline['p50']:>9.0f}{largest / 1024:>8.0f} KB")

        print(f"\n{'search (HTTP, with snippets)':<34}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
        for kind, queries in search_queries(rng).items():
            times = []
            for query in queries * 2:
                elapsed, status, _ = timed_get(f"{base}/+search?fulltext=1&q={urllib.parse.quote(query)}", UNCACHED)
                assert status == 200, (query, status)
                times.append(elapsed)
            print(f"{kind:<34}{statistics.median(times):>9.1f}{percentile(times, 0.99):>9.1f}{max(times):>9.1f}")
        print(f"\nRSS of `wiki serve` after all this: {rss_mb(server.pid):.0f} MB")

        stop(server)
        shutil.rmtree(data / "index")
        server = start([sys.executable, "-m", "wiki.cli", "serve", "--port", str(wiki_port), "--data-dir", str(data)],
                       wiki_port)
        times = []
        for _ in range(5):
            elapsed, status, body = timed_get(f"{base}/+search?fulltext=1&q=budget", UNCACHED)
            times.append(elapsed)
        building = re.search(rb"being built: (\d+) of (\d+)", body)
        state = f"{building.group(1).decode()} of {building.group(2).decode()} pages built" if building else "built"
        print(f"search with the index missing: {', '.join(f'{t:.0f}' for t in times)} ms for the first five ({state})")
    finally:
        stop(server)
        stop(hello)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    print(f"flatwiki at scale, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores")
    place = Path(tempfile.mkdtemp(prefix="flatwiki-scale-"))
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            measure(size, args.seconds, place)
            shutil.rmtree(place / f"data-{size}", ignore_errors=True)
    finally:
        shutil.rmtree(place, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
