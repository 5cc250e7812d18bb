"""Benchmark (not a test): mixed traffic on two `wiki serve` processes sharing one data dir.

2 processes × 8 threads (as mod_wsgi `processes=2 threads=8` would run it), 8 browsers with
keep-alive connections spread over both, for --seconds: page views, searches, recent
changes, saves, new pages, merges (a save against a base someone else changed meanwhile)
and uploads. Prints requests per second and p50/p99 per kind, and the count of 5xx
answers, which must be 0.

    .venv/bin/python bench/mixed.py [--seconds 60] [--pages 1000]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from view_save import SERVER_ENV  # noqa: E402  (servers without rate limits: this is a load)

from pages import generate  # noqa: E402
from tests.servers import free_port, wait_for_http  # noqa: E402
from tests.traffic import mixed_load  # noqa: E402
from wiki.cli import main as wiki_main  # noqa: E402
from wiki.storage import Author, PageStore  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    place = Path(tempfile.mkdtemp(prefix="flatwiki-mixed-"))
    data = place / "data"
    try:
        wiki_main(["init", "--data-dir", str(data)])
        store = PageStore(data)
        names = []
        for name, text in generate(args.pages, seed=11):
            store.save(name, text, base_revision=store.current_revision(name), author=Author(user_id="bench"))
            names.append(name)
        wiki_main(["reindex", "--data-dir", str(data)])
        servers = []
        for label in ("a", "b"):
            port = free_port()
            with open(place / f"server-{label}.log", "wb") as log:
                process = subprocess.Popen([sys.executable, "-m", "wiki.cli", "serve", "--port", str(port),
                                            "--threads", "8", "--data-dir", str(data)],
                                           stdout=subprocess.DEVNULL, stderr=log, env=SERVER_ENV)
            wait_for_http(f"http://127.0.0.1:{port}/", process)
            servers.append((process, f"http://127.0.0.1:{port}"))
        print(f"{args.pages} pages, 2 processes x 8 threads, {args.connections} connections, {args.seconds:g} s",
              flush=True)
        started = time.monotonic()
        tally = mixed_load([base for _, base in servers], args.seconds, args.connections, names[:200])
        elapsed = time.monotonic() - started
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
        print(f"\n{'kind':<12} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
        for kind, latencies in sorted(tally.latencies.items()):
            counts = ", ".join(f"{status}: {n}" for status, n in sorted(tally.statuses[kind].items()))
            print(f"{kind:<12} {len(latencies):>9} {len(latencies) / elapsed:>8.1f} "
                  f"{statistics.median(latencies) * 1000:>8.1f} {percentile(latencies, 0.99) * 1000:>8.1f}  {counts}")
        print(f"{'all':<12} {tally.total():>9} {tally.total() / elapsed:>8.1f}")
        print(f"\n5xx answers: {tally.server_errors()}; client-side failures: {len(tally.failures)}")
        tracebacks = sum((place / f"server-{label}.log").read_text(errors="replace").count("Traceback")
                         for label in ("a", "b"))
        print(f"tracebacks in the server logs: {tracebacks}")
        for failure in tally.failures[:10]:
            print("  ", failure)
        return 1 if tally.server_errors() or tally.failures or tracebacks else 0
    finally:
        shutil.rmtree(place, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
