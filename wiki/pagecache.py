"""Whole responses of plain page views, served before the framework is even imported.

A reader's most common request, GET /SomePage, depends only on the page's
revision, the set of existing pages (red/blue links), the theme, the config and
the mount point: exactly what the ETag encodes. The full app stores the bytes and
headers it produced under that ETag; later requests whose ETag matches get them
back (or a 304) from here, using only the standard library. So a CGI hit costs
interpreter start-up plus a few file reads, and a long-running server skips
routing and templates. Anything else falls through to the full app.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from wiki import names
from wiki.config import Config
from wiki.errors import InvalidPageName
from wiki.storage import PageStore
from wiki.theme import Theme

APP_VERSION = "0.1.0"
# What werkzeug drops from a 304 (RFC 9110 says a 304 carries no representation headers).
MEMORY_LIMIT = 32 * 1024 * 1024  # bytes of responses kept in memory per process; the files keep the rest
NOT_IN_304 = {"content-type", "content-length", "content-encoding", "content-language", "content-md5", "content-range"}

Headers = list[tuple[str, str]]


def page_etag(config: Config, theme_version: str, name: str, revision: int, pageset: str, script_root: str,
              extra: str = "") -> str:
    """Changes whenever the page's HTML would: revision, linked pages, theme, config, mount point
    (and `extra`: the edit-log's size for a page whose macros show more than itself)."""
    parts = [
        APP_VERSION, name, str(revision), pageset, config.theme, theme_version, config.site_name,
        config.front_page, str(config.camelcase_links), str(config.read_only), script_root, extra,
    ]
    return hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()[:20]


class PageCache:
    """Stored responses of plain views, one file per page, plus a copy in memory."""

    def __init__(self, config: Config, store: PageStore, theme: Theme) -> None:
        self.config = config
        self.store = store
        self.theme = theme
        self.directory = config.data_dir / "cache" / "pages"
        self._directory_path = str(self.directory)
        self.memory: dict[str, tuple[str, Headers, bytes]] = {}
        self.memory_bytes = 0

    def _remember(self, path: str, entry: tuple[str, Headers, bytes]) -> None:
        """Keep an entry in memory, forgetting the oldest ones beyond MEMORY_LIMIT."""
        old = self.memory.pop(path, None)
        if old is not None:
            self.memory_bytes -= len(old[2])
        self.memory[path] = entry
        self.memory_bytes += len(entry[2])
        while self.memory_bytes > MEMORY_LIMIT and len(self.memory) > 1:
            oldest = next(iter(self.memory))
            self.memory_bytes -= len(self.memory.pop(oldest)[2])

    def _path(self, name: str, script_root: str) -> str:
        mount = hashlib.sha1(script_root.encode("utf-8")).hexdigest()[:8]
        return os.path.join(self._directory_path, f"{names.quote_fs(name)}.{mount}")

    def etag(self, name: str, revision: int, script_root: str, extra: str = "") -> str:
        return page_etag(self.config, self.theme.version, name, revision, self.store.pageset_token(), script_root, extra)

    def store_response(self, name: str, script_root: str, etag: str, headers: Headers, body: bytes) -> None:
        """Keep a full view's response; written atomically, so readers never see half a file."""
        path = self._path(name, script_root)
        self._remember(path, (etag, headers, body))
        self.directory.mkdir(parents=True, exist_ok=True)
        temp = Path(f"{path}.tmp-{os.getpid()}")
        head = "".join(f"{key}: {value}\n" for key, value in headers)
        temp.write_bytes(f"{etag}\n{head}\n".encode("latin-1") + body)
        temp.replace(path)

    def _stored(self, path: str, etag: str) -> tuple[Headers, bytes] | None:
        entry = self.memory.get(path)
        if entry is not None and entry[0] == etag:
            return entry[1], entry[2]
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        stored_etag, _, rest = data.partition(b"\n")
        if stored_etag.decode("ascii", "replace") != etag:
            return None
        head, _, body = rest.partition(b"\n\n")
        headers = [(key, value) for key, _, value in (line.partition(": ") for line in head.decode("latin-1").split("\n"))]
        self._remember(path, (etag, headers, body))
        return headers, body

    def respond(self, environ: dict[str, object]) -> tuple[str, Headers, bytes] | None:
        """(status, headers, body) for a plain page view whose response is stored; else None."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return None
        try:
            raw = str(environ.get("PATH_INFO", "")).encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        if not raw.startswith("/") or raw.startswith("/+"):
            return None
        name = raw[1:]
        try:
            if names.normalize(name) != name:
                return None
        except InvalidPageName:
            return None
        script_root = str(environ.get("SCRIPT_NAME", "")).rstrip("/")
        try:
            revision = self.store.current_revision(name)
            if revision == 0:
                return None
            etag = self.etag(name, revision, script_root)
            stored = self._stored(self._path(name, script_root), etag)
        except (OSError, ValueError):
            return None  # let the full app answer: it reports the problem properly
        if stored is None:
            return None
        headers, body = stored
        if _matches(str(environ.get("HTTP_IF_NONE_MATCH", "")), etag):
            return "304 NOT MODIFIED", [(k, v) for k, v in headers if k.lower() not in NOT_IN_304], b""
        return "200 OK", headers, b"" if method == "HEAD" else body


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def serve(cache: PageCache, environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes] | None:
    """Answer from the cache as a WSGI app would, or return None to let the full app answer."""
    found = cache.respond(environ)
    if found is None:
        return None
    status, headers, body = found
    start_response(status, headers)
    return [body]
