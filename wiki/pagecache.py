"""Whole responses of plain page views (and of /+recent, /+index and backlinks pages),
served before the framework is even imported, to readers without a session.

A reader's most common request, GET /SomePage, depends only on the page's
revision, its stamp (which the pages it links to being created or deleted changes:
red/blue links), the theme, the config and the mount point: exactly what the ETag encodes. The full app stores the bytes and
headers it produced under that ETag; later requests whose ETag matches get them
back (or a 304) from here, using only the standard library. So a CGI hit costs
interpreter start-up plus a few file reads, and a long-running server skips
routing and templates. Anything else falls through to the full app.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.atomic import write_best_effort
from wiki.errors import InvalidPageName
from wiki.sessions import COOKIE as SESSION_COOKIE
from wiki.stamps import PageStamps
from wiki.storage import PageStore

THEME_COOKIE = "wiki_theme"  # theme.COOKIE (not imported: the fast path loads nothing it need not)
NOTICE_COOKIE = "wiki_notice"  # views/page.py says "Saved." with it: such a view is the full app's

# What werkzeug drops from a 304 (RFC 9110 says a 304 carries no representation headers).
NOT_IN_304 = {"content-type", "content-length", "content-encoding", "content-language", "content-md5", "content-range",
              "last-modified"}

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Slot:
    """Where one kind of response is kept (a file), and the key it was made under."""

    path: str
    key: str


# (script root, *parts) -> the key: Site.cache_key, the one place that knows what a stored
# response depends on besides the parts each kind of response names here.
KeyFunction = Callable[..., str]


class PageCache:
    """Stored responses of plain views, one file per page, plus a copy in memory."""

    def __init__(self, directory: Path, store: PageStore, key: KeyFunction, trusted_hosts: list[str] | None = None,
                 stamps: PageStamps | None = None, memory_limit: int = 8 * 1024 * 1024) -> None:
        self.trusted_hosts = trusted_hosts or []  # a Host not among them is the full app's to refuse (400)
        self.store = store
        self.stamps = stamps or PageStamps(directory.parent / "stamps")
        self.key = key
        self.directory = directory
        self._directory_path = str(self.directory)
        self._links_path = str(store.root / "links" / "in")
        self.memory_limit = memory_limit  # bytes of responses kept in memory; the files keep the rest
        self.memory: dict[str, tuple[str, Headers, bytes]] = {}
        self.memory_bytes = 0
        self._memory_lock = threading.Lock()  # server threads share the dict and its byte count

    def _remember(self, path: str, entry: tuple[str, Headers, bytes]) -> None:
        """Keep an entry in memory, forgetting the oldest ones beyond the limit."""
        with self._memory_lock:
            old = self.memory.pop(path, None)
            if old is not None:
                self.memory_bytes -= len(old[2])
            self.memory[path] = entry
            self.memory_bytes += len(entry[2])
            while self.memory_bytes > self.memory_limit and len(self.memory) > 1:
                oldest = next(iter(self.memory))
                self.memory_bytes -= len(self.memory.pop(oldest)[2])

    def _path(self, name: str, script_root: str) -> str:
        mount = hashlib.sha1(script_root.encode("utf-8")).hexdigest()[:8]
        return os.path.join(self._directory_path, names.derived_fs(name, suffix=f".{mount}"))

    def store_response(self, slot: Slot, headers: Headers, body: bytes) -> None:
        """Keep a full response in its slot; written atomically, so readers never see half a file.
        Best effort: with the disk full or read-only, the copy in memory still serves."""
        self._remember(slot.path, (slot.key, headers, body))
        head = "".join(f"{key}: {value}\n" for key, value in headers)
        write_best_effort(slot.path, f"{slot.key}\n{head}\n".encode("latin-1") + body)

    def _stored(self, path: str, key: str) -> tuple[Headers, bytes] | None:
        entry = self.memory.get(path)
        if entry is not None and entry[0] == key:
            return entry[1], entry[2]
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        stored_key, _, rest = data.partition(b"\n")
        if stored_key.decode("ascii", "replace") != key:
            return None
        head, _, body = rest.partition(b"\n\n")
        headers = [(k, v) for k, _, v in (line.partition(": ") for line in head.decode("latin-1").split("\n"))]
        self._remember(path, (key, headers, body))
        return headers, body

    def page_key(self, script_root: str, name: str, revision: int, extra: str = "") -> str:
        """A page view's key (its ETag): the stored view is served only while it still matches,
        so while neither the page nor its stamp (the pages it links to, its attachments) changed."""
        return str(self.key(script_root, "page", name, str(revision), self.stamps.read(name), extra))

    def _list_key(self, what: str, script_root: str) -> str:
        return str(self.key(script_root, "list", what))

    def slot(self, environ: dict[str, object]) -> Slot | None:
        """Where the response to this request is kept and the key it must carry: for a plain
        page view, /+recent, /+index or a backlinks page. None for anything else."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        # Stored responses are an anonymous reader's: a signed-in person (a session cookie, or a
        # name the web server authenticated) gets pages made for them by the full app.
        cookies = str(environ.get("HTTP_COOKIE", ""))
        if environ.get("REMOTE_USER") or SESSION_COOKIE + "=" in cookies or NOTICE_COOKIE + "=" in cookies \
                or THEME_COOKIE + "=" in cookies:
            return None  # (or the "Saved." a save left for the next view, or a theme of one's own)
        if self.trusted_hosts and not _trusted(str(environ.get("HTTP_HOST", "")), self.trusted_hosts):
            return None
        try:
            raw = str(environ.get("PATH_INFO", "")).encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        query = str(environ.get("QUERY_STRING", ""))
        script_root = str(environ.get("SCRIPT_NAME", "")).rstrip("/")
        mount = hashlib.sha1(script_root.encode("utf-8")).hexdigest()[:8]
        try:
            if query:  # only the plain forms: each query string a slot would let anyone fill the disk
                return None
            if raw == "/+recent":  # changes with the edit-log (and, for the day headings, the date)
                what = f"recent|{self.store.log_size()}|{time.strftime('%Y-%m-%d', time.gmtime())}"
                return Slot(os.path.join(self._directory_path, f"+recent.{mount}"), self._list_key(what, script_root))
            if raw == "/+index":  # changes with the set of pages
                return Slot(os.path.join(self._directory_path, f"+index.{mount}"),
                            self._list_key(f"index|{self.store.pageset_token()}", script_root))
            if raw.startswith("/+backlinks/"):  # changes with that page's list of incoming links
                name = _page_name(raw[len("/+backlinks/"):])
                if name is None:
                    return None
                try:
                    stat = os.stat(os.path.join(self._links_path, names.quote_fs(name)))
                    state = f"{stat.st_mtime_ns}.{stat.st_size}"
                except FileNotFoundError:
                    state = "none"
                return Slot(os.path.join(self._directory_path, names.derived_fs(name, "+backlinks.", f".{mount}")),
                            self._list_key(f"backlinks|{name}|{state}", script_root))
            if not raw.startswith("/") or raw.startswith("/+"):
                return None
            name = _page_name(raw[1:])
            if name is None:
                return None
            revision = self.store.current_revision(name)
            if revision == 0:
                return None
            return Slot(self._path(name, script_root), self.page_key(script_root, name, revision))
        except (OSError, ValueError):
            return None  # let the full app answer: it reports the problem properly

    def respond(self, environ: dict[str, object]) -> tuple[tuple[str, Headers, bytes] | None, Slot | None]:
        """((status, headers, body) if a stored response answers this request, else None;
        the slot where the full app's response may be stored, if any)."""
        slot = self.slot(environ)
        if slot is None:
            return None, None
        try:
            stored = self._stored(slot.path, slot.key)
        except OSError:
            return None, slot
        if stored is None:
            return None, slot
        headers, body = stored
        if_none_match = str(environ.get("HTTP_IF_NONE_MATCH", ""))
        if _matches(if_none_match, slot.key) or (not if_none_match and _not_modified_since(
                str(environ.get("HTTP_IF_MODIFIED_SINCE", "")), headers)):
            return ("304 NOT MODIFIED", [(k, v) for k, v in headers if k.lower() not in NOT_IN_304], b""), slot
        return ("200 OK", headers, b"" if environ.get("REQUEST_METHOD") == "HEAD" else body), slot


