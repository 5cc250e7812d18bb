"""Benchmark (not a test): does the cost of a save, and of a page's history, grow with its history?

Measures, on one page with 200 edit-log lines and on one with 200,000 (as a page edited for
years has), side by side in one run: a save through the store (which recovers and locks),
the first screen of /+history, and a view of the latest revision.

    .venv/bin/python bench/history.py [--lines 200000]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from tests.conftest import WikiClient  # noqa: E402
from wiki.app import create_app  # noqa: E402
from wiki.config import load_config  # noqa: E402
from wiki.editlog import LogEntry  # noqa: E402
from wiki.storage import Author, PageStore  # noqa: E402


def grow(store: PageStore, name: str, lines: int) -> None:
    """A page whose log has `lines` lines: revisions 1..lines, the files of the last few only
    (a bench of the log's length; the revision files themselves are never read whole)."""
    store.save(name, "start\n", base_revision=0, author=Author())
    page_dir = store.page_dir(name)
    stamp = time.time_ns() // 1000
    log = "".join(LogEntry(stamp + n, n, "SAVE", name, "192.0.2.1", "", "", "", f"edit {n}").to_line()
                  for n in range(1, lines + 1))
    (page_dir / "edit-log").write_text(log, "utf-8")
    with open(store.global_log, "a", encoding="utf-8") as handle:
        handle.write(log)
    for n in range(max(1, lines - 5), lines + 1):
        (page_dir / "revisions" / f"{n:08d}").write_text(f"text of revision {n}\n")
    (page_dir / "current").write_text(f"{lines:08d}\n")


def timed(work: object, runs: int = 30) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    place = Path(tempfile.mkdtemp(prefix="flatwiki-history-"))
    try:
        config = load_config(environ={}, data_dir=place / "data")
        store = PageStore(config.data_dir)
        store.create()
        sizes = {"Short": 200, "Long": args.lines}
        for name, lines in sizes.items():
            grow(store, name, lines)
        client = WikiClient(create_app(config))
        print(f"{'page':<6} {'log lines':>10} {'save ms':>8} {'history ms':>11} {'view ms':>8}")
        results = {}
        counter = [0]
        for name, lines in sizes.items():

            def save(name: str = name) -> None:
                counter[0] += 1
                store.save(name, f"edit {counter[0]}\n", base_revision=store.current_revision(name), author=Author())

            def history(name: str = name) -> None:
                assert client.get(f"/+history/{name}").status_code == 200

            def view(name: str = name) -> None:
                assert client.get(f"/{name}?rev={store.current_revision(name)}").status_code == 200

            results[name] = (timed(save), timed(history), timed(view))
            print(f"{name:<6} {lines:>10,} {results[name][0]:>8.2f} {results[name][1]:>11.2f} {results[name][2]:>8.2f}")
        ratios = [long / short for long, short in zip(results["Long"], results["Short"], strict=True)]
        print(f"{'ratio':<6} {'':>10} {ratios[0]:>7.2f}x {ratios[1]:>10.2f}x {ratios[2]:>7.2f}x  (long / short)")
        return 0
    finally:
        shutil.rmtree(place, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
