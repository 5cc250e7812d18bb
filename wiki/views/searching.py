"""The search box: jump to a page whose title was typed, else ranked results with snippets."""
from __future__ import annotations

from markupsafe import Markup
from werkzeug.wrappers import Response

from wiki.site import Site
from wiki.views.base import WikiRequest, int_arg, redirect, themed
from wiki.views.page import creatable, readable_templates

MAX_RESULT_PAGE = 500


def search(wiki: Site, request: WikiRequest) -> Response:
    """?q=words; an exact page title jumps there (303) unless ?fulltext=1 asks for results."""
    text = request.args.get("q", "")
    result_page = min(int_arg(request, "page", 1) or 1, MAX_RESULT_PAGE)
    results = None
    if text.strip():
        visible = wiki.visibility(request.reader)  # results, snippets, suggestions, the jump: readable pages only
        if not request.args.get("fulltext"):
            exact = wiki.search_index.exact_page(text, visible)
            if exact:
                return redirect(request, request.page_url(exact))
        results = wiki.search_index.search(text, result_page, visible)
    shown = results.query if results else ""  # cleaned of control characters and cut to length
    create = creatable(wiki, request, text) if text.strip() and not request.args.get("page") else None
    response = themed(
        wiki, request, "search.mako", title=f"Search: {shown}" if shown else "Search", query=shown,
        create=create, templates=readable_templates(wiki, request) if create else [],
        results=results, snippets={hit.name: Markup(hit.snippet) for hit in results.hits} if results else {},
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
