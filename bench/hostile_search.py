"""Benchmark (not a test): hostile searches against the second security review's lexicon.

Two pages of 60,000 random words of 5 to 9 letters each (about 480 KB apiece, 120,000 terms)
are saved, then 30 hostile queries go through the whole app as an anonymous reader's GET of
the results page; each one's time is printed, beside an ordinary one-word search on the same
index in the same run, and the worst. The target (issue 24, point 2): each under 1 s.

    .venv/bin/python bench/hostile_search.py [--words 60000]
"""
from __future__ import annotations

import argparse
import io
import random
import string
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from werkzeug.test import Client  # noqa: E402

from wiki.acl import SYSTEM  # noqa: E402
from wiki.app import create_app  # noqa: E402
from wiki.cli import init_store  # noqa: E402
from wiki.config import load_config  # noqa: E402
from wiki.site import Site  # noqa: E402
from wiki.storage import Author  # noqa: E402


def hostile_queries(rng: random.Random, lexicon: list[str]) -> list[str]:
    letters = string.ascii_lowercase
    vowels = "aeiou"
    every = " ".join(f"*{c}*" for c in letters) + " " + " ".join(f"*{c}{d}*" for c in vowels for d in vowels)
    return [
        "*a*", "*e* *a* *i* *o* *u*", every,
        "a*", "e*", "a*e*", "a*e*i*o*", "ab*", "a?c*", "?????", "*",
        " ".join(f"{c}*" for c in letters), " OR ".join(f"{c}*" for c in letters),
        " ".join(f"{c}?*" for c in letters), " OR ".join(f"{c}{d}*" for c in vowels for d in vowels),
        " ".join(rng.sample(lexicon, 80)), " OR ".join(rng.sample(lexicon, 60)),
        " ".join(f'"{a} {b}"' for a, b in zip(rng.sample(lexicon, 20), rng.sample(lexicon, 20), strict=True)),
        "title:a* content:e*", "a* NOT b*", "(a* OR b*) AND (c* OR d*) AND (e* OR f*)",
        "a*z", "a*b*c*d*e*f*g*", "??a*", " ".join("a" * n + "*" for n in range(1, 12)),
        " ".join(w[:2] + "*" for w in rng.sample(lexicon, 40)), " ".join(w[:-1] for w in rng.sample(lexicon, 60)),
        "x" * 400, "a" + "*a" * 100, " ".join(f"{c}*{c}" for c in letters),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=60_000, help="random words on each of the two pages")
    options = parser.parse_args()
    rng = random.Random(24)
    lexicon: list[str] = []
    with tempfile.TemporaryDirectory() as root:
        config = load_config(environ={}, data_dir=Path(root) / "data", rate_limits="")
        init_store(config, io.StringIO())
        site = Site(config)
        for name in ("NoiseOne", "NoiseTwo"):
            words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))
                     for _ in range(options.words)]
            lexicon += words
            started = time.perf_counter()
            site.save(None, name, " ".join(words) + "\n", base_revision=0, author=Author(address="192.0.2.1"),
                      reader=SYSTEM)
            print(f"saved {name}: {len(' '.join(words)) // 1024} KB in {time.perf_counter() - started:.1f} s", flush=True)
        client = Client(create_app(config))

        def timed(text: str) -> tuple[float, int]:
            started = time.perf_counter()
            answer = client.get(f"/+search?fulltext=1&q={quote(text)}", environ_base={"REMOTE_ADDR": "127.0.0.1"})
            return time.perf_counter() - started, answer.status_code

        timed("warmup")
        ordinary = min(timed(rng.choice(lexicon))[0] for _ in range(5))
        print(f"an ordinary one-word search: {ordinary * 1000:.1f} ms")
        worst = (0.0, "")
        for number, text in enumerate(hostile_queries(rng, lexicon), 1):
            seconds, status = timed(text)
            shown = text if len(text) <= 60 else f"{text[:57]}... ({len(text)} chars)"
            print(f"{number:2d}. {seconds * 1000:8.1f} ms  ({seconds / ordinary:6.0f}x)  {status}  {shown}", flush=True)
            worst = max(worst, (seconds, shown))
        print(f"worst: {worst[0] * 1000:.0f} ms ({worst[1]}); target: under 1,000 ms each")


if __name__ == "__main__":
    main()
