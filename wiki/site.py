"""The services of one wiki, wired once: store, caches, renderer per thread, search, links.

The app, the CGI fast path and the command line all build a `Site` and use it; nothing
else wires these together. It owns the three things that were kept in several places
and drifted: every cache key (`cache_key`), the work after a change (`after_change`),
and recovery from a killed change (`recover`). Importing it loads only the standard
library: Markdown, Whoosh and Mako open on first use.
"""
from __future__ import annotations

import hashlib
import sys
import threading
import time
from functools import cached_property

from wiki import __version__
from wiki.config import Config
from wiki.editlog import SAVE
from wiki.errors import (
    EditConflict,
    PageBusy,
    PageNotFound,
    PermissionDenied,
    StorageFull,
    StorageUnavailable,
)
from wiki.pagecache import PageCache
from wiki.storage import Author, Merger, PageRevision, PageStore
from wiki.theme import Theme

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing on every CGI hit
if TYPE_CHECKING:
    from typing import IO, Protocol

    from wiki.drafts import DraftStore
    from wiki.links import LinkTable
    from wiki.markup import LinkContext, Rendered, Renderer
    from wiki.rendercache import RenderCache
    from wiki.search import SearchIndex

    class Urls(Protocol):
        """Where links lead: a request (any mount point) or an export."""

        @property
        def script_root(self) -> str: ...

        def page_url(self, name: str) -> str: ...
        def edit_url(self, name: str) -> str: ...
        def attachment_url(self, name: str, filename: str) -> str: ...
        def attachments_url(self, name: str) -> str: ...

RECOVERY_INTERVAL = 1.0  # seconds between looks at pending/ in a long-running process
# A save waits this long for another process's index commit before it answers; past it, the
# next search or save takes its change in (measured: waiting 0.2 s made saves' p50 225 ms).
AFTER_CHANGE_INDEX_WAIT = 0.05


def log_failure(what: str) -> None:
    """Tell the operator (stderr: the server's error log) about derived work that failed."""
    import traceback  # only on a failure: a CGI request would pay ~4 ms for it at start-up

    print(f"flatwiki: {what}:\n{traceback.format_exc()}", file=sys.stderr, flush=True)


