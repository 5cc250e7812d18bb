"""HTTP behaviour: ETags and 304, caching, static files, security headers on every response."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.app import create_app
from wiki.config import PROJECT_ROOT, Config


def etag(client: WikiClient, url: str = "/SandBox") -> str:
    return client.get(url).headers["ETag"]


def test_conditional_get_answers_304(client: WikiClient) -> None:
    first = client.get("/SandBox")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/SandBox", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "Content-Security-Policy" in again.headers


def test_etag_changes_with_a_new_revision(client: WikiClient) -> None:
    before = etag(client)
    client.save("SandBox", "changed")
    assert etag(client) != before
    assert client.get("/SandBox", headers={"If-None-Match": before}).status_code == 200


def test_etag_changes_when_a_linked_page_is_created(client: WikiClient) -> None:
    client.save("SandBox", "see [[Later Page]]")
    before = client.get("/SandBox")
    assert 'class="wikilink missing"' in before.get_data(as_text=True)
    client.save("Later Page", "now here")
    after = client.get("/SandBox", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert 'class="wikilink" href="/Later%20Page"' in after.get_data(as_text=True)


def test_etag_differs_per_revision_view_and_per_theme(seeded_config: Config, tmp_path: Path) -> None:
    client = WikiClient(create_app(seeded_config))
    client.save("SandBox", "two")
    assert etag(client, "/SandBox?rev=1") != etag(client, "/SandBox")
    themes = tmp_path / "themes"
    shutil.copytree(PROJECT_ROOT / "themes" / "default", themes / "default")
    (themes / "dark" / "static").mkdir(parents=True)
    (themes / "dark" / "static" / "wiki.css").write_text("body { background: #000; }")
    default = WikiClient(create_app(seeded_config.replace(themes_dir=themes)))
    dark = WikiClient(create_app(seeded_config.replace(themes_dir=themes, theme="dark")))
    renamed = WikiClient(create_app(seeded_config.replace(themes_dir=themes, site_name="Other")))
    tags = {etag(default), etag(dark), etag(renamed)}
    assert len(tags) == 3


def test_page_cache_seconds_sets_max_age(seeded_config: Config) -> None:
    client = WikiClient(create_app(seeded_config.replace(page_cache_seconds=60)))
    assert client.get("/SandBox").headers["Cache-Control"] == "public, max-age=60, must-revalidate"


def test_static_files_carry_a_version_and_are_cached_for_a_year(client: WikiClient) -> None:
    html = client.get("/FrontPage").get_data(as_text=True)
    css = re.search(r'href="(/\+static/([0-9a-f]+)/wiki\.css)"', html)
    assert css
    response = client.get(css.group(1))
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get("/+static/0000000000/wiki.css")
    assert stale.status_code == 200 and "immutable" not in stale.headers.get("Cache-Control", "")


def test_theme_version_changes_when_a_theme_file_changes(seeded_config: Config, tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    shutil.copytree(PROJECT_ROOT / "themes" / "default", themes / "default")
    before = WikiClient(create_app(seeded_config.replace(themes_dir=themes))).get("/SandBox")
    (themes / "default" / "static" / "wiki.css").write_text("body { color: red; }")
    after = WikiClient(create_app(seeded_config.replace(themes_dir=themes))).get("/SandBox")
    assert before.headers["ETag"] != after.headers["ETag"]


@pytest.mark.parametrize(
    "method, url",
    [("GET", "/FrontPage"), ("GET", "/Missing"), ("GET", "/+edit/.."), ("POST", "/+edit/SandBox"),
     ("GET", "/+recent"), ("GET", "/+raw/FrontPage"), ("DELETE", "/FrontPage"), ("GET", "/"),
     ("GET", "/+search?q=wiki&fulltext=1"), ("GET", "/+diff/FrontPage?format=unified")],
)
def test_security_headers_on_every_response(client: WikiClient, method: str, url: str) -> None:
    response = client.open(url, method=method)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_static_files_have_security_headers(client: WikiClient) -> None:
    html = client.get("/FrontPage").get_data(as_text=True)
    url = re.search(r'href="(/\+static/[^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client: WikiClient) -> None:
    for url in ("/FrontPage", "/HelpOnEditing", "/+edit/FrontPage", "/+history/FrontPage"):
        html = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
        assert html.count("<script") == len(scripts) >= 1
        assert all(body == "" for body in scripts)  # no inline code: only the theme's own files
        assert all(tag.startswith('<script src="/+static/') for tag in re.findall(r"<script\b[^>]*>", html))
        assert " style=" not in html and "<style" not in html


def test_csrf_cookie_is_httponly_and_samesite(client: WikiClient) -> None:
    cookie = client.get("/+edit/SandBox").headers["Set-Cookie"]
    assert cookie.startswith("wiki_csrf=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_action_pages_ask_robots_to_stay_away(client: WikiClient) -> None:
    for url in ("/+edit/SandBox", "/+history/SandBox", "/+diff/SandBox", "/+search?q=x&fulltext=1"):
        assert '<meta name="robots" content="noindex,nofollow">' in client.get(url).get_data(as_text=True)
    assert '<meta name="robots" content="index,follow">' in client.get("/SandBox").get_data(as_text=True)
    assert client.get("/+raw/SandBox").headers["X-Robots-Tag"] == "noindex, nofollow"


def test_last_modified_revalidates_and_follows_pages_made_since(client: WikiClient) -> None:
    """A cache that revalidates with If-Modified-Since gets 304 while the page is what it was,
    also after an unrelated page was created, and the page again once a page it links to was
    created (that link changes colour)."""
    import time

    client.save("Linker", "See [[Not Yet Written]].")
    first = client.get("/Linker")
    stamp = first.headers["Last-Modified"]
    same = client.get("/Linker", headers={"If-Modified-Since": stamp})
    assert same.status_code == 304
    time.sleep(1.1)  # HTTP dates have whole seconds
    client.save("Unrelated New Page", "made later")
    assert client.get("/Linker", headers={"If-Modified-Since": stamp}).status_code == 304
    client.save("Not Yet Written", "made later")
    later = client.get("/Linker", headers={"If-Modified-Since": stamp})
    assert later.status_code == 200 and later.headers["Last-Modified"] != stamp
    assert "wikilink missing" not in later.get_data(as_text=True)
    etag_wins = client.get("/Linker", headers={"If-Modified-Since": later.headers["Last-Modified"],
                                                  "If-None-Match": '"not-this-one"'})
    assert etag_wins.status_code == 200  # If-None-Match decides when both are sent
    client.save("Clock", "<<DateTime>>")
    assert "Last-Modified" not in client.get("/Clock").headers  # shows more than its revision: ETag only
