"""The services of one wiki, wired once: store, caches, renderer per thread, search, links.

The app, the CGI fast path and the command line all build a `Site` and use it; nothing
else wires these together. It owns the three things that were kept in several places
and drifted: every cache key (`cache_key`), the work after a change (`after_change`),
and recovery from a killed change (`recover`). Importing it loads only the standard
library: Markdown, Whoosh and Mako open on first use.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from functools import cached_property

from wiki import __version__
from wiki.acl import ANONYMOUS, EVERYTHING, Evaluator, Groups, Reader, Visibility
from wiki.config import Config
from wiki.editlog import REVERT, SAVE
from wiki.errors import (
    EditConflict,
    PageBusy,
    PageNotFound,
    PermissionDenied,
    QuotaExceeded,
    SignInRequired,
    StorageFull,
    StorageUnavailable,
    tell_operator,
)
from wiki.names import PageList
from wiki.pagecache import PageCache
from wiki.stamps import PageStamps
from wiki.storage import Author, Merger, PageRevision, PageStore
from wiki.text import stored_form
from wiki.theme import Theme

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing on every CGI hit
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, Protocol

    from wiki.acltable import AclTable
    from wiki.drafts import DraftStore
    from wiki.editlog import LogEntry
    from wiki.links import LinkTable
    from wiki.listcache import ListCache
    from wiki.markup import LinkContext, Rendered, Renderer
    from wiki.ratelimit import RateLimiter
    from wiki.rendercache import RenderCache
    from wiki.search import SearchIndex
    from wiki.sessions import Session, SessionStore
    from wiki.users import User, UserStore

    class Urls(Protocol):
        """Where links lead: a request (any mount point) or an export."""

        @property
        def script_root(self) -> str: ...

        def page_url(self, name: str) -> str: ...
        def edit_url(self, name: str) -> str: ...
        def attachment_url(self, name: str, filename: str) -> str: ...
        def attachments_url(self, name: str) -> str: ...

INTERWIKI = {  # as in MoinMoin 1.9's shipped intermap, for the names its help pages use most
    "MoinMoin": "https://moinmo.in/", "WikiPedia": "https://en.wikipedia.org/wiki/",
    "Google": "https://www.google.com/search?q=", "MeatBall": "http://meatballwiki.org/wiki/",
    "WikiWikiWeb": "https://wiki.c2.com/?", "PyPI": "https://pypi.org/project/",
    "PythonInfo": "https://wiki.python.org/moin/", "Debian": "https://wiki.debian.org/",
}
RECOVERY_INTERVAL = 1.0  # seconds between looks at pending/ in a long-running process
# A save waits this long for another process's index commit before it answers; past it, the
# next search or save takes its change in (measured: waiting 0.2 s made saves' p50 225 ms).
AFTER_CHANGE_INDEX_WAIT = 0.05


MAX_LETTER_INDEXES = 4  # view classes whose page index (by letter) is kept in memory
TEMPLATE_SUFFIX = "Template"  # pages named so are offered as the start of a new page


def index_letter(name: str) -> str:
    """Where the page index files a page: its first letter, or '#' for a digit or sign."""
    first = name[:1].upper()
    return first if first.isalpha() else "#"


def acl_lines_differ(old: str, new: str) -> bool:
    from wiki.acl import acl_lines

    return acl_lines(old) != acl_lines(new)


def log_failure(what: str) -> None:
    """Tell the operator (stderr: the server's error log) about derived work that failed."""
    import traceback  # only on a failure: a CGI request would pay ~4 ms for it at start-up

    tell_operator(f"flatwiki: {what}:\n{traceback.format_exc()}")


class Site:
    """One configured wiki's services; cheap to build (CGI builds one per request)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = PageStore(config.data_dir, lock_timeout=config.lock_timeout)
        self.theme = Theme.for_config(config)
        self._themes: dict[str, Theme] = {self.theme.name: self.theme}
        self.stamps = PageStamps(config.data_dir / "cache" / "stamps")
        self.page_cache = PageCache(config.data_dir / "cache" / "pages", self.store, self.cache_key,
                                    config.trusted_host_list(), self.stamps, config.memory_cache_mb * 1024 * 1024)
        self._config_print = hashlib.sha1(repr(config).encode("utf-8")).hexdigest()
        self._local = threading.local()
        self._lock = threading.Lock()  # guards the lazily built shared objects below
        self._secret: bytes | None = None
        self._search_index: SearchIndex | None = None
        self._intermap: tuple[int, dict[str, str]] | None = None
        self._next_recovery = 0.0
        self._evaluator: tuple[str, Evaluator] | None = None
        self._visibility: dict[tuple[str, tuple[str, ...]], Visibility] = {}
        self._letters: dict[tuple[str, str, str], dict[str, PageList]] = {}  # see pages_by_letter
        self._templates: tuple[str, list[str]] = ("", [])  # (pageset token, pages), see `templates`

    # Keys -----------------------------------------------------------------

    def cache_key(self, script_root: str, *parts: str) -> str:
        """The one cache key: whatever a stored page or response depends on besides `parts`
        (the frozen config, this release, the theme's files, the ACLs, the mount point). What a
        page's view depends on of other pages is its stamp (wiki/stamps.py), one of the parts."""
        fixed = [__version__, self._config_print, self.theme.version, self.acl_table.current().token, script_root]
        return hashlib.sha1("\x00".join([*fixed, *parts]).encode("utf-8")).hexdigest()[:20]

    def page_etag(self, script_root: str, name: str, revision: int, volatile: bool = False, note: str = "") -> str:
        """A page view's ETag; a volatile page's also follows the edit-log, and a `note`
        (such as "redirected from") makes a view of its own."""
        extra = (str(self.store.log_size()) if volatile else "") + (f"|{note}" if note else "")
        return self.page_cache.page_key(script_root, name, revision, extra)

    def render_key(self, script_root: str, page: PageRevision, reader: Reader) -> str:
        from wiki.rendercache import RENDERER_VERSION

        return self.cache_key(script_root, "html", RENDERER_VERSION, page.name, str(page.revision),
                              self.stamps.read(page.name), self.view_class(reader))

    # Who may do what: the one permission check ----------------------------------

    @cached_property
    def acl_table(self) -> AclTable:
        from wiki.acltable import AclTable

        return AclTable(self.store, re.compile(self.config.group_page_regex))

    def permissions(self) -> Evaluator:
        """The ACL evaluator for the current ACL lines and group pages (rebuilt when they change)."""
        table = self.acl_table.current()
        cached = self._evaluator
        if cached is not None and cached[0] == table.token:
            return cached[1]
        evaluator = Evaluator(self.config.acl_rights_before, self.config.acl_rights_default,
                              self.config.acl_rights_after, Groups(table.groups, self.acl_table.group_pattern),
                              table.named())
        self._evaluator = (table.token, evaluator)
        return evaluator

    def reader(self, user: User | None = None, *, trusted_name: str = "") -> Reader:
        """The reader for a signed-in account (None: anonymous), or for a name the web server
        authenticated (trust_remote_user): that one counts as Trusted, as 1.9's HTTP auth."""
        if trusted_name:
            account = self.users.by_name(trusted_name)
            return self.permissions().reader(trusted_name, trusted=True, admin=bool(account and account.admin),
                                             user_id=account.id if account else "")
        if user is None:
            return ANONYMOUS
        return self.permissions().reader(user.name, admin=user.admin, user_id=user.id)

    def may(self, reader: Reader, right: str, name: str) -> bool:
        """May `reader` do `right` (read, write, delete, revert, admin) to page `name`?"""
        if reader.system:
            return True
        return self.permissions().may(reader, right, self.acl_table.current().acls.get(name))

    def require(self, reader: Reader, right: str, name: str) -> None:
        """PermissionDenied (SignInRequired for an anonymous reader) unless `reader` may."""
        if self.may(reader, right, name):
            return
        what = {"read": "read", "write": "change", "delete": "delete", "revert": "revert",
                "admin": "change the access control list of"}[right]
        if reader.known:
            raise PermissionDenied(f"You ({reader.name}) may not {what} the page {name!r}.")
        raise SignInRequired(f"You may not {what} the page {name!r} without signing in.")

    def visibility(self, reader: Reader) -> Visibility:
        """Which pages `reader` may read, as a test that costs a set lookup per name: those
        without an ACL line all answer as the default does; the others are the exceptions."""
        if reader.system:
            return EVERYTHING
        evaluator, table = self.permissions(), self.acl_table.current()
        # Kept per view class: a request asks several times (lists, links, the header), and a
        # wiki with thousands of ACL lines must not evaluate them all each time.
        key = (table.token, evaluator.principals(reader))
        found = self._visibility.get(key)
        if found is None:
            default = evaluator.may(reader, "read", None)
            exceptions = frozenset(name for name, lines in table.acls.items()
                                   if evaluator.may(reader, "read", lines) != default)
            found = Visibility(default, exceptions)
            if len(self._visibility) > 1000:
                self._visibility.clear()
            self._visibility[key] = found
        return found

    def read_check(self, reader: Reader) -> Callable[[str], bool]:
        """May `reader` read a page, for a few names at a time (a page's links, a template):
        evaluates only the names asked, against one snapshot of the ACLs. Lists use
        `visibility`, which evaluates every ACL line once per view class; under CGI that would
        be paid on every request, for every page view, in a wiki of thousands of ACL lines."""
        if reader.system or reader.admin:
            return lambda name: True
        evaluator, acls = self.permissions(), self.acl_table.current().acls
        answers: dict[str, bool] = {}

        def may_read(name: str) -> bool:
            found = answers.get(name)
            if found is None:
                found = answers[name] = evaluator.may(reader, "read", acls.get(name))
            return found

        return may_read

    def view_class(self, reader: Reader) -> str:
        """What rendered HTML may depend on of the reader: readers of one class may share it."""
        return hashlib.sha1("\x00".join(self.permissions().principals(reader)).encode("utf-8")).hexdigest()[:12]

    def readable(self, reader: Reader, pages: Sequence[str]) -> Sequence[str]:
        visible = self.visibility(reader)
        return pages if visible.everything else [name for name in pages if visible(name)]

    def pages_by_letter(self, reader: Reader) -> dict[str, PageList]:
        """The pages `reader` may read, grouped by first letter (`index_letter`), in order: made
        once per set of pages, state of the ACLs (an #acl line added to a page, a group's members
        changed: who may read what) and view class (for the page index of a large wiki)."""
        key = (self.store.pageset_token(), self.acl_table.current().token, self.view_class(reader))
        with self._lock:
            found = self._letters.get(key)
        if found is not None:
            return found
        grouped: dict[str, list[str]] = {}
        for name in self.readable(reader, self.store.list_pages()):
            grouped.setdefault(index_letter(name), []).append(name)
        found = {letter: PageList(names) for letter, names in grouped.items()}  # kept compact (see PageList)
        with self._lock:
            if len(self._letters) >= MAX_LETTER_INDEXES:
                self._letters.pop(next(iter(self._letters)))
            self._letters[key] = found
        return found

    def templates(self) -> list[str]:
        """Every page named ...Template (a new page may start from one), found once per set of
        pages: looking through 100,000 names took 19 ms of every search and every new page."""
        token = self.store.pageset_token()
        known = self._templates
        if known[0] != token:
            known = self._templates = (token, self.store.list_pages().ending_with(TEMPLATE_SUFFIX))
        return known[1]

    def readable_changes(self, reader: Reader, entries: list[LogEntry]) -> list[LogEntry]:
        visible = self.visibility(reader)
        return [entry for entry in entries if visible(entry.name)]

    # Accounts -------------------------------------------------------------

    @cached_property
    def users(self) -> UserStore:
        from wiki.users import UserStore

        return UserStore(self.config.data_dir / "user", self.acl_table.group_pattern)

    @cached_property
    def sessions(self) -> SessionStore:
        from wiki.sessions import SessionStore

        return SessionStore(self.config.data_dir / "sessions", self.config.session_days * 86400)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        from wiki.ratelimit import RateLimiter, parse_limits

        return RateLimiter(self.config.data_dir / "ratelimit.sqlite", parse_limits(self.config.rate_limits))

    def signed_in(self, token: str) -> tuple[User, Session] | None:
        """The account and session of a session cookie, if both are live (the account not
        disabled, its password unchanged since the session began)."""
        session = self.sessions.load(token)
        if session is None:
            return None
        user = self.users.get(session.user_id)
        if user is None or user.disabled or user.password_stamp != session.stamp:
            self.sessions.end(token)
            return None
        return user, session

    def display_name(self, entry: LogEntry) -> str:
        """Who made a logged change, as readers see it: the account's name, else the user id
        the log holds (such as the starter pages'), else empty (anonymous)."""
        if not entry.user_id:
            return ""
        return self.users.name_of(entry.user_id) or entry.user_id

    # Shared objects, built on first use (a CGI hit on a cached page needs none of them) ------

    @cached_property
    def render_cache(self) -> RenderCache:
        from wiki.rendercache import RenderCache

        return RenderCache(self.config.data_dir / "cache" / "html", lambda: len(self.store.list_pages()))

    @cached_property
    def links(self) -> LinkTable:
        from wiki.links import LinkTable

        return LinkTable(self.config.data_dir / "links", self.store.exists)

    @cached_property
    def sitemap_parts(self) -> ListCache:
        from wiki.listcache import ListCache

        return ListCache(self.config.data_dir / "cache" / "lists", self.store)

    @cached_property
    def drafts(self) -> DraftStore:
        from wiki.drafts import DraftStore

        return DraftStore(self.config.data_dir / "drafts")

    def themes(self) -> list[str]:
        """The names of the themes a person may choose."""
        from wiki.theme import available

        return available(self.config.themes_dir)

    def theme_named(self, name: str) -> Theme:
        """That theme, when it is one of `themes()`; else the configured one."""
        theme = self._themes.get(name)
        if theme is None:
            if not name or name not in self.themes():
                return self.theme
            with self._lock:
                theme = self._themes.setdefault(name, Theme.for_config(self.config, name))
        return theme

    def theme_for_version(self, version: str) -> Theme:
        """The theme whose static files a URL's version names (the configured one if none does)."""
        for theme in list(self._themes.values()):
            if theme.version == version:
                return theme
        for name in self.themes():  # a theme this process has not drawn a page with (CGI: none yet)
            if self.theme_named(name).version == version:
                return self.theme_named(name)
        return self.theme

    @property
    def renderer(self) -> Renderer:
        """This thread's renderer: Python-Markdown instances hold per-call state and are not thread-safe."""
        renderer: Renderer | None = getattr(self._local, "renderer", None)
        if renderer is None:
            from wiki.markup import Renderer  # Markdown, Pygments, nh3: only when a page is rendered

            renderer = self._local.renderer = Renderer(camelcase=self.config.camelcase_links,
                                                          default_markup=self.config.default_markup)
        return renderer

    @property
    def search_index(self) -> SearchIndex:
        if self._search_index is None:
            with self._lock:
                if self._search_index is None:
                    from wiki.search import SearchIndex  # Whoosh costs ~80 ms: only for searches and saves

                    self._search_index = SearchIndex(self.config.data_dir / "index", self.store)
        return self._search_index

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            with self._lock:
                if self._secret is None:
                    from wiki import auth  # secrets/random: only for forms, not for a cached view

                    self._secret = auth.load_secret(self.config.secret_key, self.config.data_dir)
        return self._secret

    # Rendering ------------------------------------------------------------

    def render_html(self, urls: Urls, page: PageRevision, reader: Reader = ANONYMOUS) -> tuple[str, bool]:
        """(Sanitised HTML, volatile) of a revision as `reader` sees it (links to pages they may
        not read look missing; Include and the lists leave those out), from the cache when
        nothing it depends on changed. Readers of one view class share the cached copy."""
        view = self.view_class(reader)
        key = self.render_key(urls.script_root, page, reader)
        cached = self.render_cache.get(page.name, page.revision, key, self.store.log_size(), view)
        if cached is not None:
            return cached
        rendered = self._render_and_store(urls, page, reader)
        return rendered.html, rendered.volatile

    def _render_and_store(self, urls: Urls, page: PageRevision, reader: Reader = ANONYMOUS) -> Rendered:
        rendered = self.renderer.render(page.text, self.link_context(urls, page.name, reader))
        log_size = self.store.log_size() if rendered.volatile else None
        self.render_cache.put(page.name, page.revision, self.render_key(urls.script_root, page, reader),
                              rendered.html, log_size, self.view_class(reader))
        return rendered

    def render_text(self, urls: Urls, name: str, text: str, reader: Reader = ANONYMOUS) -> str:
        return self.renderer.render(text, self.link_context(urls, name, reader)).html

    def link_context(self, urls: Urls, name: str, reader: Reader = ANONYMOUS) -> LinkContext:
        """What a render may know of the wiki: only what `reader` may read."""
        from wiki.attachments import AttachmentStore
        from wiki.markup import LinkContext

        readable = self.read_check(reader)
        attachments = AttachmentStore(self.store)

        # Links to pages are in the link table, so creating or deleting one re-stamps this page
        # (after_change). Anything else this page may show of the wiki makes it volatile.
        def follows_the_wiki() -> None:
            context.volatile = True

        def exists(page: str) -> bool:
            return readable(page) and self.store.exists(page)

        def attachment_exists(page: str, filename: str) -> bool:
            if page != name:  # its own attachments re-stamp it; another page's do not
                follows_the_wiki()
            return readable(page) and attachments.exists(page, filename)

        def list_pages() -> Sequence[str]:
            follows_the_wiki()
            return self.readable(reader, self.store.list_pages())

        def recent(count: int) -> list[LogEntry]:
            return self.readable_changes(reader, self.store.recent_changes(count * 4))[:count]

        def read_page(page: str) -> str | None:
            """A page's text for <<Include>>: None when it does not exist or `reader` may not read it."""
            if not readable(page):
                return None
            try:
                return self.store.read(page).text
            except PageNotFound:
                return None

        def attached(page: str) -> list[tuple[str, int]]:
            if page != name:
                follows_the_wiki()
            return [(item.name, item.size) for item in attachments.list(page)] if readable(page) else []

        def search(query: str, limit: int, deadline: float) -> list[str]:
            try:
                hits = self.search_index.search(query, visible=self.visibility(reader), deadline=deadline).hits
            except Exception:  # an index being rebuilt or damaged: the list is empty, the page shows
                log_failure(f"searching for the FullSearch macro on {name!r}")
                return []
            return [hit.name for hit in hits[:limit]]

        context = LinkContext(name, exists, urls.page_url, urls.edit_url, urls.attachment_url, urls.attachments_url,
                              attachment_exists, list_pages, recent, read_page, attached, search, self.interwiki,
                              urls.script_root)
        return context

    def interwiki(self) -> dict[str, str]:
        """Interwiki names and their URL prefixes: a few well-known ones, then data_dir/intermap.txt
        (MoinMoin 1.9's file: `Name URL` lines; `$PAGE` marks where the page name goes)."""
        from wiki.atomic import read_small

        path = self.config.data_dir / "intermap.txt"
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = 0
        if self._intermap is None or self._intermap[0] != stamp:
            table = dict(INTERWIKI)
            if stamp:
                try:
                    for line in read_small(str(path)).decode("utf-8", "replace").splitlines():
                        parts = line.split()
                        if len(parts) >= 2 and not line.startswith("#") and re.fullmatch(r"[A-Za-z][\w-]*", parts[0]):
                            table[parts[0]] = parts[1]
                except OSError:
                    pass
            self._intermap = (stamp, table)
        return self._intermap[1]

    # Changing the wiki: every change goes through one of these, so none can skip the checks
    # before it (rights, rate limits, spam) or the work after it.

    def _allowed_change(self, reader: Reader, author: Author, *rights: tuple[str, str]) -> None:
        """Refuse a change unless `reader` holds every (right, page), within the rate limits."""
        self.require_writable()
        for right, name in rights:
            self.require(reader, right, name)
        if not reader.system:
            self.rate_limiter.hit("save", self._counted_as(reader, author))

    @staticmethod
    def _counted_as(reader: Reader, author: Author) -> str:
        """Who a rate limit counts: the account when signed in (an office behind one address is
        many people), else the address."""
        return f"user:{reader.name}" if reader.known else author.address

    def allow_preview(self, reader: Reader, author: Author) -> None:
        """A preview renders like a view that no cache holds: each counts against `preview`'s limit."""
        if not reader.system:
            self.rate_limiter.hit("preview", self._counted_as(reader, author))

    def _check_acl_change(self, reader: Reader, name: str, old: str, new: str) -> None:
        """Changing a page's #acl lines (adding, removing or editing them) takes the admin right."""
        if acl_lines_differ(old, new):
            self.require(reader, "admin", name)

    def _check_spam(self, reader: Reader, name: str, old: str, new: str) -> None:
        """BadContent's patterns against what the save adds; not for the pattern pages themselves,
        nor for whoever may change the page's ACL (they are trusted with more than that)."""
        from wiki import spam

        if name in spam.BAD_CONTENT_PAGES or self.may(reader, "admin", name):
            return
        texts = []
        for page in spam.BAD_CONTENT_PAGES:
            try:
                texts.append(self.store.read(page).text)
            except PageNotFound:
                continue
        spam.check(spam.patterns(texts), spam.added_lines(old, new))

    def _current_text(self, name: str) -> str:
        try:
            return self.store.read(name).text
        except PageNotFound:
            return ""

    def save(self, urls: Urls | None, name: str, text: str, *, base_revision: int, author: Author,
             reader: Reader, comment: str = "", action: str = SAVE, extra: str = "",
             merge: Merger | None = None) -> int:
        """Store a revision (see PageStore.save) if `reader` may, then bring what is derived up to date.
        The checks read the text in its stored form (wiki/text.py), the merged text's too."""
        text = stored_form(text)
        self._allowed_change(reader, author, ("write", name), *([("revert", name)] if action == REVERT else []))
        old = self._current_text(name)
        self._check_acl_change(reader, name, old, text)
        self._check_spam(reader, name, old, text)
        existed = self.store.exists(name)
        checked_merge = merge
        if merge is not None:
            def checked_merge(base: str, latest: str, revision: int) -> tuple[str, str]:
                merged_text, merged_comment = merge(base, latest, revision)
                merged_text = stored_form(merged_text)  # its ACL lines, as stored, are what get saved
                self._check_acl_change(reader, name, latest, merged_text)
                self._check_spam(reader, name, latest, merged_text)
                return merged_text, merged_comment
        revision = self.store.save(name, text, base_revision=base_revision, author=author, comment=comment,
                                   action=action, extra=extra, merge=checked_merge)
        self.after_change(urls, name, appeared_or_went=[] if existed else [name])
        return revision

    def delete(self, urls: Urls | None, name: str, *, base_revision: int, author: Author, reader: Reader,
               comment: str = "") -> int:
        self._allowed_change(reader, author, ("delete", name))
        revision = self.store.delete(name, base_revision=base_revision, author=author, comment=comment)
        self.after_change(urls, name, appeared_or_went=[name])
        return revision

    def rename(self, urls: Urls | None, old: str, new: str, *, base_revision: int, author: Author, reader: Reader,
               comment: str = "", update_links: bool = False) -> list[str]:
        """Move a page with its history (taking delete and write on the old name, write on the
        new); with `update_links`, point the links to it at the new name in the pages `reader`
        may change (each rewrite a normal revision). Returns every page changed."""
        self._allowed_change(reader, author, ("delete", old), ("write", old), ("write", new))
        self.store.rename(old, new, base_revision=base_revision, author=author, comment=comment)
        changed = [old, new]
        try:
            if update_links:
                changed += self._point_links_at(old, new, author, reader)
        finally:
            self.after_change(urls, *changed, appeared_or_went=[old, new])
        return changed

    def link_sources(self, reader: Reader, name: str) -> tuple[list[str], list[str]]:
        """The pages linking to `name` that `reader` may read: (those they may change, the others)."""
        sources = sorted(self.readable(reader, list(self.links.incoming(name))), key=str.casefold)
        writable = [source for source in sources if self.may(reader, "write", source)]
        return writable, [source for source in sources if source not in writable]

    def _point_links_at(self, old: str, new: str, author: Author, reader: Reader) -> list[str]:
        """Rewrite [[links]] to `old` in every page that has them and `reader` may change. A page
        being saved right now (or that the disk will not take) keeps its link, which still says
        where the page went."""
        from wiki.links import rewrite_links

        updated = []
        for source in self.link_sources(reader, old)[0]:
            try:
                page = self.store.read(source)
            except PageNotFound:
                continue
            text = rewrite_links(page.text, source, old, new, self.config.camelcase_links)
            if text == page.text or acl_lines_differ(page.text, text):
                continue
            try:
                self.store.save(source, text, base_revision=page.revision, author=author,
                                comment=f"Links to {old} now lead to {new}")
            except (EditConflict, PageBusy, StorageFull, StorageUnavailable):
                continue
            updated.append(source)
        return updated

    def attach(self, urls: Urls | None, name: str, filename: str, data: IO[bytes], *, author: Author,
               reader: Reader, limit: int) -> str:
        from wiki.attachments import AttachmentStore, AttachmentTotal

        self._allowed_change(reader, author, ("write", name))
        files, total = AttachmentStore(self.store), AttachmentTotal(self.store)
        config = self.config

        def within_quotas(size: int) -> None:
            """The limits on what attachments take (replaced versions count): the page's, every
            page's together, and what one account or address uploads in a day (one client once
            kept 39 MB of versions of one file, and could add 600 MB every 10 minutes)."""
            if config.page_attachments_bytes and files.bytes_of(name) + size > config.page_attachments_bytes:
                raise QuotaExceeded(f"The attachments of {name!r} may take at most {config.page_attachments_bytes:,} "
                                    f"bytes (old versions of replaced files count); this file would pass that. "
                                    "Nothing was stored.")
            if config.attachments_bytes and total.current() + size > config.attachments_bytes:
                raise QuotaExceeded(f"All attachments of this wiki may take at most {config.attachments_bytes:,} "
                                    "bytes; this file would pass that. Nothing was stored.")
            if config.upload_bytes_per_day and not reader.system:
                spent = self.rate_limiter.spend(f"upload:{self._counted_as(reader, author)}", size,
                                                config.upload_bytes_per_day, 86400)
                if spent is not None:
                    raise QuotaExceeded(f"Uploads are limited to {config.upload_bytes_per_day:,} bytes a day "
                                        f"{'per account' if reader.known else 'from one address'}; {spent:,} are used. "
                                        "Nothing was stored.")

        sizes: list[int] = []

        def counted(size: int) -> None:
            within_quotas(size)
            sizes.append(size)

        stored = files.add(name, filename, data, author=author, limit=limit, quota=counted)
        try:
            total.add(sizes[0])
        except OSError:  # derived: counted again from the folders when it is wrong or missing
            log_failure(f"counting {stored!r} of {name!r} in {total.path}")
            total.path.unlink(missing_ok=True)
        self.after_change(urls, name, appeared_or_went=[])
        return stored

    def detach(self, urls: Urls | None, name: str, filename: str, *, author: Author, reader: Reader) -> None:
        from wiki.attachments import AttachmentStore

        self._allowed_change(reader, author, ("delete", name))
        AttachmentStore(self.store).delete(name, filename, author=author)
        self.after_change(urls, name, appeared_or_went=[])

    # After a change -------------------------------------------------------

    def after_change(self, urls: Urls | None, *changed: str, appeared_or_went: Iterable[str] | None = None) -> None:
        """Bring what is derived from the store up to date after pages changed: the stamps of
        the pages whose views show them, the link table, their rendered HTML (so the next view
        is a cache hit) and the search index. `appeared_or_went`: the changed pages that were
        created, deleted or renamed (None: any may have been), whose linkers' red or blue links
        change; a changed page's own stamp changes too (its attachments may have).

        The change itself is already stored: a failure here is logged and never raised. The
        page is marked pending, so the next recovery pass (or `wiki check --repair`) redoes it.
        """
        reshaped = list(changed if appeared_or_went is None else appeared_or_went)
        try:
            linkers = {source for name in reshaped for source in self.links.incoming(name)}
            self.stamps.touch(sorted(linkers | set(changed)))
        except Exception:  # (a read of the link table that failed, too: the save is stored)
            log_failure(f"{', '.join(map(repr, changed))} saved, but the views showing it could not be marked stale")
            for name in changed:
                self.store.mark_pending(name)
        for name in changed:
            try:
                self._record_links(urls, name)
                if name in reshaped:
                    self.links.existence_changed(name)
                self.sitemap_parts.page_changed(name)
            except Exception:
                log_failure(f"{name!r} is saved, but updating its links and cache failed")
                self.store.mark_pending(name)
        for name in reshaped:
            self._drop_cached_output(name)
        try:
            self.search_index.catch_up(wait=AFTER_CHANGE_INDEX_WAIT)
        except Exception:
            log_failure("a change is saved, but the search index could not catch up (the next search retries)")

    def _drop_cached_output(self, name: str) -> None:
        """A page that is gone (deleted, renamed away) leaves no rendered HTML or stored response
        behind: nothing would ever serve them, and `wiki check` names leftovers (best effort)."""
        from wiki import names

        try:
            if self.store.exists(name):
                return
            prefix = names.quote_fs(name) + "."
            for folder in (self.config.data_dir / "cache" / "html", self.config.data_dir / "cache" / "pages"):
                try:
                    entries = list(os.scandir(folder))
                except FileNotFoundError:
                    continue
                for entry in entries:
                    if entry.name.startswith(prefix):
                        os.unlink(entry.path)
        except OSError:
            log_failure(f"removing the cached output of {name!r}, which is gone")

    def _record_links(self, urls: Urls | None, name: str) -> None:
        try:
            page = self.store.read(name)
        except PageNotFound:
            self.links.record(name, ())
            return
        if urls is not None:
            self.links.record(name, self._render_and_store(urls, page).links)
        else:  # no request (recovery, the command line): find the links without URLs or caching
            self.links.record(name, self.renderer.links(name, page.text, self.store.exists))

    def recover(self, force: bool = False) -> list[str]:
        """Finish changes a killed process left half done, then their derived work. At most once
        a second unless `force`d: cheap enough to call on every request of a long-running server."""
        now = time.monotonic()
        if not force and now < self._next_recovery:
            return []
        self._next_recovery = now + RECOVERY_INTERVAL
        if not self.store.has_pending():
            return []
        try:
            recovered = self.store.recover_pending()
        except OSError:
            log_failure("recovering half-saved pages failed (retried on the next request)")
            return []
        if recovered:
            self.after_change(None, *recovered)
        return recovered

    def require_writable(self) -> None:
        if self.config.read_only:
            raise PermissionDenied("This wiki is read-only: changes are switched off.")

