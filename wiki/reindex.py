"""`wiki reindex`: rebuild everything derived from the store, reading each page once.

The search index, the link table and the ACL table each need every page's text. At
100,000 pages reading them three times (and the stat of every link target on the way)
was a fifth of the rebuild, so the search build hands each page's text, as it reads it,
to the link scan and the ACL table (see `PageScan`). Each table is then written whole
and swapped in, and takes in the pages saved since the pass began from the edit-log,
as a catch-up always does: the wiki keeps serving throughout.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from wiki.acltable import AclTable
from wiki.config import Config
from wiki.errors import PageNotFound
from wiki.links import LinkTable
from wiki.markup import Renderer
from wiki.search import SearchIndex
from wiki.stamps import PageStamps
from wiki.storage import PageStore

Progress = Callable[[str, str], Callable[[int, int], None]]  # (label, unit) -> progress(done, total)


class PageScan:
    """What the link table and the ACL table take from each page's text, told it page by page."""

    def __init__(self, config: Config, store: PageStore, acl_table: AclTable, out: TextIO) -> None:
        self.store = store
        self.acl_table = acl_table
        self.out = out
        self.renderer = Renderer(camelcase=config.camelcase_links, lean=True, default_markup=config.default_markup)
        self.links: dict[str, frozenset[str]] = {}
        self.acls: dict[str, list[str]] = {}
        self.groups: dict[str, list[str]] = {}
        self.skipped: list[str] = []
        self.seen: set[str] = set()

    def __call__(self, name: str, text: str | None) -> None:
        self.seen.add(name)
        try:
            self.links[name] = _links(self.renderer, self.store, name, text)
        except Exception as error:  # one bad page must not stop the rest; it is named
            print(f"\nlink table: skipped {name!r}: {error!r}", file=self.out)
            self.skipped.append(name)
        self.acl_table.take(name, self.acls, self.groups, text)


def record_links(config: Config, pages: Sequence[str], progress: Callable[[int, int], None] | None = None,
                 out: TextIO = sys.stderr, full: bool = False) -> list[str]:
    """Record in the link table what each of `pages` links to now (after a change the table
    missed). A page that cannot be read is named on `out` and skipped; returns those skipped."""
    store = PageStore(config.data_dir)
    table = LinkTable(config.data_dir / "links", store.exists)
    renderer = Renderer(camelcase=config.camelcase_links, lean=True, default_markup=config.default_markup)  # links only: no Pygments
    skipped = []
    for count, name in enumerate(pages, 1):
        try:
            try:
                text = store.read(name).text
            except PageNotFound:
                text = ""
            table.record(name, _links(renderer, store, name, text), full=full)
        except Exception as error:  # one bad page must not stop the rest; it is named
            print(f"\nlink table: skipped {name!r}: {error!r}", file=out)
            skipped.append(name)
        if progress:
            progress(count, len(pages))
    return skipped


def _links(renderer: Renderer, store: PageStore, name: str, text: str | None) -> frozenset[str]:
    return renderer.links(name, text, store.exists) if text else frozenset()


def reindex(config: Config, progress: Progress | None = None, out: TextIO | None = None) -> int:
    """Rebuild the search index, the link table and the ACL table from the store; what took how
    long is told to `out` (standard output by default)."""
    out = out or sys.stdout
    store = PageStore(config.data_dir)
    acl_table = AclTable(store, re.compile(config.group_page_regex))
    scan = PageScan(config, store, acl_table, sys.stderr)
    begun = store.log_size()  # what is logged from here on is read again below
    held = store.pending_names()  # changes under way: their log lines may lie before `begun`
    started = time.monotonic()
    SearchIndex(config.data_dir / "index", store).rebuild(
        progress=progress("search index", "pages") if progress else None, each=scan)
    print(f"Search index rebuilt in {time.monotonic() - started:.1f} s "
          f"({len(scan.seen)} pages read once for it, the link table and the ACL table).", file=out)

    started = time.monotonic()
    fresh, old = config.data_dir / f"links.new-{os.getpid()}", config.data_dir / f"links.old-{os.getpid()}"
    LinkTable(fresh, store.exists).write_fresh(scan.links, set(store.list_pages()),
                                               progress("link table  ", "lists") if progress else None)
    if (config.data_dir / "links").exists():
        os.rename(config.data_dir / "links", old)
    os.rename(fresh, config.data_dir / "links")
    shutil.rmtree(old, ignore_errors=True)
    # Pages saved while the pass ran recorded their links into the old table: again, in the new.
    changed = held | set(scan.skipped) | {entry.name for entry, _ in store.read_log_since(begun)}
    record_links(config, sorted(changed), full=True)
    PageStamps(config.data_dir / "cache" / "stamps").touch_all(store.list_pages())  # the new table may differ
    print(f"Link table rebuilt in {time.monotonic() - started:.1f} s.", file=out)

    acl_table.replace(scan.acls, scan.groups, scan.seen, begun)  # then caught up from `begun`
    print("ACL table rebuilt.", file=out)
    return 0
