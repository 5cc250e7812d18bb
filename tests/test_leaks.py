"""No page text, name or existence reaches a reader who may not read the page: every rule
of the URL map (found by walking the map, not a hand list) is requested as an anonymous
reader, as a signed-in outsider and as a group member, under the test client, `wiki serve`
and CGI. A member views everything first, so every cache is filled by the reader who may
see the most; then cached and uncached answers are compared for each reader."""
from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest

from tests.conftest import WikiClient
from tests.servers import free_port, wait_for_http
from wiki.app import URL_MAP, create_app
from wiki.cli import init_store
from wiki.config import PROJECT_ROOT, Config, load_config
from wiki.users import UserStore

PASSWORD = "leak test password"
SECRET_KNOWN = "quokkaknownword"  # in KnownOnlyNotes: Known may read, anonymous may not
SECRET_GROUP = "wombatgroupword"  # in ZetaPrivate: only SecretKeepersGroup
SECRET_TEMPLATE = "numbattemplateword"  # in HiddenTemplate: only SecretKeepersGroup
SECRET_FILE_KNOWN = "bilbyfileword"  # attached to KnownOnlyNotes
SECRET_FILE_GROUP = "dingofileword"  # attached to ZetaPrivate
SEARCH_WORD = "zebrastripe"  # beside every secret word, so a snippet would show them
# Names no page anyone may read mentions: they must not appear unless the request named them.
HIDDEN_FROM_ANONYMOUS = {"KnownOnlyNotes"}
HIDDEN_FROM_OUTSIDERS = {"ZetaPrivate", "HiddenTemplate"}

PAGES = {
    "SecretKeepersGroup": " * MemberMary\n",
    "KnownOnlyNotes": f"#acl Known:read All:\n{SEARCH_WORD} {SECRET_KNOWN} [[attachment:known.txt]]\n",
    "ZetaPrivate": f"#acl SecretKeepersGroup:read,write,delete,revert All:\n{SEARCH_WORD} {SECRET_GROUP}\n"
                   "Links to [[PublicPage]] and [[WantedFromSecret]].\n",
    "HiddenTemplate": f"#acl SecretKeepersGroup:read All:\nStart here {SEARCH_WORD} {SECRET_TEMPLATE}\n",
    "PublicPage": "Everyone reads this. A link to [[ColourTest]].\n",
    "ColourTest": f"#acl SecretKeepersGroup:read All:\n{SEARCH_WORD} colour\n",
    "MacroPage": "<<Include(ColourTest)>>\n\n<<PageList(Zeta)>>\n\n<<PageList(regex:.*Only.*)>>\n\n<<RecentChanges>>\n",
}
ATTACHMENTS = {"KnownOnlyNotes": ("known.txt", SECRET_FILE_KNOWN), "ZetaPrivate": ("group.txt", SECRET_FILE_GROUP)}


class Transport(Protocol):
    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]: ...


@dataclass
class Reader:
    label: str
    may_read_known: bool
    may_read_group: bool
    transport: Transport

    def secrets_allowed(self) -> set[str]:
        allowed = set()
        if self.may_read_known:
            allowed |= {SECRET_KNOWN, SECRET_FILE_KNOWN}
        if self.may_read_group:
            allowed |= {SECRET_GROUP, SECRET_TEMPLATE, SECRET_FILE_GROUP}
        return allowed

    def names_hidden(self) -> set[str]:
        return (set() if self.may_read_known else HIDDEN_FROM_ANONYMOUS) | \
            (set() if self.may_read_group else HIDDEN_FROM_OUTSIDERS)


HEADERS = "\n--- headers ---\n"  # what a transport puts between the body and the headers it returns
ALL_SECRETS = {SECRET_KNOWN, SECRET_FILE_KNOWN, SECRET_GROUP, SECRET_TEMPLATE, SECRET_FILE_GROUP}


# Transports ------------------------------------------------------------------------------

class ClientTransport:
    def __init__(self, config: Config) -> None:
        self.client = WikiClient(create_app(config))

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        response = self.client.open(path, method=method, data=form)
        return response.status_code, response.get_data(as_text=True) + HEADERS + str(response.headers)


