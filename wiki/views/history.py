"""A page's history and the differences between any two of its revisions."""
from __future__ import annotations

from werkzeug.wrappers import Response

from wiki.editlog import DELETE, LogEntry, is_revision
from wiki.errors import BadRequest, PageNotFound, RevisionNotFound
from wiki.merging import unified_diff
from wiki.site import Site
from wiki.views.base import WikiRequest, int_arg, page_name, themed

CONTEXT_LINES = 3
HISTORY_PAGE = 100  # revisions a history page shows; older ones are a link away


def diff_rows(old: str, new: str) -> list[dict[str, str]]:
    """Rows for an HTML diff: each {'kind': 'hunk'|'context'|'added'|'removed', 'text': line}."""
    rows = []
    lines = unified_diff(old.splitlines(), new.splitlines(), context=CONTEXT_LINES, lineterm="")
    for line in list(lines)[2:]:
        if line.startswith("@@"):
            rows.append({"kind": "hunk", "text": line})
        elif line.startswith("+"):
            rows.append({"kind": "added", "text": line[1:]})
        elif line.startswith("-"):
            rows.append({"kind": "removed", "text": line[1:]})
        else:
            rows.append({"kind": "context", "text": line[1:]})
    return rows


def page_history(wiki: Site, request: WikiRequest, name: str) -> Response:
    """The newest revisions (?until=N: from revision N back), read from the end of the page's
    log, with links to view and diff, and a form to compare any two. Cost: one page of history."""
    name = page_name(name)
    until = int_arg(request, "until")
    entries: list[LogEntry] = []
    older: int | None = None
    for entry in wiki.store.history_from(name):
        if not is_revision(entry) or (until is not None and entry.revision > until):
            continue
        if len(entries) == HISTORY_PAGE:
            older = entry.revision
            break
        entries.append(entry)
    if not entries and wiki.store.current_revision(name) == 0:
        raise PageNotFound(name)
    sizes = {entry.revision: None if entry.action == DELETE else wiki.store.revision_size(name, entry.revision)
             for entry in entries}
    response = themed(
        wiki, request, "page_history.mako", title=f"History of {name}", page=name,
        entries=entries, sizes=sizes, current=wiki.store.current_revision(name), older=older, until=until,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def _text_at(wiki: Site, name: str, revision: int) -> str:
    """A revision's text; a deletion reads as empty."""
    if wiki.store.revision_exists(name, revision):
        return wiki.store.read(name, revision).text
    entry = wiki.store.log_entry(name, revision)
    if entry is not None and entry.action == DELETE:
        return ""
    raise RevisionNotFound(name, revision)


def diff_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """Differences between ?from=A and ?to=B (default: the latest change), as HTML or ?format=unified."""
    name = page_name(name)
    current = wiki.store.current_revision(name)
    if current == 0:
        raise PageNotFound(name)
    to = int_arg(request, "to", current) or current
    start = int_arg(request, "from", max(to - 1, 0))
    assert start is not None
    if start > to:
        start, to = to, start
    if not 0 <= start <= current or not 0 < to <= current:
        raise RevisionNotFound(name, to if to > current else start)
    old = _text_at(wiki, name, start) if start else ""
    new = _text_at(wiki, name, to)
    if request.args.get("format", "html") == "unified":
        lines = unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"{name}@{start}", tofile=f"{name}@{to}",
        )
        body = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        response = Response(body, content_type="text/plain; charset=utf-8")
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response
    if request.args.get("format", "html") != "html":
        raise BadRequest("format must be html or unified.")
    return themed(
        wiki, request, "diff_page.mako", title=f"Changes to {name}", page=name,
        start=start, to=to, current=current, rows=diff_rows(old, new),
        start_entry=wiki.store.log_entry(name, start), to_entry=wiki.store.log_entry(name, to),
    )
