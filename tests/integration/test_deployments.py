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


def test_nginx_micro_cache_serves_anonymous_readers_and_passes_the_rest(deployment: Deployment) -> None:
    """The shipped proxy_cache recipe: anonymous page views come from nginx's cache; a session,
    a chosen theme or a POST go to the wiki; a save shows through nginx within page_cache_seconds
    (3 here), and at once to the person who saved (their "Saved." cookie passes the cache)."""
    import time

    from tests.integration.scenario import HttpTransport

    with sites.nginx(deployment, "nginx-proxy-cache.conf") as site:
        reader = Site("anonymous", site.root, site.mount, HttpTransport())
        first = reader.get("/SandBox")
        assert first.status == 200 and "public, max-age=3" in first.headers["Cache-Control"]
        assert first.headers["X-Cache-Status"] == "MISS"
        assert reader.get("/SandBox").headers["X-Cache-Status"] == "HIT"
        for cookie in ("wiki_session=anything", "wiki_theme=sidebar"):
            passed = reader.transport.request("GET", site.url("/SandBox"), headers={"Cookie": cookie})
            assert passed.headers["X-Cache-Status"] == "BYPASS", cookie
        editor = Site("editor", site.root, site.mount, HttpTransport())
        form = editor.form("/+edit/SandBox")
        saved = editor.post_form("/+edit/SandBox", {**form, "text": "Changed behind the cache", "action": "save"})
        assert saved.status == 303
        mine = editor.get("/SandBox")
        assert "Changed behind the cache" in mine.text and mine.headers["X-Cache-Status"] == "BYPASS"
        started = time.monotonic()
        while "Changed behind the cache" not in reader.get("/SandBox").text:
            assert time.monotonic() - started < 3 + 2, "the save did not show through nginx within max-age"
            time.sleep(0.25)
        assert reader.get("/+edit/SandBox").headers["X-Cache-Status"] in ("MISS", "BYPASS", "EXPIRED")
