"""Hostile Markdown made cheap: what keeps rendering linear in the page's size.

Python-Markdown is superlinear on some inputs: its link patterns scan from every `[` (and
every `(` after `]`) to the partner it may never find; its inline stage rebuilds a text's
whole string for every match; block quotes and lists recurse once per nesting level; and
the standard library's HTML parser scans from every unclosed start tag to the next `>`.
Each pass here removes one of those without changing how any ordinary page looks: an
escaped character (`\\[`) shows as itself, a long text is cut into spans at line ends.
"""
from __future__ import annotations

import bisect
import html
import re
import xml.etree.ElementTree as etree

import markdown
from markdown import util
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

MAX_NESTING = 8  # brackets or parentheses nested deeper than this are taken as plain characters
OPENERS, CLOSERS = {"[": "]", "(": ")"}, {"]": "[", ")": "("}
BACKTICKS = re.compile(r"`+")


SPECIAL = re.compile(r"[\\\[\]()]")


def defuse(text: str) -> str:
    """Escape (as `\\[`, `\\(`) every bracket and parenthesis that has no partner, and pairs nested
    more than MAX_NESTING deep, outside code spans. An escaped character shows the same, but the
    link patterns no longer scan from each one to the end of the paragraph: rendering stays
    linear in the page's size, where runs of `[` or `[a](` were quadratic (seconds for 10 KB)."""
    if "[" not in text and "(" not in text:
        return text
    escape: set[int] = set()
    stack: list[tuple[str, int]] = []
    skip = _code_spans(text)
    skip.update(_macro_calls(text, escape))
    starts = sorted(skip)
    next_skip = 0
    resume = 0  # positions before this are inside a skipped span, or an escaped character
    for found in SPECIAL.finditer(text):
        position = found.start()
        while next_skip < len(starts) and starts[next_skip] <= position:
            if starts[next_skip] >= resume:
                resume = max(resume, skip[starts[next_skip]])
            next_skip += 1
        if position < resume:
            continue
        char = text[position]
        if char == "\\":
            resume = position + 2  # already escaped: leave it and the character after it alone
        elif char in OPENERS:
            stack.append((char, position))
        elif stack and stack[-1][0] == CLOSERS[char]:
            _, opened = stack.pop()
            if len(stack) >= MAX_NESTING:
                escape.update((opened, position))
        else:
            stack.clear()  # a stray closer ends what can still be matched, as the parser would
            if char == ")":
                escape.add(position)
    escape.update(opened for _, opened in stack)
    if not escape:
        return text
    pieces, last = [], 0
    for position in sorted(escape):
        # Python-Markdown's own escape placeholder, written straight away: what `\\[` would become
        # after its escape pattern matched, without a match per character (and restored as `[`).
        pieces += [text[last:position], f"{util.STX}{ord(text[position])}{util.ETX}"]
        last = position + 1
    pieces.append(text[last:])
    return "".join(pieces)


MACRO_START = re.compile(r"<<[A-Za-z]+\(")
MACRO_END = re.compile(r"\)>>")
NEWLINE = re.compile(r"\n")


def _macro_calls(text: str, escape: set[int]) -> dict[int, int]:
    """Start -> end of each <<Macro(arguments)>> on one line: its arguments reach the macro as
    written. A `<<Name(` never closed on its line gets its `<` escaped, so the macro pattern does
    not scan to the end of the line from each one."""
    if "<<" not in text:
        return {}
    closers = [m.start() for m in MACRO_END.finditer(text)]
    newlines = [m.start() for m in NEWLINE.finditer(text)]
    calls = {}
    for opening in MACRO_START.finditer(text):
        found = bisect.bisect_left(closers, opening.end() - 1)
        line_end = bisect.bisect_left(newlines, opening.start())
        end_of_line = newlines[line_end] if line_end < len(newlines) else len(text)
        if found < len(closers) and closers[found] < end_of_line:
            calls[opening.start()] = closers[found] + 3
        else:
            escape.add(opening.start())
    return calls


