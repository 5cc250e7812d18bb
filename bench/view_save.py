"""Benchmark (not a test): page views and saves of `wiki serve` beside a werkzeug hello world.

Both run under waitress with the same thread count (4, the default of both), are loaded by wrk in the same
run, and are reported side by side, since this machine's absolute speed varies.

    .venv/bin/python bench/view_save.py [--pages 1000] [--seconds 10]
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from servers import fetch, free_port, wait_for_http  # noqa: E402

from pages import generate  # noqa: E402
from wiki.storage import Author, PageStore  # noqa: E402

HELLO = """
import sys, waitress
from werkzeug.wrappers import Request, Response
@Request.application
def app(request):
    return Response("Hello, World!")
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=4, _quiet=True)
"""


def populate(data_dir: Path, count: int) -> list[str]:
    store = PageStore(data_dir)
    store.create()
    names = []
    for name, text in generate(count):
        store.save(name, text, base_revision=0, author=Author(user_id="bench"))
        names.append(name)
    return names


# Benchmarks measure throughput: the rate limits (a few saves a minute per address) are off.
SERVER_ENV = {**os.environ, "WIKI_RATE_LIMITS": ""}


def start(command: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=SERVER_ENV)
    wait_for_http(f"http://127.0.0.1:{port}/", process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def wrk(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    """Requests/s and latency percentiles (ms) from wrk with one thread and 8 connections."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency"] + (["-s", str(script)] if script else []) + [url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()  # type: ignore[union-attr]
        result[f"p{pct}"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = float(errors.group(1)) if errors else 0.0
    return result


def lua_random_paths(names: list[str], path: Path) -> Path:
    quoted = ",".join(f'"/{urllib.parse.quote(n)}"' for n in names)
    path.write_text(f"local paths = {{{quoted}}}\nmath.randomseed(1)\n"
                    "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
    return path


def measure_saves(port: int, names: list[str], count: int) -> tuple[float, float]:
    """Sequential saves through the edit form; (saves/s, p50 ms)."""
    status, headers, body = fetch(f"http://127.0.0.1:{port}/+edit/{names[0]}")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" value="(\w+)"', body).group(1).decode()  # type: ignore[union-attr]
    revisions = dict.fromkeys(names, 1)
    rng = random.Random(3)
    connection = http.client.HTTPConnection("127.0.0.1", port)
    timings = []
    started = time.perf_counter()
    for i in range(count):
        name = rng.choice(names)
        form = urllib.parse.urlencode({"csrf_token": token, "base_revision": revisions[name], "action": "save",
                                       "text": f"saved {i}\n\nnew words for the index {rng.random()}", "comment": "bench"})
        begin = time.perf_counter()
        connection.request("POST", f"/+edit/{urllib.parse.quote(name)}", body=form,
                           headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        timings.append(time.perf_counter() - begin)
        assert response.status == 303, response.status
        revisions[name] += 1
    elapsed = time.perf_counter() - started
    timings.sort()
    return count / elapsed, timings[len(timings) // 2] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        print(f"generating {args.pages} pages ...", flush=True)
        names = populate(data, args.pages)
        wiki_port, hello_port = free_port(), free_port()
        wiki = start([sys.executable, "-m", "wiki.cli", "serve", "--port", str(wiki_port), "--data-dir", str(data)], wiki_port)
        hello = start([sys.executable, "-c", HELLO, str(hello_port)], hello_port)
        try:
            for name in names:  # warm the render cache: every page view below is a cached one
                fetch(f"http://127.0.0.1:{wiki_port}/{urllib.parse.quote(name)}")
            script = lua_random_paths(names, Path(tmp) / "paths.lua")
            hello_result = wrk(f"http://127.0.0.1:{hello_port}/", args.seconds)
            view = wrk(f"http://127.0.0.1:{wiki_port}/", args.seconds, script)
            saves_per_second, save_p50 = measure_saves(wiki_port, names, args.saves)
        finally:
            stop(wiki)
            stop(hello)
    print(f"\n{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'werkzeug hello world':28}{hello_result['rps']:>10.0f}{hello_result['p50']:>10.2f}{hello_result['p99']:>10.2f}")
    print(f"{'cached page view (random)':28}{view['rps']:>10.0f}{view['p50']:>10.2f}{view['p99']:>10.2f}")
    print(f"{'save (sequential)':28}{saves_per_second:>10.1f}{save_p50:>10.2f}")
    print(f"\npage view / hello world = {view['rps'] / hello_result['rps']:.0%} (target >= 50%); "
          f"non-2xx/3xx responses: {int(view['errors'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
