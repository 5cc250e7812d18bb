"""The entry points: wsgi.py under several WSGI servers, cheap to import; the proxy switch."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from tests.integration.scenario import Site, run_scenario
from tests.integration.sites import running
from tests.servers import free_port
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import PROJECT_ROOT, Config, load_config


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    config = load_config(environ={}, data_dir=tmp_path / "data")
    init_store(config, io.StringIO())
    path = tmp_path / "wiki.toml"
    path.write_text(f'data_dir = "{config.data_dir}"\nsite_name = "Gateway test"\n')
    return path


def server_env(config_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIKI_")}
    return {**env, "WIKI_CONFIG": str(config_file), "PYTHONPATH": str(PROJECT_ROOT)}


def test_importing_wsgi_py_is_cheap_and_configured_from_wiki_config(config_file: Path) -> None:
    code = ("import sys, wsgi; print(wsgi.application.wiki.config.site_name); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'mako', 'markdown', 'whoosh', 'pygments', 'nh3'}))")
    out = subprocess.run([sys.executable, "-c", code], env=server_env(config_file), cwd=PROJECT_ROOT,
                         capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "Gateway test"
    assert out[1] == "[]"


@pytest.mark.parametrize("server", ["waitress-serve", "gunicorn", "uwsgi"])
def test_wsgi_py_serves_the_scenario(config_file: Path, server: str) -> None:
    executable = shutil.which(server, path=str(Path(sys.executable).parent))
    assert executable, f"{server} is installed with the test extras"
    port = free_port()
    command = {
        "waitress-serve": [executable, f"--listen=127.0.0.1:{port}", "wsgi:application"],
        "gunicorn": [executable, "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:application"],
        "uwsgi": [executable, "--http-socket", f"127.0.0.1:{port}", "--wsgi-file", "wsgi.py", "--callable", "application",
                  "--master", "--processes", "2", "--die-on-term", "--disable-logging"],
    }[server]
    with running(command, f"http://127.0.0.1:{port}/", env=server_env(config_file), cwd=PROJECT_ROOT):
        run_scenario(Site(server, f"http://127.0.0.1:{port}", ""))


def test_proxy_headers_are_ignored_unless_configured(seeded_config: Config) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "wiki.example.org", "X-Forwarded-Prefix": "/team"}
    plain = WikiClient(create_app(seeded_config)).get("/", headers=headers)
    assert plain.headers["Location"] == "/FrontPage"
    proxied = WikiClient(create_app(seeded_config.replace(proxy_fix=True)))
    moved = proxied.get("/", headers=headers)
    assert moved.headers["Location"] == "/team/FrontPage"
    assert 'href="/team/HelpOnEditing"' in proxied.get("/FrontPage", headers=headers).get_data(as_text=True)
