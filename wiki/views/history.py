"""A page's history and the differences between any two of its revisions."""
from __future__ import annotations

import difflib
import re
from typing import Any

from werkzeug.wrappers import Response

from wiki.editlog import DELETE, LogEntry, is_revision
from wiki.errors import BadRequest, PageNotFound, RevisionNotFound
from wiki.merging import unified_diff
from wiki.site import Site
from wiki.views.base import WikiRequest, int_arg, page_name, themed

CONTEXT_LINES = 3
HISTORY_PAGE = 100  # revisions a history page shows; older ones are a link away


WORD = re.compile(r"\w+|\s+|[^\w\s]")
WORDLIKE = re.compile(r"\w")
MAX_WORDS = 400  # tokens per line compared word by word (a pairwise comparison costs their product)
WORD_BUDGET = 200_000  # ~token pairs one diff may compare in all: a huge diff marks its first lines only


def _changed_words(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]] | None:
    """Each line as (text, changed) parts, when the two lines share some words; None when they
    share none (or are too long to compare): then the whole line is the change."""
    a, b = WORD.findall(old), WORD.findall(new)
    if len(a) > MAX_WORDS or len(b) > MAX_WORDS:
        return None
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if not any(WORDLIKE.search("".join(a[block.a:block.a + block.size])) for block in matcher.get_matching_blocks()):
        return None  # only spaces or punctuation in common
    old_parts: list[tuple[str, bool]] = []
    new_parts: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            old_parts.append(("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            new_parts.append(("".join(b[j1:j2]), tag != "equal"))
    return old_parts, new_parts


def _mark_words(rows: list[dict[str, Any]]) -> None:
    """Within a run of removed lines followed by added lines, pair them in order and mark the
    words that changed (rows get 'parts': [(text, changed)])."""
    index, budget = 0, WORD_BUDGET
    while index < len(rows) and budget > 0:
        if rows[index]["kind"] != "removed":
            index += 1
            continue
        removed_end = index
        while removed_end < len(rows) and rows[removed_end]["kind"] == "removed":
            removed_end += 1
        added_end = removed_end
        while added_end < len(rows) and rows[added_end]["kind"] == "added":
            added_end += 1
        for offset in range(min(removed_end - index, added_end - removed_end)):
            old, new = rows[index + offset], rows[removed_end + offset]
            budget -= max(1, len(old["text"])) * max(1, len(new["text"])) // 25  # ~ tokens x tokens
            if budget <= 0:
                break
            parts = _changed_words(old["text"], new["text"])
            if parts:
                old["parts"], new["parts"] = parts
        index = added_end


def side_by_side(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """The rows as (left, right) pairs: context on both sides, removed lines beside the added
    lines that replaced them."""
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        if row["kind"] in ("context", "hunk"):
            pairs.append((row, row))
            index += 1
            continue
        removed: list[dict[str, Any]] = []
        added: list[dict[str, Any]] = []
        while index < len(rows) and rows[index]["kind"] == "removed":
            removed.append(rows[index])
            index += 1
        while index < len(rows) and rows[index]["kind"] == "added":
            added.append(rows[index])
            index += 1
        for offset in range(max(len(removed), len(added))):
            pairs.append((removed[offset] if offset < len(removed) else None,
                          added[offset] if offset < len(added) else None))
    return pairs


def diff_rows(old: str, new: str) -> list[dict[str, Any]]:
    """Rows for an HTML diff: each {'kind': 'hunk'|'context'|'added'|'removed', 'text': line},
    and for a changed line paired with its replacement, 'parts': [(text, changed)]."""
    rows: list[dict[str, Any]] = []
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
    _mark_words(rows)
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
    mode = request.args.get("mode", "inline")
    if mode not in ("inline", "side"):
        raise BadRequest("mode must be inline or side.")
    rows = diff_rows(old, new)
    return themed(
        wiki, request, "diff_page.mako", title=f"Changes to {name}", page=name, mode=mode,
        side=side_by_side(rows) if mode == "side" else [],
        start=start, to=to, current=current, rows=rows,
        start_entry=wiki.store.log_entry(name, start), to_entry=wiki.store.log_entry(name, to),
    )
