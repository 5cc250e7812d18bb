"""Views over many pages: recent changes and the page index."""
from __future__ import annotations

from werkzeug.wrappers import Response

from wiki.views.base import Wiki, WikiRequest, int_arg, themed

RECENT_DEFAULT, RECENT_MAX = 100, 1000


def recent_changes(wiki: Wiki, request: WikiRequest) -> Response:
    """The newest changes from the global edit-log, newest first."""
    limit = min(int_arg(request, "count", RECENT_DEFAULT) or RECENT_DEFAULT, RECENT_MAX)
    entries = wiki.store.recent_changes(limit)
    response = themed(wiki, request, "recent_changes.mako", title="Recent changes", entries=entries, limit=limit)
    response.headers["Cache-Control"] = "no-cache"
    return response


def page_index(wiki: Wiki, request: WikiRequest) -> Response:
    """Every existing page, alphabetically."""
    pages = wiki.store.list_pages()
    response = themed(wiki, request, "page_index.mako", title="Page index", pages=pages)
    response.headers["Cache-Control"] = "no-cache"
    return response