def _code_spans(text: str) -> dict[int, int]:
    """Start -> end of each `code span` (a run of backticks up to the next run of the same
    length), found in one pass: their text is shown as written and must not be escaped."""
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(text)]
    if len(runs) < 2:
        return {}
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    cursor = {length: 0 for length in by_length}
    spans, index = {}, 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        while cursor[end - start] < len(same) and same[cursor[end - start]] <= index:
            cursor[end - start] += 1
        if cursor[end - start] == len(same):
            index += 1
            continue
        closer = same[cursor[end - start]]
        spans[start] = runs[closer][1]
        index = closer + 1
    return spans


class PlainText(AtomicString):  # type: ignore[misc]
    """A text with nothing any inline pattern could match: the inline stage skips it (as it skips
    every AtomicString), but later passes that add links to words (CamelCase) still read it."""


# What some inline pattern needs to see before it can match: backticks, escapes, `<` (macros,
# autolinks, HTML), `[` (links, images, footnotes), entities, emphasis, and a hard line break.
TRIGGER = re.compile(r"[`\\<\[&*_]|  \n")


def _prepared(text: str) -> str:
    text = defuse(text)
    return text if TRIGGER.search(text) else PlainText(text)


INLINE_BUDGET = 20_000  # trigger characters a render formats at least
INLINE_SHARE = 0.10  # ...or this share of the page's characters, if more (starter pages: 2.5-6 %)
OVER_BUDGET = ("This page holds more formatting than is shown at once: past this point its text is shown as "
               "written. Split it into smaller pages to see all of it formatted.")


class _DefuseInline(Treeprocessor):  # type: ignore[misc]
    """Runs `defuse` on every text the inline patterns will read (not code, not stashed HTML), and
    spares them the texts they cannot match at all (most table cells and list items).

    A hard budget: the inline stage costs about 10 µs a match, so a page made of little but
    emphasis or links (`*a*a*a…`) took 7x an ordinary page of its size. Past INLINE_BUDGET
    trigger characters (or INLINE_SHARE of the page, if more), texts are shown as written."""

    SKIP = {"code", "pre", "script", "style"}

    def run(self, root: etree.Element) -> None:
        texts: list[tuple[etree.Element, str]] = []
        for element in root.iter():
            if element.tag not in self.SKIP and element.text and not isinstance(element.text, AtomicString):
                texts.append((element, "text"))
            if element.tail and not isinstance(element.tail, AtomicString):
                texts.append((element, "tail"))
        length = sum(len(getattr(element, where)) for element, where in texts)
        budget = max(INLINE_BUDGET, int(length * INLINE_SHARE))
        over = False
        for element, where in texts:
            text = getattr(element, where)
            if budget <= 0:
                setattr(element, where, PlainText(text))
                over = True
                continue
            budget -= len(TRIGGER.findall(text))
            setattr(element, where, _prepared(text))
        if over:
            notice = etree.SubElement(root, "p", {"class": "notice"})
            notice.text = AtomicString(OVER_BUDGET)



MAX_QUOTE_OR_LIST_DEPTH = 16
LEVEL = r"[ ]{0,3}(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?"
TOO_DEEP = re.compile(rf"^((?:{LEVEL}){{{MAX_QUOTE_OR_LIST_DEPTH}}}[ ]{{0,3}})([>*+\-]|\d)", re.M)
TAG_START = re.compile(r"<[A-Za-z/!?]")
MAX_UNCLOSED_TAGS = 20
CHUNK = 2000  # characters of one text that the inline patterns read at a time


