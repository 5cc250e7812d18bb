"""Starting each real gateway with the recipe files in conf/, on 127.0.0.1 and a free port."""
from __future__ import annotations

import os
import signal
import string
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.conftest import Deployment, require, world_readable_dir
from tests.integration.scenario import Site
from tests.servers import free_port, wait_for_http

CONF = Path(__file__).parent / "conf"
APACHE = "/usr/sbin/apache2"
LIGHTTPD = "/usr/sbin/lighttpd"
NGINX = "/usr/sbin/nginx"
AS_SERVER_USER = ["setpriv", "--reuid=www-data", "--regid=www-data", "--init-groups"]


def render(names: list[str], **values: object) -> str:
    """Join conf/ files and fill in their $placeholders."""
    return "\n".join(string.Template((CONF / name).read_text()).substitute(values) for name in names)


@contextmanager
def running(command: list[str], url: str, log: Path | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server until the block ends; on a failure, show its error log."""
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env, cwd=cwd)
    try:
        wait_for_http(url, process, timeout=60)
        yield process
    except BaseException:
        if log is not None and log.exists():
            sys.stderr.write(f"--- {log} ---\n{log.read_text()[-5000:]}\n")
        raise
    finally:
        stop(process)
        if process.stderr:
            process.stderr.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a server and everything it started (it runs in a session of its own)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


@contextmanager
def apache(deployment: Deployment) -> Iterator[dict[str, Site]]:
    """One Apache with both recipes: wiki.cgi under mod_cgid and wsgi.py under mod_wsgi (daemon mode)."""
    require(APACHE, "/usr/lib/apache2/modules/mod_wsgi.so", "/usr/lib/apache2/modules/mod_cgid.so")
    run = world_readable_dir("flatwiki-apache-")
    run.chmod(0o777)
    port = free_port()
    cgi_config = deployment.config_file(deployment.data_dir("cgi"), "cgi.toml")
    deployment.config_file(deployment.data_dir("wsgi"), "wiki.toml")  # beside wsgi.py: its default
    (run / "apache.conf").write_text(render(
        ["apache-harness.conf", "apache-cgi.conf", "apache-wsgi.conf"],
        run=run, port=port, code=deployment.code, venv=deployment.venv, config=cgi_config,
    ))
    root = f"http://127.0.0.1:{port}"
    with running([APACHE, "-f", str(run / "apache.conf"), "-DFOREGROUND"], root + "/wiki/", run / "error.log"):
        yield {"apache-cgi": Site("apache-cgi", root, "/cgi-bin/wiki.cgi"), "apache-wsgi": Site("apache-wsgi", root, "/wiki")}


@contextmanager
def lighttpd(deployment: Deployment) -> Iterator[Site]:
    """lighttpd spawning wiki.cgi's sibling wiki.fcgi (flup FastCGI) on a socket, mounted at /wiki."""
    require(LIGHTTPD)
    run = world_readable_dir("flatwiki-lighttpd-")
    run.chmod(0o777)
    (run / "htdocs").mkdir()
    port = free_port()
    config = deployment.config_file(deployment.data_dir("fcgi"), "fcgi.toml")
    (run / "lighttpd.conf").write_text(render(
        ["lighttpd-harness.conf", "lighttpd-fastcgi.conf"],
        run=run, port=port, code=deployment.code, venv=deployment.venv, config=config,
    ))
    root = f"http://127.0.0.1:{port}"
    with running([LIGHTTPD, "-D", "-f", str(run / "lighttpd.conf")], root + "/wiki/", run / "error.log"):
        yield Site("lighttpd-fastcgi", root, "/wiki")


@contextmanager
def wiki_serve(data: Path) -> Iterator[Site]:
    """`wiki serve` (waitress) from this checkout."""
    port = free_port()
    command = [sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--data-dir", str(data)]
    with running(command, f"http://127.0.0.1:{port}/"):
        yield Site("wiki-serve", f"http://127.0.0.1:{port}", "")


@contextmanager
def backend(deployment: Deployment, kind: str, run: Path, settings: str = "") -> Iterator[tuple[int, Path]]:
    """What a front server passes requests to, run as the data directory's owner (www-data):
    `wiki serve` on a port (kind "serve", with proxy_fix), or wiki.fcgi on $run/fcgi.sock;
    `settings`: more config lines."""
    data = deployment.data_dir(kind)
    config = deployment.config_file(data, f"{kind}.toml")
    if kind == "serve":
        config.write_text(config.read_text() + "proxy_fix = true\n" + settings)
    env = {"PATH": os.environ.get("PATH", ""), "WIKI_CONFIG": str(config)}
    port = free_port()
    if kind == "serve":
        command = [str(deployment.venv / "bin" / "python"), "-c",
                   "import sys; sys.path.insert(0, sys.argv[1]); from wiki.cli import main; "
                   "sys.exit(main(['serve', '--port', sys.argv[2]]))", str(deployment.code), str(port)]
        url = f"http://127.0.0.1:{port}/"
    else:
        command = [str(deployment.code / "cgi-bin" / "wiki.fcgi"), "--socket", str(run / "fcgi.sock")]
        url = ""
    with open(run / f"{kind}.log", "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen([*AS_SERVER_USER, *command], start_new_session=True, env=env,
                                   stdout=subprocess.DEVNULL, stderr=log)
    try:
        if url:
            wait_for_http(url, process, timeout=60)
        else:
            wait_for_socket(run / "fcgi.sock", process)
        yield port, data
    except BaseException:
        sys.stderr.write(f"--- {kind}.log ---\n{(run / f'{kind}.log').read_text(errors='replace')[-5000:]}\n")
        raise
    finally:
        stop(process)


def wait_for_socket(path: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear (the FastCGI process exited with {process.returncode})")
        time.sleep(0.05)


@contextmanager
def nginx(deployment: Deployment, recipe: str) -> Iterator[Site]:
    """nginx with one recipe: a reverse proxy to `wiki serve`, or FastCGI to wiki.fcgi; at /wiki."""
    require(NGINX)
    run = world_readable_dir("flatwiki-nginx-")
    run.chmod(0o777)
    kind = "fcgi" if recipe == "nginx-fastcgi.conf" else "serve"
    caching = recipe == "nginx-proxy-cache.conf"
    with backend(deployment, kind, run, "page_cache_seconds = 3\n" if caching else "") as (backend_port, _):
        port = free_port()
        (run / "http.conf").write_text(render(["nginx-proxy-cache-http.conf"], run=run) if caching else "")
        (run / "recipe.conf").write_text(render([recipe], run=run, backend=backend_port))
        (run / "nginx.conf").write_text(render(["nginx-harness.conf"], run=run, port=port))
        root = f"http://127.0.0.1:{port}"
        with running([NGINX, "-c", str(run / "nginx.conf")], root + "/wiki/", run / "error.log"):
            yield Site(recipe.removesuffix(".conf"), root, "/wiki")


@contextmanager
def apache_proxy_fcgi(deployment: Deployment) -> Iterator[Site]:
    """Apache's mod_proxy_fcgi passing /wiki to wiki.fcgi on a socket."""
    require(APACHE, "/usr/lib/apache2/modules/mod_proxy_fcgi.so")
    run = world_readable_dir("flatwiki-apache-fcgi-")
    run.chmod(0o777)
    with backend(deployment, "fcgi", run):
        port = free_port()
        (run / "apache.conf").write_text(render(
            ["apache-harness.conf", "apache-proxy-modules.conf", "apache-proxy-fcgi.conf"], run=run, port=port))
        root = f"http://127.0.0.1:{port}"
        with running([APACHE, "-f", str(run / "apache.conf"), "-DFOREGROUND"], root + "/wiki/", run / "error.log"):
            yield Site("apache-proxy-fcgi", root, "/wiki")
