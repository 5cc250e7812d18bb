"""Benchmark (not a test): the wiki's lists at 1k and 10k pages (100k with --sizes), uncached.

For each size: a generated wiki (bench/pages.py), then the p50 time and the largest response
of /+index (and one letter of it), /sitemap.xml (and one part), /+orphans and /+wanted, each
asked without the page cache through the WSGI app in this process, beside a werkzeug
hello-world asked the same way in the same run. Targets (issue 15): p50 <= 50 ms at 100k
and no response over 1 MB.

    .venv/bin/python bench/lists.py [--sizes 1000,10000] [--rounds 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from werkzeug.test import Client  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

from pages import generate  # noqa: E402
from wiki.app import create_app  # noqa: E402
from wiki.cli import main as wiki_main  # noqa: E402
from wiki.config import load_config  # noqa: E402
from wiki.storage import Author, PageStore  # noqa: E402


@Request.application  # type: ignore[arg-type]
def hello(request: Request) -> Response:
    return Response("Hello, World!")


def timed(client: Client, url: str, rounds: int) -> tuple[float, int]:
    """(p50 seconds, largest body in bytes), never from the page cache (the client holds a theme cookie)."""
    times, largest = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        largest = max(largest, len(response.get_data()))
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), largest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as place:
            data = Path(place) / "data"
            started = time.perf_counter()
            wiki_main(["init", "--data-dir", str(data)])
            store = PageStore(data)
            for name, text in generate(size, seed=5):
                store.save(name, text, base_revision=store.current_revision(name), author=Author(user_id="bench"))
            wiki_main(["reindex", "--data-dir", str(data)])
            print(f"\n{size} pages generated and indexed in {time.perf_counter() - started:.0f} s")
            app = Client(create_app(load_config(environ={}, data_dir=data, rate_limits="")))
            app.set_cookie("wiki_theme", "default")  # a chosen theme goes past the page cache: uncached figures
            baseline, _ = timed(Client(hello), "/", args.rounds)
            letter = "T"  # bench/pages.py names most pages Topic…
            print(f"{'request':<28} {'p50 ms':>8} {'x hello':>8} {'largest':>10}")
            print(f"{'werkzeug hello-world':<28} {baseline * 1000:>8.2f} {1:>8.0f} {13:>10}")
            for url in ("/+index", f"/+index?letter={letter}", "/sitemap.xml", "/sitemap.xml?part=1", "/+orphans",
                        "/+wanted"):
                if url.endswith("part=1") and size <= 5000:
                    continue
                p50, largest = timed(app, url, args.rounds)
                print(f"{url:<28} {p50 * 1000:>8.2f} {p50 / baseline:>8.0f} {largest / 1024:>8.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
