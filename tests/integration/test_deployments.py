"""The same scenario against every entry point: test client, wiki serve, Apache CGI,
Apache mod_wsgi, lighttpd FastCGI, nginx as a reverse proxy and nginx FastCGI — each
under its own mount prefix."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.integration import sites
from tests.integration.conftest import Deployment
from tests.integration.scenario import Site, WsgiTransport, run_scenario
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import load_config

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("mount", ["", "/wiki"])
def test_scenario_through_the_wsgi_test_client(tmp_path: Path, mount: str) -> None:
    config = load_config(environ={}, data_dir=tmp_path / "data")
    init_store(config, io.StringIO())
    run_scenario(Site(f"client{mount.replace('/', '-')}", "http://localhost", mount,
                      WsgiTransport(create_app(config), mount)))


def test_scenario_under_wiki_serve(tmp_path: Path) -> None:
    with sites.wiki_serve(tmp_path / "data") as site:
        run_scenario(site)


@pytest.mark.parametrize("label", ["apache-cgi", "apache-wsgi"])
def test_scenario_under_apache(deployment: Deployment, label: str) -> None:
    with sites.apache(deployment) as found:
        run_scenario(found[label])


def test_scenario_under_lighttpd_fastcgi(deployment: Deployment) -> None:
    with sites.lighttpd(deployment) as site:
        run_scenario(site)


@pytest.mark.parametrize("recipe", ["nginx-proxy.conf", "nginx-fastcgi.conf"])
def test_scenario_under_nginx(deployment: Deployment, recipe: str) -> None:
    with sites.nginx(deployment, recipe) as site:
        run_scenario(site)


def test_scenario_under_apache_proxy_fcgi(deployment: Deployment) -> None:
    with sites.apache_proxy_fcgi(deployment) as site:
        run_scenario(site)
