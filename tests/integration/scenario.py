"""The one functional scenario, run unchanged against every way of deploying the wiki."""
from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.datastructures import Headers
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.test import Client

HREF = re.compile(r'(?:href|src|action)="([^"]*)"')


@dataclass
class Reply:
    status: int
    headers: Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class Transport(Protocol):
    def request(self, method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpTransport:
    """A real HTTP client with its own cookie jar, never following redirects."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return Reply(response.status, Headers(list(response.headers.items())), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, Headers(list(error.headers.items())), error.read())


class WsgiTransport:
    """The app in this process, through werkzeug's test client and its WSGI validator, mounted at `mount`."""

    def __init__(self, app: Any, mount: str) -> None:
        self.client = Client(LintMiddleware(app))
        self.mount = mount

    def request(self, method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        parts = urllib.parse.urlsplit(url)
        path = urllib.parse.unquote(parts.path)
        assert path.startswith(self.mount), f"{url} is outside the mount {self.mount}"
        response = self.client.open(
            path[len(self.mount):] or "/", method=method, data=data, headers=headers, query_string=parts.query,
            environ_overrides={"SCRIPT_NAME": self.mount, "REMOTE_ADDR": "127.0.0.1"}, buffered=True,
        )
        return Reply(response.status_code, Headers(response.headers), response.data)


@dataclass
class Site:
    """A running wiki: where it is (root URL and mount prefix) and how to talk to it."""

    label: str
    root: str
    mount: str
    transport: Transport = field(default_factory=HttpTransport)

    def url(self, path: str) -> str:
        return self.root + self.mount + path

    def get(self, path_or_url: str) -> Reply:
        url = path_or_url if path_or_url.startswith("http") else self.url(path_or_url)
        return self.transport.request("GET", url)

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        body = urllib.parse.urlencode(fields).encode()
        return self.transport.request("POST", self.url(path), body, {"Content-Type": "application/x-www-form-urlencoded"})

    def form(self, path: str) -> dict[str, str]:
        page = self.get(path)
        assert page.status == 200, (path, page.status, page.body[:500])
        token = re.search(r'name="csrf_token" value="(\w+)"', page.text)
        base = re.search(r'name="base_revision" value="(\d+)"', page.text)
        assert token and base
        return {"csrf_token": token.group(1), "base_revision": base.group(1)}


def quote(name: str) -> str:
    return urllib.parse.quote(name)


def internal_links(site: Site, page_url: str, body: str) -> set[str]:
    """Every link, image and form target on a page that points into the wiki (fragments dropped)."""
    found = set()
    for raw in HREF.findall(body):
        url = urllib.parse.urljoin(page_url, html.unescape(raw)).partition("#")[0]
        if url.startswith(site.root):
            found.add(url)
    return found


def assert_links_work(site: Site, page_url: str, body: str) -> int:
    """Every internal link stays under the mount and answers without an error."""
    links = internal_links(site, page_url, body)
    for url in sorted(links):
        assert url.startswith(site.root + site.mount + "/") or url == site.root + site.mount, f"{url} escapes {site.mount}"
        reply = site.get(url)
        assert reply.status in (200, 301, 302, 303), f"{url} answered {reply.status} on {page_url}"
    return len(links)


def run_scenario(site: Site) -> None:
    """View, create, conflict, history, diff, search, static file, 404 — then follow every link."""
    name = f"Scénario {site.label}/Deploy notes"
    word = "quokka" + re.sub(r"\W", "", site.label)

    front = site.get("/")
    assert front.status == 302 and front.headers["Location"] == site.mount + "/FrontPage", \
        (front.status, front.headers.get("Location"), front.text[:300])
    front = site.get("/FrontPage")
    assert front.status == 200 and "Welcome to your wiki" in front.text

    fields = site.form(f"/+edit/{quote(name)}")
    assert fields["base_revision"] == "0"
    saved = site.post_form(f"/+edit/{quote(name)}", {**fields, "text": f"The {word} lives here.\n", "comment": "first",
                                                     "action": "save"})
    assert saved.status == 303 and saved.headers["Location"] == site.mount + f"/{quote(name)}", \
        (saved.status, saved.headers.get("Location"), saved.text[-500:])
    page = site.get(f"/{quote(name)}")
    assert page.status == 200 and f"The {word} lives here." in page.text

    mine = site.form(f"/+edit/{quote(name)}")
    theirs = site.form(f"/+edit/{quote(name)}")
    assert site.post_form(f"/+edit/{quote(name)}", {**theirs, "text": "Their version.\n", "action": "save"}).status == 303
    conflict = site.post_form(f"/+edit/{quote(name)}", {**mine, "text": "My version.\n", "action": "save"})
    assert conflict.status == 409 and "My version." in conflict.text and "Their version." in conflict.text

    history = site.get(f"/+history/{quote(name)}")
    assert history.status == 200 and history.text.count('name="to"') == 2
    diff = site.get(f"/+diff/{quote(name)}?from=1&to=2")
    assert diff.status == 200 and f"<del>The {word} lives here.</del>" in diff.text and "<ins>Their version.</ins>" in diff.text

    site.post_form(f"/+edit/{quote(name)}", {**site.form(f"/+edit/{quote(name)}"), "text": f"The {word} is back.\n",
                                             "action": "save"})
    search = site.get(f"/+search?q={word}&fulltext=1")
    assert search.status == 200 and f'href="{site.mount}/{quote(name)}"' in search.text

    css = re.search(r'href="([^"]+/wiki\.css)"', front.text)
    assert css
    static = site.get(site.root + css.group(1))
    assert static.status == 200 and static.headers["Content-Type"].startswith("text/css")
    assert "immutable" in static.headers["Cache-Control"]

    missing = site.get("/No%20Such%20Page")
    assert missing.status == 404 and f'href="{site.mount}/+edit/No%20Such%20Page"' in missing.text

    for url, reply in ((site.url("/FrontPage"), front), (site.url(f"/+history/{quote(name)}"), history),
                       (site.url(f"/+search?q={word}&fulltext=1"), search)):
        assert assert_links_work(site, url, reply.text) > 5
    sign_in_and_out(site, name)


def sign_in_and_out(site: Site, name: str) -> None:
    """Accounts work the same under every gateway (a CGI request is a new process each time):
    register, sign in, see one's name, edit under it, take a right anonymous readers lack
    (MoinMoin's defaults: deleting is for signed-in people), sign out."""
    person = "Deployer" + re.sub(r"\W", "", site.label).title()
    token = re.search(r'name="csrf_token" value="(\w+)"', site.get("/+register").text)
    assert token
    registered = site.post_form("/+register", {"csrf_token": token.group(1), "name": person,
                                               "password": "deploy password", "password2": "deploy password"})
    assert registered.status == 200 and "Account created" in registered.text
    assert site.get(f"/+delete/{quote(name)}").status == 403  # not signed in yet
    token = re.search(r'name="csrf_token" value="(\w+)"', site.get("/+login").text)
    assert token
    signed = site.post_form("/+login", {"csrf_token": token.group(1), "name": person, "password": "deploy password"})
    assert signed.status == 303, signed.text[-2000:]
    assert f">{person}</a>" in site.get("/FrontPage").text
    site.post_form(f"/+edit/{quote(name)}", {**site.form(f"/+edit/{quote(name)}"), "text": "Signed edit.\n",
                                             "action": "save"})
    history = site.get(f"/+history/{quote(name)}").text
    assert f'<a class="user" href="{site.mount}/{person}">{person}</a>' in history
    assert site.get(f"/+delete/{quote(name)}").status == 200
    token = re.search(r'name="csrf_token" value="(\w+)"', site.get("/+logout").text)
    assert token
    assert site.post_form("/+logout", {"csrf_token": token.group(1)}).status == 303
    assert f">{person}</a>" not in site.get("/FrontPage").text
