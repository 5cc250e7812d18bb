"""Views over many pages: recent changes and the page index."""
from __future__ import annotations

import time
from typing import TypeVar

from werkzeug.wrappers import Response

from wiki.editlog import LogEntry
from wiki.errors import BadRequest
from wiki.names import page_order
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


LIST_PAGE = 200  # orphaned or wanted pages on one page of the list (a wanted one names its wanters: about 60 KB)
WANTED_BY = 10  # pages named as wanting one wanted page


def _page_number(request: WikiRequest, total: int) -> tuple[int, int]:
    """The ?page=N of a long list of `total` items: (N, number of pages); 400 past the end."""
    count = max(1, -(-total // LIST_PAGE))
    number = int_arg(request, "page", 1) or 1
    if not 1 <= number <= count:
        raise BadRequest(f"This list has {count} page{'s' if count > 1 else ''}.")
    return number, count


def _one_page(request: WikiRequest, items: list[T]) -> tuple[list[T], int, int]:
    """The ?page=N slice of a long list: (items shown, N, number of pages); 400 past the end."""
    number, count = _page_number(request, len(items))
    return items[(number - 1) * LIST_PAGE:number * LIST_PAGE], number, count


def page_index(wiki: Site, request: WikiRequest) -> Response:
    """Every existing page, alphabetically: all at once in a small wiki; else one letter (and
    INDEX_PAGE names) at a time, under a bar of the letters with their counts."""
    by_letter = wiki.pages_by_letter(request.reader)
    counts = {letter: len(names) for letter, names in by_letter.items()}
    total = sum(counts.values())
    chosen = request.args.get("letter")
    number = int_arg(request, "page", 1) or 1
    if chosen is None and total <= INDEX_ALL:
        shown, pages_count = [name for names in by_letter.values() for name in names], 1
        shown.sort(key=page_order)
    else:
        if chosen is None:
            chosen = next(iter(counts), "")
        if chosen not in counts:
            raise BadRequest(f"There are no pages under {chosen!r}; choose one of the letters.")
        under = by_letter[chosen]
        pages_count = max(1, -(-len(under) // INDEX_PAGE))
        if not 1 <= number <= pages_count:
            raise BadRequest(f"The pages under {chosen!r} fill {pages_count} pages of the index.")
        shown = under[(number - 1) * INDEX_PAGE:number * INDEX_PAGE]
    response = themed(wiki, request, "page_index.mako", title="Page index", pages=shown, total=total,
                      letters=list(counts.items()), letter=chosen, number=number, pages_count=pages_count)
    response.headers["Cache-Control"] = "no-cache"
    response.cacheable = not request.args  # type: ignore[attr-defined]  # pagecache.py keys it on what it shows
    return response


def orphaned_pages(wiki: Site, request: WikiRequest) -> Response:
    """Existing pages that no page links to (the front page aside), from the list the link
    table keeps; for a reader who may not read every page, adjusted by the few it differs in."""
    visible = wiki.visibility(request.reader)
    if visible.everything:
        listed = wiki.links.orphans()  # (in name order already)
    elif visible.default:  # a few pages hidden: pages linked only from them are orphans to this reader
        orphans = set(wiki.links.orphans())
        for hidden in visible.exceptions:
            for target in wiki.links.outgoing(hidden):
                if not any(map(visible, wiki.links.incoming(target))) and wiki.store.exists(target):
                    orphans.add(target)
        listed = sorted((name for name in orphans if visible(name)), key=page_order)
    else:  # only a few pages shown: their own links decide
        linked = {target for shown in visible.exceptions for target in wiki.links.outgoing(shown)}
        listed = sorted((name for name in visible.exceptions if name not in linked and wiki.store.exists(name)),
                        key=page_order)
    listed = [name for name in listed if name != wiki.config.front_page]
    shown, number, count = _one_page(request, listed)
    response = themed(wiki, request, "orphaned_pages.mako", title="Orphaned pages", pages=shown, total=len(listed),
                      number=number, pages_count=count)
    response.headers["Cache-Control"] = "no-cache"
    return response


def wanted_pages(wiki: Site, request: WikiRequest) -> Response:
    """Pages that are linked to but do not exist, most wanted first, with the pages that want
    them: from the list the link table keeps; for a reader who may not read every page, the
    wanting pages they may read, and the pages they may not read count as missing."""
    visible = wiki.visibility(request.reader)
    if visible.everything:  # a page of the kept list, and of each wanted page's wanters as kept
        total = wiki.links.wanted_count()
        number, count = _page_number(request, total)
        shown = [(target, wiki.links.incoming_first(target, WANTED_BY), wanters)
                 for target, wanters in wiki.links.wanted((number - 1) * LIST_PAGE, number * LIST_PAGE)]
    else:
        candidates = {name for name, _ in wiki.links.wanted()}
        if visible.default:  # hidden pages that exist look missing, if something they may read links to them
            candidates |= {target for target in visible.exceptions if wiki.links.incoming(target)}
        else:
            candidates = {target for shown in visible.exceptions for target in wiki.links.outgoing(shown)
                          if not (visible(target) and wiki.store.exists(target))}
        counted = [(target, sorted(filter(visible, wiki.links.incoming(target)), key=str.casefold))
                   for target in candidates]
        wanted = sorted((item for item in counted if item[1]), key=lambda item: (-len(item[1]), item[0].casefold(), item[0]))
        total = len(wanted)
        listed, number, count = _one_page(request, wanted)
        # A page wanted by thousands names the first WANTED_BY of them (and how many there are).
        shown = [(target, sources[:WANTED_BY], len(sources)) for target, sources in listed]
    response = themed(wiki, request, "wanted_pages.mako", title="Wanted pages", wanted=shown, total=total,
                      number=number, pages_count=count)
    response.headers["Cache-Control"] = "no-cache"
    return response