class Site:
    """One configured wiki's services; cheap to build (CGI builds one per request)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = PageStore(config.data_dir, lock_timeout=config.lock_timeout)
        self.theme = Theme.for_config(config)
        self.page_cache = PageCache(config.data_dir / "cache" / "pages", self.store, self.cache_key,
                                    config.trusted_host_list())
        self._config_print = hashlib.sha1(repr(config).encode("utf-8")).hexdigest()
        self._local = threading.local()
        self._lock = threading.Lock()  # guards the lazily built shared objects below
        self._secret: bytes | None = None
        self._search_index: SearchIndex | None = None
        self._next_recovery = 0.0

    # Keys -----------------------------------------------------------------

    def cache_key(self, script_root: str, *parts: str) -> str:
        """The one cache key: whatever a stored page or response depends on besides `parts`
        (the frozen config, this release, the theme's files, the set of pages, the mount point)."""
        fixed = [__version__, self._config_print, self.theme.version, self.store.pageset_token(), script_root]
        return hashlib.sha1("\x00".join([*fixed, *parts]).encode("utf-8")).hexdigest()[:20]

    def page_etag(self, script_root: str, name: str, revision: int, volatile: bool = False, note: str = "") -> str:
        """A page view's ETag; a volatile page's also follows the edit-log, and a `note`
        (such as "redirected from") makes a view of its own."""
        extra = (str(self.store.log_size()) if volatile else "") + (f"|{note}" if note else "")
        return self.page_cache.page_key(script_root, name, revision, extra)

    def render_key(self, script_root: str, page: PageRevision) -> str:
        from wiki.rendercache import RENDERER_VERSION

        return self.cache_key(script_root, "html", RENDERER_VERSION, page.name, str(page.revision))

    # Shared objects, built on first use (a CGI hit on a cached page needs none of them) ------

    @cached_property
    def render_cache(self) -> RenderCache:
        from wiki.rendercache import RenderCache

        return RenderCache(self.config.data_dir / "cache" / "html")

    @cached_property
    def links(self) -> LinkTable:
        from wiki.links import LinkTable

        return LinkTable(self.config.data_dir / "links")

    @cached_property
    def drafts(self) -> DraftStore:
        from wiki.drafts import DraftStore

        return DraftStore(self.config.data_dir / "drafts")

    @property
    def renderer(self) -> Renderer:
        """This thread's renderer: Python-Markdown instances hold per-call state and are not thread-safe."""
        renderer: Renderer | None = getattr(self._local, "renderer", None)
        if renderer is None:
            from wiki.markup import Renderer  # Markdown, Pygments, nh3: only when a page is rendered

            renderer = self._local.renderer = Renderer(camelcase=self.config.camelcase_links)
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

    def render_html(self, urls: Urls, page: PageRevision) -> tuple[str, bool]:
        """(Sanitised HTML, volatile) of a revision, from the cache when nothing it depends on changed."""
        key = self.render_key(urls.script_root, page)
        cached = self.render_cache.get(page.name, page.revision, key, self.store.log_size())
        if cached is not None:
            return cached
        rendered = self._render_and_store(urls, page)
        return rendered.html, rendered.volatile

    def _render_and_store(self, urls: Urls, page: PageRevision) -> Rendered:
        rendered = self.renderer.render(page.text, self.link_context(urls, page.name))
        log_size = self.store.log_size() if rendered.volatile else None
        self.render_cache.put(page.name, page.revision, self.render_key(urls.script_root, page), rendered.html,
                              log_size)
        return rendered

    def render_text(self, urls: Urls, name: str, text: str) -> str:
        return self.renderer.render(text, self.link_context(urls, name)).html

    def link_context(self, urls: Urls, name: str) -> LinkContext:
        from wiki.attachments import AttachmentStore
        from wiki.markup import LinkContext

        return LinkContext(name, self.store.exists, urls.page_url, urls.edit_url, urls.attachment_url,
                           urls.attachments_url, AttachmentStore(self.store).exists, self.store.list_pages,
                           self.store.recent_changes, self._readable_text)

    def _readable_text(self, name: str) -> str | None:
        """A page's text for <<Include>>: None when it does not exist (or, once there are
        read permissions, when this reader may not see it)."""
        try:
            return self.store.read(name).text
        except PageNotFound:
            return None

    # Changing the wiki: every change goes through one of these, so none can skip the work after it

    def save(self, urls: Urls | None, name: str, text: str, *, base_revision: int, author: Author,
             comment: str = "", action: str = SAVE, extra: str = "", merge: Merger | None = None) -> int:
        """Store a revision (see PageStore.save), then bring what is derived up to date."""
        revision = self.store.save(name, text, base_revision=base_revision, author=author, comment=comment,
                                   action=action, extra=extra, merge=merge)
        self.after_change(urls, name)
        return revision

    def delete(self, urls: Urls | None, name: str, *, base_revision: int, author: Author, comment: str = "") -> int:
        revision = self.store.delete(name, base_revision=base_revision, author=author, comment=comment)
        self.after_change(urls, name)
        return revision

    def rename(self, urls: Urls | None, old: str, new: str, *, base_revision: int, author: Author,
               comment: str = "", update_links: bool = False) -> list[str]:
        """Move a page with its history; with `update_links`, point the links to it at the new
        name (each rewrite a normal revision). Returns every page changed."""
        self.store.rename(old, new, base_revision=base_revision, author=author, comment=comment)
        changed = [old, new]
        try:
            if update_links:
                changed += self._point_links_at(old, new, author)
        finally:
            self.after_change(urls, *changed)
        return changed

    def _point_links_at(self, old: str, new: str, author: Author) -> list[str]:
        """Rewrite [[links]] to `old` in every page that has them. A page being saved right now
        (or that the disk will not take) keeps its link, which still says where the page went."""
        from wiki.links import rewrite_links

        updated = []
        for source in sorted(self.links.incoming(old)):
            try:
                page = self.store.read(source)
            except PageNotFound:
                continue
            text = rewrite_links(page.text, source, old, new, self.config.camelcase_links)
            if text == page.text:
                continue
            try:
                self.store.save(source, text, base_revision=page.revision, author=author,
                                comment=f"Links to {old} now lead to {new}")
            except (EditConflict, PageBusy, StorageFull, StorageUnavailable):
                continue
            updated.append(source)
        return updated

    def attach(self, urls: Urls | None, name: str, filename: str, data: IO[bytes], *, author: Author,
               limit: int) -> str:
        from wiki.attachments import AttachmentStore

        stored = AttachmentStore(self.store).add(name, filename, data, author=author, limit=limit)
        self.after_change(urls, name)
        return stored

    def detach(self, urls: Urls | None, name: str, filename: str, *, author: Author) -> None:
        from wiki.attachments import AttachmentStore

        AttachmentStore(self.store).delete(name, filename, author=author)
        self.after_change(urls, name)

    # After a change -------------------------------------------------------

    def after_change(self, urls: Urls | None, *changed: str) -> None:
        """Bring what is derived from the store up to date after pages changed: the link table,
        their rendered HTML (so the next view is a cache hit) and the search index.

        The change itself is already stored: a failure here is logged and never raised. The
        page is marked pending, so the next recovery pass (or `wiki check --repair`) redoes it.
        """
        for name in changed:
            try:
                self._record_links(urls, name)
            except Exception:
                log_failure(f"{name!r} is saved, but updating its links and cache failed")
                self.store.mark_pending(name)
        try:
            self.search_index.catch_up(wait=AFTER_CHANGE_INDEX_WAIT)
        except Exception:
            log_failure("a change is saved, but the search index could not catch up (the next search retries)")

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

