"""Benchmark (not a test): reads scaled out through an HTTP cache, as docs/deployment.md shows.

Two `wiki serve` processes on one data dir behind nginx with the shipped micro-cache recipe
(tests/integration/conf/nginx-proxy-cache*.conf, its backend made an upstream of both),
against one `wiki serve` alone, on the same random pages of a generated wiki, with wrk
(1 thread, 8 connections) in one run. Then a save made through nginx, and how long until
nginx shows it (issue 15: reads >= 10 x flatwiki alone; the save within page_cache_seconds).

    .venv/bin/python bench/scaleout.py [--pages 10000] [--seconds 5] [--cache-seconds 5]
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from corpus import write_corpus  # noqa: E402
from servers import fetch, free_port, wait_for_http  # noqa: E402
from view_save import start, stop, wrk  # noqa: E402

CONF = ROOT / "tests" / "integration" / "conf"
NGINX_CONF = """
daemon off;
worker_processes auto;
pid $run/nginx.pid;
error_log $run/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $run/body;
    proxy_temp_path $run/proxy;
    upstream flatwiki { server 127.0.0.1:$first; server 127.0.0.1:$second; keepalive 16; }
    $http
    server {
        listen 127.0.0.1:$port;
        $recipe
    }
}
"""


def recipe(run: Path) -> tuple[str, str]:
    """The shipped recipe, its one backend made the upstream of both processes."""
    http = string.Template((CONF / "nginx-proxy-cache-http.conf").read_text()).substitute(run=run)
    location = string.Template((CONF / "nginx-proxy-cache.conf").read_text()).substitute(run=run, backend="0")
    location = location.replace("proxy_pass http://127.0.0.1:0/;", "proxy_pass http://flatwiki/;\n"
                                "    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";")
    assert "proxy_pass http://flatwiki/" in location
    return http, location


def lua_paths(names: list[str], prefix: str, path: Path) -> Path:
    quoted = ",".join(f'"{prefix}/{urllib.parse.quote(n)}"' for n in names)
    path.write_text(f"local paths = {{{quoted}}}\nmath.randomseed(1)\n"
                    "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")
    return path


def save_through(root: str, name: str, text: str) -> None:
    status, headers, body = fetch(f"{root}/+edit/{urllib.parse.quote(name)}")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()  # type: ignore[union-attr]
    base = re.search(rb'name="base_revision" value="(\d+)"', body).group(1).decode()  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrf_token": token, "base_revision": base, "text": text, "action": "save",
                                   "comment": ""}).encode()
    status, _, _ = fetch(f"{root}/+edit/{urllib.parse.quote(name)}", data=form, headers={"Cookie": cookie})
    assert status in (302, 303), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--cache-seconds", type=int, default=5)
    args = parser.parse_args()
    place = Path(tempfile.mkdtemp(prefix="flatwiki-scaleout-"))
    place.chmod(0o755)
    run = place / "nginx"
    run.mkdir()
    run.chmod(0o777)
    data = place / "data"
    processes = []
    try:
        write_corpus(data, args.pages, progress=False)
        subprocess.run([sys.executable, "-m", "wiki.cli", "reindex", "--data-dir", str(data)], check=True,
                       capture_output=True)
        config = place / "wiki.toml"
        config.write_text(f'data_dir = "{data}"\nproxy_fix = true\npage_cache_seconds = {args.cache_seconds}\n'
                          'rate_limits = ""\n')
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(start([sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--config",
                                    str(config)], port))
        http, location = recipe(run)
        port = free_port()
        (run / "nginx.conf").write_text(string.Template(NGINX_CONF).substitute(
            run=run, first=ports[0], second=ports[1], http=http, recipe=location, port=port))
        nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", str(run / "nginx.conf")], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(nginx)
        front = f"http://127.0.0.1:{port}/wiki"
        wait_for_http(front + "/", nginx)
        from wiki.names import unquote_fs

        names = [unquote_fs(p.name) for p in (data / "pages").iterdir()]
        sample = random.Random(7).sample(names, min(2000, len(names)))
        for name in sample:  # every page rendered and stored once, in both layers and both mounts
            fetch(f"{front}/{urllib.parse.quote(name)}")
            fetch(f"http://127.0.0.1:{ports[0]}/{urllib.parse.quote(name)}")
        alone = wrk(f"http://127.0.0.1:{ports[0]}/", args.seconds, lua_paths(sample, "", place / "alone.lua"))
        scaled = wrk(front + "/", args.seconds, lua_paths(sample, "/wiki", place / "front.lua"))
        print(f"{args.pages:,} pages, {len(sample)} of them viewed at random; nginx micro-cache of "
              f"{args.cache_seconds} s in front of two `wiki serve` processes")
        print(f"{'':38}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for label, result in (("one `wiki serve` alone", alone), ("nginx + 2 x `wiki serve`", scaled)):
            print(f"{label:38}{result['rps']:>9.0f}{result['p50']:>9.2f}{result['p99']:>9.2f}{result['errors']:>8.0f}")
        print(f"read throughput: {scaled['rps'] / alone['rps']:.1f} x flatwiki alone")

        name = sample[0]
        fetch(f"{front}/{urllib.parse.quote(name)}")  # in nginx's cache now
        marker = f"saved at {time.time_ns()}"
        save_through(front, name, marker)
        saved = time.monotonic()
        while marker.encode() not in fetch(f"{front}/{urllib.parse.quote(name)}")[2]:
            if time.monotonic() - saved > args.cache_seconds * 3:
                print("the save was NOT visible through nginx in 3 x page_cache_seconds")
                return 1
            time.sleep(0.05)
        print(f"a save made through nginx was visible through nginx after {time.monotonic() - saved:.2f} s "
              f"(page_cache_seconds = {args.cache_seconds})")
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(place, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
