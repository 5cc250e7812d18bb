"""A page's sections, for editing one: where each heading's section starts and ends in the
text (Markdown's `#` headings, MoinMoin's `= Heading =`), replacing one, and the edit links
beside the rendered headings.

A section runs from its heading to the next heading of the same or a higher level. Headings
inside code blocks are not headings. When the rendered page has other headings than the text
(an included page's, a heading written in HTML), no links are added: a link must never open
a different section than the one it stands beside.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable

from wiki.acl import page_format
from wiki.errors import WikiError

BLOCK_OPEN = re.compile(r"^[ \t]*(\{{3,})(.*)$")
MARKDOWN_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]|$)")
MARKDOWN_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
RENDERED_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1>", re.S)


class SectionGone(WikiError):
    status = 409
    title = "Section not found"


def _headings(lines: list[str], markup: str) -> list[tuple[int, int]]:
    """(line index, level) of each heading, in order."""
    found: list[tuple[int, int]] = []
    fence = ""
    for index, line in enumerate(lines):
        if markup in ("wiki", "moin"):
            if fence:
                if line.rstrip().endswith(fence):
                    fence = ""
                continue
            opener = BLOCK_OPEN.match(line)
            if opener and "}" * len(opener.group(1)) not in opener.group(2):
                fence = "}" * len(opener.group(1))
                continue
            heading = moin_heading(line.rstrip("\r\n"))
            if heading:
                found.append((index, heading[0]))
            continue
        marker = MARKDOWN_FENCE.match(line)
        if marker:
            if not fence:
                fence = marker.group(1)[0] * 3
            elif marker.group(1).startswith(fence):
                fence = ""
            continue
        atx = MARKDOWN_HEADING.match(line)
        if atx and not fence:
            found.append((index, len(atx.group(1))))
    return found


def moin_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of `= Heading =` (1 to 6 '=' on each side, the same number, spaces inside)."""
    if not line.startswith("="):
        return None
    stripped = line.rstrip()
    level = len(stripped) - len(stripped.lstrip("="))
    closing = len(stripped) - len(stripped.rstrip("="))
    inner = stripped[level:len(stripped) - closing]
    if not 1 <= level <= 6 or closing != level or len(inner) < 2 or inner[0] not in " \t" or inner[-1] not in " \t":
        return None
    return level, inner.strip()


def find(text: str, default_markup: str) -> list[tuple[int, int]]:
    """(first line, line after the last) of every section, in the order of their headings."""
    lines = text.splitlines(keepends=True)
    headings = _headings(lines, page_format(text, default_markup))
    spans = []
    for number, (start, level) in enumerate(headings):
        end = next((line for line, other in headings[number + 1:] if other <= level), len(lines))
        spans.append((start, end))
    return spans


def replace(text: str, default_markup: str, section: int, new: str, name: str) -> str:
    """`text` with section `section` (0-based) replaced by `new`."""
    spans = find(text, default_markup)
    if section >= len(spans):
        raise SectionGone(f"{name!r} has no section {section + 1} now (it was removed meanwhile): "
                          "edit the whole page.")
    start, end = spans[section]
    lines = text.splitlines(keepends=True)
    if new and not new.endswith("\n") and end < len(lines):
        new += "\n"
    return "".join(lines[:start]) + new + "".join(lines[end:])


def with_edit_links(rendered: str, text: str, default_markup: str, edit_url: Callable[[int], str]) -> str:
    """The rendered page with an "edit" link in each heading, when its headings are the text's."""
    spans = find(text, default_markup)
    headings = list(RENDERED_HEADING.finditer(rendered))
    if not spans or len(headings) != len(spans):
        return rendered
    pieces, position = [], 0
    for number, heading in enumerate(headings):
        label = re.sub(r"<[^>]+>", "", heading.group(3)).strip()
        pieces.append(rendered[position:heading.end(3)])
        pieces.append(f'<a class="section-edit" href="{html.escape(edit_url(number))}" rel="nofollow" '
                      f'aria-label="Edit section {html.escape(label, quote=True)}">edit</a>')
        position = heading.end(3)
    pieces.append(rendered[position:])
    return "".join(pieces)
