"""What is known about one page: its backlinks ("what links here") and its info."""
from __future__ import annotations

from werkzeug.wrappers import Response

from wiki.editlog import DELETE, is_revision
from wiki.errors import PageNotFound
from wiki.site import Site
from wiki.views.base import WikiRequest, author_name, page_name, themed


def page_backlinks(wiki: Site, request: WikiRequest, name: str) -> Response:
    """The pages whose latest revision links here, from the link table."""
    name = page_name(name)
    sources = sorted(wiki.readable(request.reader, list(wiki.links.incoming(name))), key=str.casefold)
    response = themed(wiki, request, "page_backlinks.mako", title=f"Links to {name}", page=name, sources=sources)
    response.headers["Cache-Control"] = "no-cache"
    response.cacheable = True  # type: ignore[attr-defined]  # pagecache.py keys it on what it shows
    return response


def page_info(wiki: Site, request: WikiRequest, name: str) -> Response:
    """Size, revisions, created and last modified, authors, links in and out."""
    name = page_name(name)
    entries = wiki.store.history(name)
    if not entries:
        raise PageNotFound(name)
    authors: dict[str, int] = {}
    for entry in entries:
        who = author_name(wiki, request, entry)
        authors[who] = authors.get(who, 0) + 1
    response = themed(
        wiki, request, "page_info.mako", title=f"Info on {name}", page=name,
        size=wiki.store.revision_size(name, wiki.store.current_revision(name)),
        revisions=sum(1 for e in entries if is_revision(e)),
        created=entries[-1], modified=entries[0], deleted=entries[0].action == DELETE,
        authors=sorted(authors.items(), key=lambda item: (-item[1], item[0])),
        incoming=sorted(wiki.readable(request.reader, list(wiki.links.incoming(name))), key=str.casefold),
        outgoing=sorted(wiki.links.outgoing(name), key=str.casefold),
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