class _DefuseSource(Preprocessor):  # type: ignore[misc]
    """On the source lines, before block parsing and the HTML parser (fenced code is stashed by then)."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        # `> > > > …` and `1. 1. 1. …` nest a quote or a list per marker, recursively: past the
        # depth any page needs, the next marker is a plain character.
        text = TOO_DEEP.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
        self.md.many_unclosed_tags = _many_unclosed_tags(text)
        return text.split("\n")


def _many_unclosed_tags(text: str) -> bool:
    """Whether more than MAX_UNCLOSED_TAGS `<tag` have no `>` before the next `<`: html.parser scans
    from each of those to the next `>` of the page, which is quadratic (109 s for 100 KB of `<a `)."""
    if text.count("<") <= MAX_UNCLOSED_TAGS:
        return False
    starts = [m.start() for m in TAG_START.finditer(text)]
    unclosed = 0
    for index, start in enumerate(starts):
        if text.find(">", start, starts[index + 1] if index + 1 < len(starts) else len(text)) < 0:
            unclosed += 1
            if unclosed > MAX_UNCLOSED_TAGS:
                return True
    return False


def _pieces(text: str) -> list[str]:
    """`text` cut into pieces of about CHUNK characters, at line ends where there are any."""
    pieces, start = [], 0
    while len(text) - start > CHUNK:
        cut = text.rfind("\n", start + CHUNK // 2, start + CHUNK)
        if cut < 0:
            cut = text.rfind(" ", start + CHUNK // 2, start + CHUNK)
        cut = cut + 1 if cut >= 0 else start + CHUNK
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


class _CutLongTexts(Treeprocessor):  # type: ignore[misc]
    """The inline stage costs (length x matches) per text: a paragraph of 100 KB of links took
    seconds. Texts longer than CHUNK are cut into <span>s, which the inline stage reads one by one."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            if parent.tag in _DefuseInline.SKIP:
                continue
            if parent.text and len(parent.text) > CHUNK and not isinstance(parent.text, AtomicString):
                first, *rest = _pieces(parent.text)
                parent.text = first
                for offset, piece in enumerate(rest):
                    span = etree.Element("span")
                    span.text = piece
                    parent.insert(offset, span)
            for child in list(parent):
                if child.tail and len(child.tail) > CHUNK and not isinstance(child.tail, AtomicString):
                    first, *rest = _pieces(child.tail)
                    child.tail = first
                    position = list(parent).index(child) + 1
                    for offset, piece in enumerate(rest):
                        span = etree.Element("span")
                        span.text = piece
                        parent.insert(position + offset, span)


HTML_BLOCK_START = re.compile(r"^[ ]{0,3}<[A-Za-z!?/]", re.M)


class _HtmlBlocksIfAny(Preprocessor):  # type: ignore[misc]
    """Python-Markdown's raw-HTML-block pass, run only when a line starts with a tag and the page
    is not full of unclosed ones: it feeds the whole page to html.parser, whose Python loop costs
    about 1.5 s a megabyte of `&` or `<<`, and which is quadratic on unclosed tags."""

    def __init__(self, inner: Preprocessor) -> None:
        super().__init__(inner.md)
        self.inner = inner

    def run(self, lines: list[str]) -> list[str]:
        if getattr(self.md, "many_unclosed_tags", False) or not HTML_BLOCK_START.search("\n".join(lines)):
            return lines  # a page of stray `<`s keeps them as text; the inline HTML pattern is linear
        return list(self.inner.run(lines))


def register(md: markdown.Markdown) -> None:
    """Add the passes to a Markdown instance (the wiki extension calls this)."""
    md.preprocessors.register(_HtmlBlocksIfAny(md.preprocessors["html_block"]), "html_block", 20)
    md.preprocessors.register(_DefuseSource(md), "defuse-source", 21)  # after fenced code (25), before HTML (20)
    md.treeprocessors.register(_CutLongTexts(md), "cut-long-texts", 22)
    md.treeprocessors.register(_DefuseInline(md), "defuse", 21)  # just before the inline patterns (20)


def as_written(text: str) -> str:
    """The last resort for a page the renderer cannot take: its text, shown as written."""
    return ('<p class="notice">This page is nested too deeply to be formatted; it is shown as written.</p>'
            f"<pre>{html.escape(text)}</pre>")