@dataclass
class CookieJar:
    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take(self, set_cookies: list[str]) -> None:
        for line in set_cookies:
            pair = line.split(";")[0]
            key, _, value = pair.partition("=")
            if "Max-Age=0" in line or "expires=thu, 01 jan 1970" in line.lower():  # deleted
                self.cookies.pop(key.strip(), None)
            else:
                self.cookies[key.strip()] = value


class HttpTransport:
    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.jar = CookieJar()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Cookie": self.jar.header()} if self.jar.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read().decode("utf-8", "replace")
        self.jar.take([value for key, value in response.getheaders() if key.lower() == "set-cookie"])
        connection.close()
        return response.status, data + HEADERS + str(response.getheaders())


class CgiTransport:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.jar = CookieJar()

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        route, _, query = path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", ""), "WIKI_DATA_DIR": str(self.data), "GATEWAY_INTERFACE": "CGI/1.1",
            "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": urllib.parse.unquote(route),
            "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "PYTHONPATH": str(PROJECT_ROOT),
            "WIKI_RATE_LIMITS": "",
        }
        if self.jar.cookies:
            env["HTTP_COOKIE"] = self.jar.header()
        done = subprocess.run([sys.executable, str(PROJECT_ROOT / "cgi-bin" / "wiki.cgi")], input=body, env=env,
                              capture_output=True, timeout=60, check=True)
        head, _, content = done.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(next(line for line in lines if line.startswith("Status:")).split()[1])
        self.jar.take([line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("set-cookie:")])
        return status, content.decode("utf-8", "replace") + HEADERS + head.decode("latin-1")


# The wiki under test ------------------------------------------------------------------------

def form_of(transport: Transport, path: str) -> dict[str, str]:
    status, html = transport.request("GET", path)
    assert status == 200, f"{path}: {status}"
    fields = dict(re.findall(r'<input type="hidden" name="(csrf_token|base_revision)" value="([^"]*)"', html))
    return fields


def sign_in(transport: Transport, name: str) -> None:
    status, _ = transport.request("POST", "/+login", {**form_of(transport, "/+login"), "name": name,
                                                      "password": PASSWORD})
    assert status == 303, f"signing in as {name} answered {status}"