def _trusted(host: str, trusted: list[str]) -> bool:
    """werkzeug's rule: 'example.org' matches itself, '.example.org' also its subdomains."""
    host = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
    for allowed in trusted:
        allowed = allowed.lower()
        if host == allowed.lstrip(".") or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def _page_name(raw: str) -> str | None:
    """The name if `raw` is a valid name in its canonical form (else the full app redirects or refuses)."""
    try:
        return raw if names.normalize(raw) == raw else None
    except InvalidPageName:
        return None


def _not_modified_since(if_modified_since: str, headers: Headers) -> bool:
    """If-Modified-Since against the stored Last-Modified (only sent when no If-None-Match is)."""
    if not if_modified_since:
        return False
    modified = next((value for key, value in headers if key.lower() == "last-modified"), None)
    if modified is None:
        return False
    from email.utils import parsedate_to_datetime  # only for such a request

    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def _matches(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/").strip('"') for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def serve(cache: PageCache, environ: dict[str, object],
          start_response: Callable[..., object]) -> tuple[Iterable[bytes] | None, Slot | None]:
    """Answer from the cache as a WSGI app would (else None), and the slot for the full app's answer."""
    found, slot = cache.respond(environ)
    if found is None:
        return None, slot
    status, headers, body = found
    start_response(status, headers)
    return [body], slot
