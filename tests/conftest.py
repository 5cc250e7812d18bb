"""Fixtures: real stores on tmp_path, the real app behind a WSGI validator, real forms."""
from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from wsgiref.validate import validator

import pytest
from werkzeug.middleware.lint import LintMiddleware
from werkzeug.test import Client, TestResponse

from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import Config, load_config
from wiki.storage import Author, PageStore

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
BASE = re.compile(r'name="base_revision" value="(\d+)"')


class WikiClient:
    """A werkzeug test client over the linted app that reads whole responses and
    knows how to fill in the wiki's forms (CSRF token, base revision)."""

    def __init__(self, app: Any) -> None:
        self.client = Client(LintMiddleware(app))
        # werkzeug's lint wrongly expects a HEAD body to match Content-Length; the
        # standard library's validator checks HEAD responses instead.
        self.head_client = Client(validator(app))

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": "127.0.0.1"})
        return self.client.open(*args, buffered=True, **kwargs)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open(url, method="GET", **kwargs)

    def head(self, url: str, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": "127.0.0.1"})
        return self.head_client.open(url, method="HEAD", buffered=True, **kwargs)

    def forget_cookies(self) -> None:
        self.client._cookies.clear()

    def post(self, url: str, **kwargs: Any) -> TestResponse:
        return self.open(url, method="POST", **kwargs)

    def form(self, url: str) -> dict[str, str]:
        """GET a page with a form and return its hidden fields (token, base revision)."""
        html = self.get(url).get_data(as_text=True)
        fields = {"csrf_token": TOKEN.search(html).group(1)}  # type: ignore[union-attr]
        base = BASE.search(html)
        if base:
            fields["base_revision"] = base.group(1)
        return fields

    def sign_in(self, name: str, password: str) -> TestResponse:
        """Sign in through the form, as a browser would; the session cookie stays in this client."""
        response = self.post("/+login", data={**self.form("/+login"), "name": name, "password": password})
        assert response.status_code == 303, f"signing in as {name!r} answered {response.status_code}"
        return response

    def save(self, name: str, text: str, comment: str = "", **extra: str) -> TestResponse:
        """Edit a page as a browser would: load the editor, submit its form with Save."""
        url = "/+edit/" + quote(name)
        fields = self.form(url)
        fields.update(text=text, comment=comment, action="save", **extra)
        return self.post(url, data=fields)


class Urls:
    """Where links lead, without a request (as an export or a test needs)."""

    script_root = ""

    def page_url(self, name: str) -> str:
        return "/" + urllib.parse.quote(name)

    def edit_url(self, name: str) -> str:
        return "/+edit/" + urllib.parse.quote(name)

    def attachment_url(self, name: str, filename: str) -> str:
        return f"/+download/{urllib.parse.quote(name)}?file={urllib.parse.quote(filename)}"

    def attachments_url(self, name: str) -> str:
        return "/+attachments/" + urllib.parse.quote(name)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """An open wiki: the tests of pages, history and caches act as an anonymous person who may
    do anything, many times a second. test_acl*.py and test_accounts.py test the defaults."""
    return load_config(environ={}, data_dir=tmp_path / "data", **OPEN_WIKI)


# Every right for everyone, and no rate limits (MoinMoin's defaults let only signed-in people delete).
OPEN_WIKI = {"acl_rights_default": "All:read,write,delete,revert", "rate_limits": ""}


@pytest.fixture
def store(config: Config) -> PageStore:
    store = PageStore(config.data_dir)
    store.create()
    return store


@pytest.fixture
def seeded_config(config: Config) -> Config:
    """A data directory initialised with the starter pages, as `wiki init` leaves it."""
    import io

    init_store(config, io.StringIO())
    return config


@pytest.fixture
def client(seeded_config: Config) -> WikiClient:
    return WikiClient(create_app(seeded_config))


@pytest.fixture
def author() -> Author:
    return Author(address="192.0.2.1")


def files_under(path: Path) -> dict[str, bytes]:
    """Every file below `path` with its bytes: compare before and after to prove nothing changed."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture
def snapshot(seeded_config: Config) -> Iterator[Any]:
    """Call snapshot() to assert the data directory's pages and logs are unchanged since the fixture."""
    root = seeded_config.data_dir

    def pages_and_logs() -> dict[str, bytes]:
        return {k: v for k, v in files_under(root).items() if not k.startswith(("cache", "index", "secret-key", "drafts"))}

    before = pages_and_logs()
    yield lambda: pages_and_logs() == before
