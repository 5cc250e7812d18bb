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
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


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
