"""Benchmark (not a test): wall time of cgi-bin/wiki.cgi per request, as a web server runs it.

Measures, in one run and with the same interpreter: `python -c pass`, `python -c
"import werkzeug"`, and wiki.cgi serving a cached page view, an uncached view, an
edit form, a save and a search. Medians of --runs processes each.

    .venv/bin/python bench/cgi.py [--runs 30]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pages import generate  # noqa: E402
from wiki.storage import Author, PageStore  # noqa: E402

SCRIPT = ROOT / "cgi-bin" / "wiki.cgi"


def cgi_env(data: Path, method: str, path: str, query: str = "", length: int = 0, cookie: str = "") -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""), "WIKI_DATA_DIR": str(data), "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": method, "SCRIPT_NAME": "/cgi-bin/wiki.cgi", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(length), "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_COOKIE": cookie,
    }


def timed(command: list[str], env: dict[str, str] | None = None, body: bytes = b"") -> tuple[float, bytes]:
    started = time.perf_counter()
    done = subprocess.run(command, input=body, env=env, capture_output=True, check=True)
    return (time.perf_counter() - started) * 1000, done.stdout


def median_ms(runs: int, make: Callable[[int], tuple[list[str], dict[str, str] | None, bytes]]) -> float:
    samples = []
    for i in range(runs):
        command, env, body = make(i)
        samples.append(timed(command, env, body)[0])
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    python = sys.executable
    cgi = [python, str(SCRIPT)]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        store = PageStore(data)
        store.create()
        names = []
        for name, text in generate(args.pages):
            store.save(name, text, base_revision=0, author=Author(user_id="bench"))
            names.append(name)
        cached = names[1]
        timed(cgi, cgi_env(data, "GET", f"/{cached}"))  # store the response (and compile templates)
        _, form = timed(cgi, cgi_env(data, "GET", f"/+edit/{names[2]}"))
        cookie = re.search(rb"Set-Cookie: (wiki_csrf=[^;]+)", form).group(1).decode()  # type: ignore[union-attr]
        token = re.search(rb'name="csrf_token" value="(\w+)"', form).group(1).decode()  # type: ignore[union-attr]
        timed(cgi, cgi_env(data, "GET", "/+search", "q=warm&fulltext=1"))  # build the index once

        def save(i: int) -> tuple[list[str], dict[str, str], bytes]:
            body = f"csrf_token={token}&base_revision={i + 1}&action=save&comment=&text=edit+{i}".encode()
            return cgi, cgi_env(data, "POST", f"/{names[3]}".replace("/", "/+edit/", 1), length=len(body), cookie=cookie), body

        rows = [
            ("python -c pass", median_ms(args.runs, lambda i: ([python, "-c", "pass"], None, b""))),
            ('python -c "import werkzeug"', median_ms(args.runs, lambda i: ([python, "-c", "import werkzeug"], None, b""))),
            ("wiki.cgi cached page view", median_ms(args.runs, lambda i: (cgi, cgi_env(data, "GET", f"/{cached}"), b""))),
            ("wiki.cgi uncached page view", median_ms(args.runs, lambda i: (cgi, cgi_env(data, "GET", f"/{names[10 + i]}"), b""))),
            ("wiki.cgi edit form", median_ms(args.runs, lambda i: (cgi, cgi_env(data, "GET", f"/+edit/{names[4]}"), b""))),
            ("wiki.cgi save", median_ms(args.runs, save)),
            ("wiki.cgi search", median_ms(args.runs, lambda i: (cgi, cgi_env(data, "GET", "/+search", f"q=plan+{i}&fulltext=1"), b""))),
        ]
    base = rows[0][1]
    print(f"\n{'':32}{'median ms':>10}{'x pass':>8}")
    for label, ms in rows:
        print(f"{label:32}{ms:>10.1f}{ms / base:>8.1f}")
    print(f"\ncached page view = {rows[2][1] / base:.1f}x python -c pass (target <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