@pytest.fixture(scope="module")
def wiki_data(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """MoinMoin 1.9's default ACLs; the pages written by an administrator through the web."""
    config = load_config(environ={}, data_dir=tmp_path_factory.mktemp("leaks") / "data", rate_limits="")
    init_store(config, io.StringIO())
    users = UserStore(config.data_dir / "user")
    users.create("TheAdmin", PASSWORD, admin=True)
    users.create("MemberMary", PASSWORD)
    users.create("OutsiderOtto", PASSWORD)
    admin = ClientTransport(config)
    sign_in(admin, "TheAdmin")
    for name, text in PAGES.items():
        fields = form_of(admin, "/+edit/" + urllib.parse.quote(name))
        status, _ = admin.request("POST", "/+edit/" + name, {**fields, "text": text, "action": "save"})
        assert status == 303, name
    for name, (filename, content) in ATTACHMENTS.items():
        client = admin.client
        token = form_of(admin, "/+attachments/" + name)["csrf_token"]
        response = client.post("/+attachments/" + name, data={"csrf_token": token,
                                                              "file": (io.BytesIO(content.encode()), filename)})
        assert response.status_code == 303
    return config


def urls_for_rule(rule_endpoint: str, arguments: set[str], pages: list[str]) -> Iterator[str]:
    """The GET requests a rule takes: every page for a page rule, with the query strings its
    view reads; the others plain and with the queries that could show text."""
    if rule_endpoint == "static_file":
        return
    queries = {
        "show_page": ["", "?rev=1", "?redirect=no"], "raw_page": ["", "?rev=1"], "print_page": [""],
        "diff_page": ["", "?from=0&to=1", "?format=unified", "?mode=side"], "page_history": [""], "page_info": [""],
        "page_backlinks": [""], "page_feed": [""], "page_attachments": [""], "edit_page": [""],
        "revert_page": ["?rev=1"], "delete_page": [""], "rename_page": [""],
        "download_attachment": ["?file=known.txt", "?file=group.txt"],
        "search": [f"?q={SEARCH_WORD}&fulltext=1", f"?q={SEARCH_WORD}", "?q=zebrastripes+wombatgroupwrd&fulltext=1",
                   "?q=ZetaPrivate", "?q=zetaprivate", "?q=KnownOnlyNotes"],
        "recent_changes": ["", "?count=50"], "recent_feed": [""], "page_index": [""], "orphaned_pages": [""],
        "wanted_pages": [""], "sitemap": [""], "robots_txt": [""], "front_page": [""],
        "login": [""], "logout": [""], "register": [""], "account": [""], "users": [""], "choose_theme": ["", "?back=/FrontPage"],
        "new_page": ["", "?name=BrandNewPage&template=HiddenTemplate", "?name=NewOne"],
    }
    assert rule_endpoint in queries, f"a new rule {rule_endpoint!r}: say which queries it reads"
    for query in queries[rule_endpoint]:
        if "name" in arguments:
            for page in pages:
                yield str(URL_MAP.bind("localhost").build(rule_endpoint, {"name": page})) + query
        else:
            yield str(URL_MAP.bind("localhost").build(rule_endpoint, {})) + query


def every_url(pages: list[str]) -> list[str]:
    found = []
    for rule in URL_MAP.iter_rules():
        found += list(urls_for_rule(str(rule.endpoint), set(rule.arguments), pages))
    found.append("/+edit/BrandNewPage?template=HiddenTemplate")  # a template's text via a new page
    found.append("/MacroPage")
    return found


def check(reader: Reader, urls: list[str]) -> None:
    forbidden_secrets = ALL_SECRETS - reader.secrets_allowed()
    hidden_names = reader.names_hidden()
    for url in urls:
        status, body = reader.transport.request("GET", url)
        assert status < 500, f"{reader.label}: {url} answered {status}"
        for secret in forbidden_secrets:
            assert secret not in body, f"{reader.label} saw {secret!r} at {url}"
        for name in hidden_names:
            named = name.lower() in urllib.parse.unquote(url).lower()
            assert named or name not in body, f"{reader.label} saw the hidden name {name!r} at {url}"
        if url.startswith("/+search?q=") and "zetaprivate" in url.lower() and reader.may_read_group is False:
            assert status != 303, f"{reader.label}: the title jump went to a hidden page ({url})"


def readers(make: type | object, *args: object) -> list[Reader]:
    anonymous = Reader("anonymous", False, False, make(*args))  # type: ignore[operator]
    outsider = Reader("outsider", True, False, make(*args))  # type: ignore[operator]
    member = Reader("member", True, True, make(*args))  # type: ignore[operator]
    sign_in(outsider.transport, "OutsiderOtto")
    sign_in(member.transport, "MemberMary")
    return [member, anonymous, outsider]  # the member first: caches are filled by who sees most


def assert_members_see_their_pages(member: Reader, outsider: Reader) -> None:
    """The positive side: each secret reaches whoever may read it."""
    for reader, url, secret in ((member, "/ZetaPrivate", SECRET_GROUP), (outsider, "/KnownOnlyNotes", SECRET_KNOWN),
                                (member, f"/+search?q={SEARCH_WORD}&fulltext=1", SECRET_GROUP),
                                (member, "/+edit/BrandNewPage?template=HiddenTemplate", SECRET_TEMPLATE),
                                (outsider, "/+download/KnownOnlyNotes?file=known.txt", SECRET_FILE_KNOWN)):
        status, body = reader.transport.request("GET", url)
        assert status == 200 and secret in body, f"{reader.label} should read {secret} at {url} ({status})"


PAGE_NAMES = ["KnownOnlyNotes", "ZetaPrivate", "HiddenTemplate", "PublicPage", "MacroPage", "ColourTest"]


def test_no_leak_under_the_test_client(wiki_data: Config) -> None:
    member, anonymous, outsider = readers(ClientTransport, wiki_data)
    urls = every_url(PAGE_NAMES)
    assert len(urls) > 130
    for reader in (member, anonymous, outsider):
        check(reader, urls)
    assert_members_see_their_pages(member, outsider)


def test_links_to_unreadable_pages_look_missing(wiki_data: Config) -> None:
    member, anonymous, outsider = readers(ClientTransport, wiki_data)
    for reader, readable in ((member, True), (anonymous, False), (outsider, False)):
        status, html = reader.transport.request("GET", "/PublicPage")
        assert status == 200
        assert ('href="/+edit/ColourTest"' not in html) is readable, reader.label
        macros = reader.transport.request("GET", "/MacroPage")[1]
        assert ("colour" in macros.split("<main")[1]) is readable, reader.label  # the included text
        assert ('href="/ZetaPrivate"' in macros) is readable, reader.label  # PageList


def test_posts_refused_to_non_readers_show_nothing(wiki_data: Config) -> None:
    """An edit, preview or conflict (a stale base) on a page one may not read shows none of it."""
    _, anonymous, outsider = readers(ClientTransport, wiki_data)
    for reader in (anonymous, outsider):
        token = form_of(reader.transport, "/+login")["csrf_token"]
        for action in ("save", "preview"):
            status, body = reader.transport.request("POST", "/+edit/ZetaPrivate", {
                "csrf_token": token, "base_revision": "0", "text": "mine", "action": action})
            assert status == 403 and SECRET_GROUP not in body, (reader.label, action)
    data = wiki_data.data_dir / "pages" / "ZetaPrivate" / "current"
    assert data.read_text().strip() == "00000001"


def test_cached_and_uncached_answers_agree_for_every_reader(wiki_data: Config) -> None:
    member, anonymous, outsider = readers(ClientTransport, wiki_data)
    urls = ["/PublicPage", "/MacroPage", "/+index", "/+recent", "/+backlinks/PublicPage", "/ZetaPrivate",
            "/KnownOnlyNotes"]
    token = re.compile(r'(name="csrf_token" value=")\w+|wiki_csrf=[^;]+')

    def answers(reader: Reader) -> list[tuple[int, str]]:
        return [(status, token.sub("", body)) for status, body in (reader.transport.request("GET", url) for url in urls)]

    for reader in (member, anonymous, outsider):
        first = answers(reader)  # fills (or uses) the caches
        cached = answers(reader)
        for cache in ("pages", "html"):
            shutil.rmtree(wiki_data.data_dir / "cache" / cache, ignore_errors=True)
        fresh_app = ClientTransport(wiki_data)  # no memory cache either
        fresh_app.client.client._cookies = reader.transport.client.client._cookies  # type: ignore[attr-defined]
        uncached = answers(Reader(reader.label, reader.may_read_known, reader.may_read_group, fresh_app))
        assert [s for s, _ in first] == [s for s, _ in cached] == [s for s, _ in uncached], reader.label
        for url, (_, a), (_, b) in zip(urls, cached, uncached, strict=True):
            assert strip_headers(a) == strip_headers(b), f"{reader.label}: cached and fresh {url} differ"


def strip_headers(body: str) -> str:
    """The body without the headers (dates and cookies differ)."""
    return body.partition(HEADERS)[0]


def test_no_leak_under_wiki_serve(wiki_data: Config, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "WIKI_RATE_LIMITS": "", "PYTHONPATH": str(PROJECT_ROOT)}
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--threads", "4",
                                    "--data-dir", str(wiki_data.data_dir)], stdout=subprocess.DEVNULL, stderr=log,
                                   env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/", process)
        member, anonymous, outsider = readers(HttpTransport, base)
        urls = one_url_per_rule()
        for reader in (member, anonymous, outsider):
            check(reader, urls)
        assert_members_see_their_pages(member, outsider)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def test_no_leak_under_cgi(wiki_data: Config) -> None:
    member, anonymous, outsider = readers(CgiTransport, wiki_data.data_dir)
    urls = one_url_per_rule(fewer=True)
    for reader in (member, anonymous, outsider):
        check(reader, urls)
    assert_members_see_their_pages(member, outsider)


def one_url_per_rule(fewer: bool = False) -> list[str]:
    """Each rule once with the most hidden page (a real server costs more per request); the
    page views, which the CGI fast path and the page cache answer, for every page."""
    urls = []
    for rule in URL_MAP.iter_rules():
        options = list(urls_for_rule(str(rule.endpoint), set(rule.arguments), ["ZetaPrivate"]))
        urls += options[:1] if fewer else options
    return urls + [f"/{name}" for name in PAGE_NAMES] + ["/+edit/BrandNewPage?template=HiddenTemplate",
                                                         "/+index", "/+recent", "/+backlinks/PublicPage"]
