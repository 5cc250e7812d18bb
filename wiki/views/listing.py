"""Views over many pages: recent changes and the page index."""
from __future__ import annotations

import time
from typing import TypeVar

from werkzeug.wrappers import Response

from wiki.editlog import LogEntry
from wiki.errors import BadRequest
from wiki.site import Site
from wiki.views.base import WikiRequest, int_arg, themed

RECENT_DEFAULT, RECENT_MAX = 100, 1000


def recent_window(request: WikiRequest) -> tuple[int, int | None, int]:
    """(count, days, since in µs) from ?count= and ?days= (0 days: no limit)."""
    limit = min(int_arg(request, "count", RECENT_DEFAULT) or RECENT_DEFAULT, RECENT_MAX)
    days = int_arg(request, "days")
    since = int((time.time() - days * 86400) * 1_000_000) if days else 0
    return limit, days, since


def recent_for(wiki: Site, request: WikiRequest, limit: int, since: int) -> list[LogEntry]:
    """The newest `limit` changes of pages this reader may read (read further back for them
    when some are hidden, up to a bound: a reader who may read nothing costs little)."""
    wanted = limit
    for _ in range(4):
        entries = wiki.store.recent_changes(wanted, since)
        shown = wiki.readable_changes(request.reader, entries)
        if len(shown) >= limit or len(entries) < wanted:
            return shown[:limit]
        wanted *= 4
    return shown[:limit]


def recent_changes(wiki: Site, request: WikiRequest) -> Response:
    """The newest changes from the global edit-log, newest first, grouped by day."""
    limit, days, since = recent_window(request)
    entries = recent_for(wiki, request, limit, since)
    response = themed(wiki, request, "recent_changes.mako", title="Recent changes", entries=entries, limit=limit,
                      days=days)
    response.headers["Cache-Control"] = "no-cache"
    response.cacheable = True  # type: ignore[attr-defined]  # pagecache.py keys it on what it shows
    return response


T = TypeVar("T")
INDEX_ALL = 2000  # up to this many pages, the index is one page; past it, a letter at a time
INDEX_PAGE = 1000  # names on one page of a letter: no answer grows with the wiki


def index_letter(name: str) -> str:
    first = name[:1].upper()
    return first if first.isalpha() else "#"


LIST_PAGE = 500  # orphaned or wanted pages on one page of the list
WANTED_BY = 20  # pages named as wanting one wanted page


def _one_page(request: WikiRequest, items: list[T]) -> tuple[list[T], int, int]:
    """The ?page=N slice of a long list: (items shown, N, number of pages); 400 past the end."""
    count = max(1, -(-len(items) // LIST_PAGE))
    number = int_arg(request, "page", 1) or 1
    if not 1 <= number <= count:
        raise BadRequest(f"This list has {count} page{'s' if count > 1 else ''}.")
    return items[(number - 1) * LIST_PAGE:number * LIST_PAGE], number, count


def page_index(wiki: Site, request: WikiRequest) -> Response:
    """Every existing page, alphabetically: all at once in a small wiki; else one letter (and
    INDEX_PAGE names) at a time, under a bar of the letters with their counts."""
    pages = wiki.readable(request.reader, wiki.store.list_pages())
    counts: dict[str, int] = {}
    for name in pages:
        key = index_letter(name)
        counts[key] = counts.get(key, 0) + 1
    chosen = request.args.get("letter")
    number = int_arg(request, "page", 1) or 1
    if chosen is None and len(pages) <= INDEX_ALL:
        shown, pages_count = pages, 1
    else:
        if chosen is None:
            chosen = next(iter(counts), "")
        if chosen not in counts:
            raise BadRequest(f"There are no pages under {chosen!r}; choose one of the letters.")
        under = [name for name in pages if index_letter(name) == chosen]
        pages_count = max(1, -(-len(under) // INDEX_PAGE))
        if not 1 <= number <= pages_count:
            raise BadRequest(f"The pages under {chosen!r} fill {pages_count} pages of the index.")
        shown = under[(number - 1) * INDEX_PAGE:number * INDEX_PAGE]
    response = themed(wiki, request, "page_index.mako", title="Page index", pages=shown, total=len(pages),
                      letters=list(counts.items()), letter=chosen, number=number, pages_count=pages_count)
    response.headers["Cache-Control"] = "no-cache"
    response.cacheable = not request.args  # type: ignore[attr-defined]  # pagecache.py keys it on what it shows
    return response


def orphaned_pages(wiki: Site, request: WikiRequest) -> Response:
    """Existing pages that no page links to (the front page aside)."""
    visible = wiki.visibility(request.reader)
    # Linked from a page this reader may read: a link in a hidden page is not shown to exist.
    linked = {target for target, sources in wiki.links.linked_targets().items() if any(map(visible, sources))}
    orphans = [name for name in wiki.readable(request.reader, wiki.store.list_pages())
               if name not in linked and name != wiki.config.front_page]
    shown, number, count = _one_page(request, orphans)
    response = themed(wiki, request, "orphaned_pages.mako", title="Orphaned pages", pages=shown, total=len(orphans),
                      number=number, pages_count=count)
    response.headers["Cache-Control"] = "no-cache"
    return response


def wanted_pages(wiki: Site, request: WikiRequest) -> Response:
    """Pages that are linked to but do not exist, with the pages that want them."""
    visible = wiki.visibility(request.reader)
    wanted = []
    for target, sources in wiki.links.linked_targets().items():
        shown = sorted(filter(visible, sources), key=str.casefold)  # only the wanting pages they may read
        if shown and not (visible(target) and wiki.store.exists(target)):
            wanted.append((target, shown))
    wanted.sort(key=lambda item: (-len(item[1]), item[0].casefold()))
    listed, number, count = _one_page(request, wanted)
    # A page wanted by thousands names the first WANTED_BY of them (and how many there are).
    response = themed(wiki, request, "wanted_pages.mako", title="Wanted pages",
                      wanted=[(target, sources[:WANTED_BY], len(sources)) for target, sources in listed],
                      total=len(wanted), number=number, pages_count=count)
    response.headers["Cache-Control"] = "no-cache"
    return response
