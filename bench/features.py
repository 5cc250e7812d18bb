"""Benchmark (not a test): the pages around the pages at 1,000 and 10,000 pages, 50,000 changes.

For each size, `wiki serve` (waitress, 4 threads) is loaded by wrk in one run, and
reports requests/s and p50 for a plain page view, /+recent, a backlinks page and
/+index, plus the median time of a save through the edit form.

    .venv/bin/python bench/features.py [--sizes 1000 10000] [--seconds 5]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from servers import fetch, free_port  # noqa: E402
from view_save import measure_saves, start, stop, wrk  # noqa: E402
from view_save import populate as populate_pages  # noqa: E402

from wiki.config import load_config  # noqa: E402
from wiki.editlog import LogEntry  # noqa: E402
from wiki.reindex import record_links  # noqa: E402
from wiki.storage import PageStore  # noqa: E402

LOG_ENTRIES = 50_000


def populate(data: Path, size: int) -> list[str]:
    names = populate_pages(data, size)
    store = PageStore(data)
    # Older history: edit-log lines for earlier edits, up to LOG_ENTRIES in all.
    rng = random.Random(size)
    start_us = int((time.time() - 365 * 86400) * 1_000_000)
    lines = [LogEntry(start_us + i * 600_000_000, 1, "SAVE", rng.choice(names), "192.0.2.1", comment="older edit").to_line()
             for i in range(LOG_ENTRIES - size)]
    original = store.global_log.read_text("utf-8")
    store.global_log.write_text("".join(lines) + original, "utf-8")
    record_links(load_config(environ={}, data_dir=data), names)
    return names


def uncached_ms(url: str, count: int = 20) -> float:
    """Median time when the stored response cannot be used (as right after a change):
    a query string the cache has never seen makes the full app render it."""
    samples = []
    for i in range(count):
        begin = time.perf_counter()
        status, _, _ = fetch(f"{url}{'&' if '?' in url else '?'}uncached={i}")
        samples.append((time.perf_counter() - begin) * 1000)
        assert status == 200, status
    return statistics.median(samples)


def measure(size: int, seconds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        print(f"{size} pages: generating ...", flush=True)
        names = populate(data, size)
        port = free_port()
        server = start([sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--data-dir", str(data)], port)
        base = f"http://127.0.0.1:{port}"
        popular = names[0]  # every generated page may link here; plenty of backlinks
        urls = {
            "page view": f"{base}/{urllib.parse.quote(names[1])}",
            "/+recent": f"{base}/+recent",
            "backlinks": f"{base}/+backlinks/{urllib.parse.quote(popular)}",
            "/+index": f"{base}/+index",
        }
        try:
            for url in urls.values():
                fetch(url)  # warm up caches, compile templates
            results = {label: wrk(url, seconds) for label, url in urls.items()}
            uncached = {label: uncached_ms(url) for label, url in urls.items() if label != "page view"}
            _, save = measure_saves(port, names, 30)
        finally:
            stop(server)
    return {"results": results, "uncached": uncached, "save": save}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    measured = {size: measure(size, args.seconds) for size in args.sizes}
    for size, found in measured.items():
        results = found["results"]
        view = results["page view"]  # type: ignore[index]
        print(f"\n{size:,} pages, {LOG_ENTRIES:,} edit-log entries")
        print(f"{'':16}{'req/s':>10}{'p50 ms':>10}{'p50 / view':>12}{'uncached ms':>14}")
        for label, result in results.items():  # type: ignore[attr-defined]
            cold = found["uncached"].get(label)  # type: ignore[attr-defined]
            cold_text = f"{cold:>14.1f}" if cold is not None else f"{'':>14}"
            print(f"{label:16}{result['rps']:>10.0f}{result['p50']:>10.2f}{result['p50'] / view['p50']:>12.1f}{cold_text}")
        print(f"{'save':16}{'':>10}{found['save']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
