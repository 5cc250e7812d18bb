"""Benchmark (not a test): the second security review's preview bombs against one render budget.

A wiki holding the review's pages (a name to backtrack on, two pages of 60,000 random words)
answers each bomb as the editor's live preview (POST /+edit/Bomb, fragment=1) through the
whole app; each one's time is printed beside an ordinary preview's in the same run. The
target (issue 24, point 3): each within about 1 s (macros.RENDER_SECONDS).

    .venv/bin/python bench/hostile_render.py [--words 60000]
"""
from __future__ import annotations

import argparse
import io
import random
import re
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from werkzeug.test import Client  # noqa: E402

from wiki.acl import SYSTEM  # noqa: E402
from wiki.app import create_app  # noqa: E402
from wiki.cli import init_store  # noqa: E402
from wiki.config import load_config  # noqa: E402
from wiki.site import Site  # noqa: E402
from wiki.storage import Author  # noqa: E402

REGEX_LIST = "<<PageList(regex:(\\w|\\w\\w)+$)>>\n"
BOMBS = {
    "200 regex PageLists (6.4 KB; 43 s in the review)": REGEX_LIST * 200,
    "50 FullSearch(*e*) (288 s in the review)": "<<FullSearch(*e*)>>\n" * 50,
    "200 FullSearch(a*) (13.5 s in the review)": "<<FullSearch(a*)>>\n" * 200,
    "10 Includes of a page of 20 regex PageLists": "<<Include(Inner)>>\n" * 10,
    "20 regex Includes with a backtracking from=": "<<Include(^.*, from=(\\w|\\w\\w)+$)>>\n" * 20,
    "the same 200 PageLists in a MoinMoin page": "#format moin\n" + REGEX_LIST * 200,
    "Includes of Includes of FullSearches": "<<Include(Searches)>>\n" * 10,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=60_000)
    options = parser.parse_args()
    rng = random.Random(24)
    with tempfile.TemporaryDirectory() as root:
        config = load_config(environ={}, data_dir=Path(root) / "data", rate_limits="")
        init_store(config, io.StringIO())
        site = Site(config)
        pages = {"Z" + "z" * 40 + "!": "a name to backtrack on\n", "Bomb": "x\n", "Inner": REGEX_LIST * 20,
                 "Searches": "<<FullSearch(*e*)>>\n<<Include(Inner)>>\n" * 5}
        for name in ("NoiseOne", "NoiseTwo"):
            pages[name] = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))
                                   for _ in range(options.words)) + "\n"
        for name, text in pages.items():
            site.save(None, name, text, base_revision=0, author=Author(address="192.0.2.1"), reader=SYSTEM)
        client = Client(create_app(config))
        environ = {"REMOTE_ADDR": "127.0.0.1"}
        page = client.get("/+edit/Bomb", environ_base=environ).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="(\w+)"', page)[1]  # type: ignore[index]

        def timed(text: str) -> float:
            started = time.perf_counter()
            answer = client.post("/+edit/Bomb", data={"csrf_token": token, "base_revision": "1", "text": text,
                                                      "action": "preview", "fragment": "1"}, environ_base=environ)
            assert answer.status_code == 200, answer.status_code
            return time.perf_counter() - started

        timed("warm up")
        ordinary = min(timed(f"An *ordinary* page with a [[Link]] and <<PageList(Z)>>, number {n}.\n") for n in range(5))
        print(f"an ordinary preview: {ordinary * 1000:.1f} ms")
        worst = 0.0
        for what, text in BOMBS.items():
            seconds = timed(text)
            worst = max(worst, seconds)
            print(f"{seconds * 1000:8.0f} ms ({seconds / ordinary:5.0f}x)  {what}", flush=True)
        print(f"worst: {worst * 1000:.0f} ms; target: about 1,000 ms each")


if __name__ == "__main__":
    main()
