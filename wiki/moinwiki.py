"""MoinMoin 1.9 wiki markup -> safe HTML, natively (written from 1.9's help pages, not its code).

One pass over the lines builds HTML with every piece of page text escaped; the result then
goes through the same nh3 allow-list as Markdown (markup.sanitize). Links, macros and
attachments go through the very code the Markdown renderer uses (markup's link builder and
macros.MacroProcessor), so a moin page and a Markdown page link, list and include alike.

Every cost is linear in the text: lines are read once, each line is cut into tokens by one
regular expression without nested quantifiers, nesting (`#!wiki` blocks, lists) is bounded.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field

from wiki import names
from wiki.errors import InvalidPageName
from wiki.macros import MACRO_PATTERN, MAX_TOC_ENTRIES, MAX_TOCS, MacroProcessor
from wiki.sections import BLOCK_OPEN, moin_heading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from wiki.markup import LinkContext, _WikiLinks

MAX_NESTED_BLOCKS = 8  # {{{#!wiki}}} inside {{{#!wiki}}}...: deeper ones are shown as text
MAX_LIST_DEPTH = 30
MAX_INLINE_NESTING = 20  # ~-~-~-...: past this, openers are text
RULE = re.compile(r"^-{4,}[ \t]*$")
TABLE_ROW = re.compile(r"^[ \t]*\|\|.*\|\|[ \t]*$")
LIST_ITEM = re.compile(
    r"^(?P<indent>[ \t]+)(?:(?P<bullet>\*)|(?P<plain>\.)|(?P<number>[0-9]+|[aAiI])\.(?:#(?P<start>[0-9]{1,9}))?)"
    r"(?:[ \t]+|$)(?P<text>.*)$"
)
DEFINITION = re.compile(r"^(?P<indent>[ \t]+)(?P<term>.*?)::(?:[ \t]+(?P<text>.*)|[ \t]*$)")
TOC_LINE = re.compile(r"^(?:<<TableOfContents(?:\(([^)]*)\))?>>|\[\[TableOfContents(?:\(([^)]*)\))?\]\])[ \t]*$")
BLOCK_MACRO = re.compile(
    r"[ \t]*(?:<<|\[\[)(?:Include|PageList|FullSearch|FullSearchCached|TitleIndex|WordIndex|RecentChanges|"
    r"AttachList|Navigation|NewPage)\b[^\n]*(?:>>|\]\])[ \t]*")
PLACEHOLDER = "\ue001"  # brackets where a table of contents goes ("c0"), filled in when all headings are known
SMILEYS = {
    ":)": "🙂", ":-)": "🙂", ":))": "😄", ":-))": "😄", ";)": "😉", ";-)": "😉", ":D": "😀", ":-D": "😀",
    ":(": "🙁", ":-(": "🙁", ":\\": "😕", ":-\\": "😕", ":o": "😮", ":-o": "😮", "B)": "😎", "B-)": "😎",
    ":-?": "😛", ":-P": "😛", ">:>": "😈", "X-(": "😠", "<:(": "😟", "|)": "😴", "|-)": "😴",
    "/!\\": "⚠️", "<!>": "❗", "(!)": "💡", "{X}": "❌", "{i}": "ℹ️", "{OK}": "👍", "(./)": "✔️", "{*}": "⭐",
    "{o}": "☆", "{1}": "①", "{2}": "②", "{3}": "③", "{!}": "❗",
}
SMILEY = "|".join(re.escape(face) for face in sorted(SMILEYS, key=len, reverse=True))
URL_SCHEMES_INLINE = "https?|ftps?|mailto|news|ircs?|xmpp|tel"
MACRO_1_5 = {  # [[Name(args)]] in 1.5-era pages meant a macro when Name is one of these
    "TableOfContents", "Include", "Anchor", "BR", "Navigation", "Date", "DateTime", "MailTo", "FullSearch",
    "FullSearchCached", "PageList", "TitleIndex", "WordIndex", "RecentChanges", "PageCount", "AttachList",
    "AttachInfo", "NewPage", "Icon", "Action", "GetText", "GetVal", "Attachments", "OrphanedPages",
    "WantedPages", "RandomPage", "RandomQuote", "FootNote", "Verbatim", "StatsChart", "SystemInfo",
    "EditedSystemPages", "InterWiki", "ShowSmileys", "LikePages", "AbandonedPages", "MonthCalendar",
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp")
INLINE = re.compile("|".join([
    # Every delimited form's body excludes its opening character, so each opener scans only to the
    # next one: a line of 50,000 '[[' or '<<X(' costs as much as any other line (bench/moin19.py).
    r"(?P<code>\{\{\{(?P<code_text>[^{\n]*?)\}\}\})",
    r"(?P<tt>`(?P<tt_text>[^`]*)`)",
    r"(?P<macro><<(?P<macro_name>[A-Za-z]+)(?:\((?P<macro_args>[^<>\n]*?)\))?>>)",
    r"(?P<link>\[\[(?P<link_body>[^\[\]\n]+)\]\])",
    r"(?P<embed>\{\{(?P<embed_body>[^{}\n]+)\}\})",
    r"(?P<oldpage>\[\"(?P<oldpage_name>[^\"\]\n]+)\"\])",
    r"(?P<oldlink>\[(?P<oldlink_target>(?:wiki:|" + URL_SCHEMES_INLINE + r":|attachment:|inline:|#|:)[^\s\[\]]*)"
    r"(?:[ \t]+(?P<oldlink_label>[^\[\]\n]+))?\])",
    r"(?P<url>\b(?:" + URL_SCHEMES_INLINE + r"):[^\s<>\"'\]]*[^\s<>\"'\].,;:!?)])",
    r"(?P<attachment>\b(?:attachment|inline|drawing):[^\s<>\"'\]]*[^\s<>\"'\].,;:!?)])",
    r"(?P<interwiki>\b(?P<iw_prefix>[A-Z][A-Za-z0-9]+):(?P<iw_page>[^\s<>\"'\]|:]*[^\s<>\"'\]|.,;:!?)]))",
    r"(?P<strong_em>''''')",
    r"(?P<strong>''')",
    r"(?P<em>'')",
    r"(?P<u>__)",
    r"(?P<sup>\^)",
    r"(?P<sub>,,)",
    r"(?P<small_open>~-)",
    r"(?P<small_end>-~)",
    r"(?P<big_open>~\+)",
    r"(?P<big_end>\+~)",
    r"(?P<strike_open>--\()",
    r"(?P<strike_end>\)--)",
    r"(?P<smiley>(?<!\S)(?:" + SMILEY + r")(?!\S))",
    r"(?P<entity>&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)",
    r"(?P<camel>(?<![\w/.#&=?!:-])(?P<camel_bang>!?)(?P<camel_name>(?:\.\./|/)?(?:[A-Z][a-z0-9]+){2,}"
    r"(?:/(?:[A-Z][a-z0-9]+){2,})*)\b)",
]))
TOGGLES = {"strong": "strong", "em": "em", "u": "u", "sup": "sup", "sub": "sub"}
OPENERS = {"small_open": "small", "big_open": "big", "strike_open": "del"}
CLOSERS = {"small_end": "small", "big_end": "big", "strike_end": "del"}
TAG_HTML = {"small": ('<small>', '</small>'), "big": ('<span class="larger">', '</span>'),
            "del": ("<del>", "</del>"), "strong": ("<strong>", "</strong>"), "em": ("<em>", "</em>"),
            "u": ("<u>", "</u>"), "sup": ("<sup>", "</sup>"), "sub": ("<sub>", "</sub>")}


def strip_instructions(text: str) -> tuple[dict[str, str], list[str]]:
    """(processing instructions at the top of a page, the body's lines without them and
    without `##` comment lines). Of repeated instructions the first counts (#acl aside)."""
    lines = text.split("\n")
    instructions: dict[str, str] = {}
    index = 0
    while index < len(lines) and lines[index].startswith("#"):
        line = lines[index]
        if not line.startswith("##"):
            word, _, value = line[1:].partition(" ")
            instructions.setdefault(word.strip().lower(), value.strip())
        index += 1
    return instructions, [line for line in lines[index:] if not line.startswith("##")]


@dataclass
class _ListLevel:
    indent: int
    kind: str  # "ul", "ol", "dl", "indent"
    style: str  # what makes two lists of one kind differ: the ol type and start, "plain" bullets


@dataclass
class _Heading:
    level: int
    text: str
    anchor: str


@dataclass
class _State:
    """One render's shared parts: headings for the table of contents, anchors given, fragments."""

    headings: list[_Heading] = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)  # anchor given -> the last number added to it
    toc_slots: list[tuple[int, int]] = field(default_factory=list)  # (slot number, max depth)
    numbering: bool = False
    numbers: list[int] = field(default_factory=lambda: [0] * 6)


class MoinRenderer:
    """Renders one page (and its `#!wiki` blocks) into HTML that still needs sanitising."""

    def __init__(self, links: _WikiLinks, include: Callable[[str, LinkContext], str],
                 converting: bool = False) -> None:
        """`converting`: for wiki/convert.py: macros stay as written, CamelCase words stay words
        (Markdown pages link them too), code keeps its language instead of being highlighted."""
        self.converting = converting
        self.links = links
        self.camelcase = True
        self._state = _State()
        # An included page's HTML is sanitised by its own render: it goes in after this one's.
        self.macros = MacroProcessor(self._context, links.page_element, include,
                                     lambda finished: self._context().trust(finished))

    def _context(self) -> LinkContext:
        assert self.links.context is not None
        return self.links.context

    def render(self, text: str, camelcase: bool = True) -> str:
        """HTML to sanitise: every piece of the text in it is escaped."""
        self.camelcase = camelcase
        instructions, lines = strip_instructions(text.replace(PLACEHOLDER, ""))
        state = self._state = _State(numbering=instructions.get("pragma", "").split()[:2] in (
            ["section-numbers", "on"], ["section-numbers", "1"]))
        body = self._blocks(lines, state, depth=0)
        body = self._fill_tocs(body, state)
        notices = []
        if "deprecated" in instructions:
            notices.append('<div class="notice">This page is deprecated: it is kept for its history. '
                           f"{html.escape(instructions['deprecated'])}</div>")
        language = instructions.get("language", "")
        if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?", language):
            body = f'<div lang="{language}">{body}</div>'
        return "".join(notices) + body

    # Blocks ----------------------------------------------------------------

    def _blocks(self, lines: list[str], state: _State, depth: int) -> str:
        out: list[str] = []
        paragraph: list[str] = []
        stack: list[_ListLevel] = []
        table: list[str] = []
        item_open = False  # a list item may still take continuation lines

        def close_paragraph() -> None:
            if len(paragraph) == 1 and BLOCK_MACRO.fullmatch(paragraph[0]):
                out.append(self._inline(paragraph[0]))  # a list or an include: not inside a <p>
            elif paragraph:
                out.append("<p>" + self._inline("\n".join(paragraph)) + "</p>")
            paragraph.clear()

        def close_table() -> None:
            if table:
                out.append(self._table(table))
                table.clear()

        def close_lists(to_indent: int = -1) -> None:
            while stack and stack[-1].indent > to_indent:
                level = stack.pop()
                out.append("</dd></dl>" if level.kind == "dl" else f"</li></{'ol' if level.kind == 'ol' else 'ul'}>")

        def close_everything() -> None:
            close_paragraph()
            close_table()
            close_lists()

        def open_item(indent: int, kind: str, style: str, attributes: str = "") -> None:
            close_paragraph()
            close_table()
            close_lists(indent)
            if stack and stack[-1].indent == indent and (stack[-1].kind, stack[-1].style) != (kind, style):
                close_lists(indent - 1)
            if stack and (stack[-1].indent == indent or len(stack) >= MAX_LIST_DEPTH):
                out.append("</dd>" if stack[-1].kind == "dl" else "</li>")  # (too deep: at the deepest level)
            else:
                stack.append(_ListLevel(indent, kind, style))
                if kind == "ol":
                    out.append(f"<ol{attributes}>")
                else:
                    out.append({"ul": '<ul class="plain">' if style == "plain" else "<ul>",
                                "indent": '<ul class="indent">', "dl": "<dl>"}[kind])
            if stack[-1].kind != "dl":
                out.append("<li>")

        index = 0
        while index < len(lines):
            line = lines[index].rstrip()
            index += 1
            opener = BLOCK_OPEN.match(line)
            if opener and "}" * len(opener.group(1)) not in opener.group(2):
                close_paragraph()
                close_table()
                body, index = self._collect_block(lines, index, len(opener.group(1)))
                out.append(self._code_block(opener.group(2), body, state, depth))
                continue
            if not line.strip():
                close_paragraph()
                close_table()
                item_open = False
                continue
            indent = len(line) - len(line.lstrip())
            heading = moin_heading(line)
            if heading:
                close_everything()
                out.append(self._heading(*heading, state))
                continue
            if RULE.match(line):
                close_everything()
                size = min(len(line.strip()) - 3, 6)
                out.append(f'<hr class="hr{size}">' if size > 1 else "<hr>")
                continue
            if TABLE_ROW.match(line):
                close_paragraph()
                if indent == 0:
                    close_lists()
                table.append(line.strip())
                continue
            close_table()
            if indent == 0:
                close_lists()
                item_open = False
                toc = TOC_LINE.match(line)
                if toc and not self.converting:
                    close_paragraph()
                    out.append(self._toc_slot(toc.group(1) or toc.group(2) or ""))
                    continue
                paragraph.append(line)
                continue
            item = LIST_ITEM.match(line)
            if item:
                kind, style, attributes = self._list_kind(item)
                open_item(indent, kind, style, attributes)
                out[-1] += self._inline(item.group("text"))
                item_open = True
                continue
            definition = DEFINITION.match(line)
            if definition:
                open_item(indent, "dl", "")
                term = definition.group("term").strip()
                out[-1] += ((f"<dt>{self._inline(term)}</dt>" if term else "") + "<dd>"
                            + self._inline(definition.group("text") or ""))
                item_open = True
                continue
            if item_open and stack and indent > stack[-1].indent:
                out[-1] += "\n" + self._inline(line.strip())  # the item's text goes on
                continue
            if item_open and stack and stack[-1].kind == "indent" and stack[-1].indent == indent:
                out[-1] += "\n" + self._inline(line.strip())  # an indented paragraph goes on
                continue
            open_item(indent, "indent", "")
            out[-1] += self._inline(line.strip())
            item_open = True
        close_paragraph()
        close_table()
        close_lists()
        return "\n".join(out)

    @staticmethod
    def _list_kind(item: re.Match[str]) -> tuple[str, str, str]:
        if item.group("bullet"):
            return "ul", "", ""
        if item.group("plain"):
            return "ul", "plain", ""
        number = item.group("number")
        kind = "1" if number.isdigit() else number
        start = item.group("start") or (number if number.isdigit() and number != "1" else "")
        attributes = (f' type="{kind}"' if kind != "1" else "") + (f' start="{int(start)}"' if start else "")
        return "ol", kind + (start or ""), attributes

    @staticmethod
    def _collect_block(lines: list[str], index: int, braces: int) -> tuple[list[str], int]:
        """The lines up to the one that closes a block opened with `braces` braces."""
        closer = "}" * braces
        body: list[str] = []
        while index < len(lines):
            line = lines[index]
            index += 1
            stripped = line.rstrip()
            if stripped.endswith(closer) and not stripped.endswith(closer + "}"):
                head = stripped[: -braces]
                if head.strip():
                    body.append(head)
                return body, index
            body.append(line)
        return body, index

    def _code_block(self, head: str, body: list[str], state: _State, depth: int) -> str:
        """A {{{ }}} block: preformatted text, a parser named by #! (wiki, Pygments' languages, csv)."""
        bang = head.strip()
        if not bang and body and body[0].startswith("#!"):
            bang, body = body[0].strip(), body[1:]
        if not bang.startswith("#!"):
            text = "\n".join(([head] if head.strip() else []) + body)
            return f"<pre>{html.escape(text)}</pre>"
        words = bang[2:].split()
        parser = words[0].lower() if words else ""
        text = "\n".join(body)
        if parser == "wiki":
            if depth >= MAX_NESTED_BLOCKS:
                return f"<pre>{html.escape(text)}</pre>"
            classes = " ".join(re.sub(r"[^\w-]", "", word) for word in " ".join(words[1:]).replace("/", " ").split())
            inner = self._blocks(text.split("\n"), state, depth + 1)
            return f'<div class="wiki-box {classes}">{inner}</div>'.replace(" \">", "\">")
        if parser == "csv":
            return self._csv(text)
        if parser in ("html",):
            return text  # sanitised with the rest: only what nh3 allows is left
        if parser in ("plain", "text", ""):
            return f"<pre>{html.escape(text)}</pre>"
        language = words[1] if parser == "highlight" and len(words) > 1 else parser
        if self.converting:
            return f'<pre><code class="language-{html.escape(language)}">{html.escape(text)}</code></pre>'
        return highlight(text, language)

    @staticmethod
    def _csv(text: str) -> str:
        import csv

        rows = list(csv.reader(text.split("\n"), delimiter=";" if text.count(";") > text.count(",") else ","))
        if not rows:
            return ""
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                       for row in rows[1:] if row)
        return f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'

    def _heading(self, level: int, raw: str, state: _State) -> str:
        text = raw.strip()
        if state.numbering:
            state.numbers[level - 1] += 1
            for lower in range(level, 6):
                state.numbers[lower] = 0
            text = ".".join(str(n) for n in state.numbers[:level] if n) + " " + text
        base = re.sub(r"[^\w]+", "-", text.lower()).strip("-")[:60] or "section"
        anchor, count = base, state.anchors.get(base, 0)
        while anchor in state.anchors:  # (counting on from the last number given to this base: linear)
            count += 1
            anchor = f"{base}-{count}"
        state.anchors[base] = max(count, 1)
        state.anchors.setdefault(anchor, 0)
        state.headings.append(_Heading(level, text, anchor))
        return f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>'

    def _fill_tocs(self, body: str, state: _State) -> str:
        for slot, max_depth in state.toc_slots:
            shown = [h for h in state.headings if h.level <= max_depth]
            if not shown:
                replacement = ""
            else:
                items = "".join(f'<li class="toc-level{h.level}"><a href="#{h.anchor}">{html.escape(h.text)}</a></li>'
                                for h in shown[:MAX_TOC_ENTRIES])
                if len(shown) > MAX_TOC_ENTRIES:
                    items += f'<li class="more">and {len(shown) - MAX_TOC_ENTRIES} more headings</li>'
                replacement = f'<nav class="toc"><p class="toc-title">Contents</p><ul>{items}</ul></nav>'
            body = body.replace(f"{PLACEHOLDER}c{slot}{PLACEHOLDER}", replacement)
        return body

    # Tables ----------------------------------------------------------------

    def _table(self, rows: list[str]) -> str:
        table_attributes: dict[str, str] = {}
        rendered = []
        for row in rows:
            cells = row[2:-2].split("||")
            row_attributes: dict[str, str] = {}
            out_cells = []
            span = 1
            for cell in cells:
                if cell == "":
                    span += 1
                    continue
                attributes, text = _cell_attributes(cell, table_attributes, row_attributes)
                if span > 1 and "colspan" not in attributes:
                    attributes["colspan"] = str(span)
                span = 1
                out_cells.append(f"<td{_attributes(attributes)}>{self._inline(text.strip())}</td>")
            if span > 1 and out_cells:  # a row ending in |||| : the last cell spans the rest
                out_cells[-1] = out_cells[-1].replace("<td", f'<td colspan="{span}"', 1) \
                    if "colspan" not in out_cells[-1].split(">", 1)[0] else out_cells[-1]
            rendered.append(f"<tr{_attributes(row_attributes)}>" + "".join(out_cells) + "</tr>")
        return (f'<div class="table-wrap"><table{_attributes(table_attributes)}><tbody>'
                + "".join(rendered) + "</tbody></table></div>")

    # Inline ----------------------------------------------------------------

    def _inline(self, text: str) -> str:
        out: list[str] = []
        open_tags: list[str] = []
        position = 0
        for match in INLINE.finditer(text):
            out.append(html.escape(text[position:match.start()], quote=False))
            position = match.end()
            kind = match.lastgroup or ""
            out.append(self._token(kind, match, open_tags))
        out.append(html.escape(text[position:], quote=False))
        for tag in reversed(open_tags):
            out.append(TAG_HTML[tag][1])
        return "".join(out)

    def _token(self, kind: str, match: re.Match[str], open_tags: list[str]) -> str:
        if kind == "strong_em":  # five quotes: both on, or both off in the order they nest
            both = [tag for tag in reversed(open_tags) if tag in ("strong", "em")]
            return "".join(self._toggle(tag, open_tags) for tag in (both if len(both) == 2 else ["strong", "em"]))
        if kind in TOGGLES:
            return self._toggle(TOGGLES[kind], open_tags)
        if kind in OPENERS:
            if len(open_tags) >= MAX_INLINE_NESTING:
                return html.escape(match.group(0))
            open_tags.append(OPENERS[kind])
            return TAG_HTML[OPENERS[kind]][0]
        if kind in CLOSERS:
            tag = CLOSERS[kind]
            return self._toggle(tag, open_tags) if tag in open_tags else html.escape(match.group(0))
        handler = getattr(self, f"_inline_{kind}", None)
        return handler(match) if handler else html.escape(match.group(0))

    @staticmethod
    def _toggle(tag: str, open_tags: list[str]) -> str:
        """Open `tag`, or close it (closing and reopening any opened after it: HTML nests)."""
        if tag not in open_tags:
            open_tags.append(tag)
            return TAG_HTML[tag][0]
        at = len(open_tags) - 1 - open_tags[::-1].index(tag)  # the innermost
        above = open_tags[at + 1:]
        del open_tags[at:]
        open_tags.extend(above)
        return "".join(TAG_HTML[t][1] for t in reversed(above)) + TAG_HTML[tag][1] + \
            "".join(TAG_HTML[t][0] for t in above)

    def _inline_code(self, match: re.Match[str]) -> str:
        return f"<code>{html.escape(match.group('code_text'))}</code>"

    def _inline_tt(self, match: re.Match[str]) -> str:
        return f"<code>{html.escape(match.group('tt_text'))}</code>"

    def _inline_entity(self, match: re.Match[str]) -> str:
        return match.group(0)

    def _inline_smiley(self, match: re.Match[str]) -> str:
        face = match.group(0)
        return f'<span class="smiley" title="{html.escape(face)}">{SMILEYS[face]}</span>'

    def _inline_macro(self, match: re.Match[str]) -> str:
        return self.macro(match.group("macro")[2:-2])

    def macro(self, call: str) -> str:
        """`Name(args)` (without the << >>) run by the shared macros; TableOfContents is ours."""
        name, _, rest = call.partition("(")
        args = rest[:-1] if rest.endswith(")") else rest
        if self.converting:
            return f'<span class="macro-call">&lt;&lt;{html.escape(call)}&gt;&gt;</span>'
        if name == "TableOfContents":
            return self._toc_slot(args)
        if name == "BR":
            return "<br>"
        found = re.fullmatch(MACRO_PATTERN, f"<<{call}>>")
        if found is None:
            return f'<span class="macro-error">{html.escape(call)}: not a macro call</span>'
        element, _, _ = self.macros.handleMatch(found, call)
        return _serialise(element)

    def _toc_slot(self, args: str) -> str:
        slot = len(self._state.toc_slots)
        if slot >= MAX_TOCS:
            return (f'<span class="macro-error">TableOfContents: a page shows at most {MAX_TOCS} tables of '
                    "contents</span>")
        depth = int(args) if args.strip().isdigit() and 0 < int(args) <= 6 else 6
        self._state.toc_slots.append((slot, depth))
        return f"{PLACEHOLDER}c{slot}{PLACEHOLDER}"

    def _inline_link(self, match: re.Match[str]) -> str:
        body = match.group("link_body")
        macro = re.fullmatch(r"([A-Za-z]\w*)(?:\((.*)\))?", body)
        if macro and macro.group(1) in MACRO_1_5 and (macro.group(2) is not None or macro.group(1) in (
                "TableOfContents", "BR", "PageCount", "TitleIndex", "WordIndex", "RecentChanges", "AttachList",
                "AttachInfo", "FullSearch", "Navigation", "NewPage", "Date", "DateTime", "PageList")):
            return self.macro(body)
        target, label, _ = _split_link(body)
        return self.link(target, label)

    def link(self, target: str, label: str | None) -> str:
        """[[target|label]]: a page, a URL, an attachment or an interwiki page."""
        context = self._context()
        target = target.strip()
        label_html = self._label(label) if label else None
        if target.startswith("attachment:"):
            page, filename = self._attachment_target(target[len("attachment:"):])
            text = label_html or html.escape(filename)
            if context.attachment_exists(page, filename):
                return f'<a class="attachment" href="{html.escape(context.attachment_url(page, filename))}">{text}</a>'
            return (f'<a class="attachment missing" href="{html.escape(context.attachments_url(page))}" '
                    f'title="{html.escape(filename)} is not attached yet: upload it">{text}</a>')
        scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", target)
        if scheme and re.fullmatch(URL_SCHEMES_INLINE, scheme.group(1).lower()):
            return f'<a class="external" href="{html.escape(target)}">{label_html or html.escape(target)}</a>'
        if scheme:
            interwiki = self._interwiki(scheme.group(1), target[scheme.end():], label_html)
            if interwiki is not None:
                return interwiki
        element = self.links.element(target, None)
        if label_html is not None and element.tag == "a":
            element.text = None
            return _serialise(element).replace("></a>", f">{label_html}</a>", 1)
        return _serialise(element)

    def _label(self, label: str) -> str:
        embedded = re.fullmatch(r"\s*\{\{(.+)\}\}\s*", label)
        if embedded:
            return self._embed(embedded.group(1))
        return html.escape(label.strip())

    def _attachment_target(self, value: str) -> tuple[str, str]:
        context = self._context()
        page_part, _, filename = value.rpartition("/")
        try:
            page = names.resolve_relative(context.page, page_part) if page_part else context.page
        except InvalidPageName:
            page = context.page
        return page, filename

    def _interwiki(self, prefix: str, rest: str, label_html: str | None) -> str | None:
        if prefix == "Self":
            return self.link(rest, None) if label_html is None else self.link(rest, html.unescape(label_html))
        base = self._context().interwiki().get(prefix)
        if base is None:
            return None
        from urllib.parse import quote

        quoted = quote(rest, safe="/#:")
        url = base.replace("$PAGE", quoted) if "$PAGE" in base else base + quoted
        return (f'<a class="interwiki" href="{html.escape(url)}" title="{html.escape(prefix)}">'
                f"{label_html or html.escape(rest)}</a>")

    def _inline_interwiki(self, match: re.Match[str]) -> str:
        found = self._interwiki(match.group("iw_prefix"), match.group("iw_page"), None)
        if found is not None:
            return found
        # Not an interwiki name: plain text, whose CamelCase words still link.
        return self._inline(match.group("iw_prefix")) + ":" + self._inline(match.group("iw_page"))

    def _inline_embed(self, match: re.Match[str]) -> str:
        return self._embed(match.group("embed_body"))

    def _embed(self, body: str) -> str:
        """{{target|alt|params}}: an attached or external image; anything else becomes a link."""
        target, alt, params = _split_link(body)
        context = self._context()
        width = re.search(r"\bwidth=\"?([0-9]{1,4})", params or "")
        size = f' width="{width.group(1)}"' if width else ""
        if target.startswith("attachment:"):
            page, filename = self._attachment_target(target[len("attachment:"):])
            text = html.escape(alt or filename)
            if not context.attachment_exists(page, filename):
                return (f'<a class="attachment missing" href="{html.escape(context.attachments_url(page))}" '
                        f'title="{html.escape(filename)} is not attached yet: upload it">{text}</a>')
            url = html.escape(context.attachment_url(page, filename))
            if filename.lower().endswith(IMAGE_SUFFIXES):
                return f'<img src="{url}" alt="{text}"{size}>'
            return f'<a class="attachment" href="{url}">{text}</a>'
        if re.match(r"https?://", target) and target.lower().split("?")[0].endswith(IMAGE_SUFFIXES):
            return f'<img src="{html.escape(target)}" alt="{html.escape(alt or target)}"{size}>'
        if re.match(r"https?://", target):
            return f'<a class="external" href="{html.escape(target)}">{html.escape(alt or target)}</a>'
        return self.link(target, alt)  # {{Page}} embeds a page in 1.9: a link here

    def _inline_oldpage(self, match: re.Match[str]) -> str:
        return self.link(match.group("oldpage_name"), None)

    def _inline_oldlink(self, match: re.Match[str]) -> str:
        """1.5's [target label]: wiki:Page, wiki:Wiki:Page, URLs, attachments, [#anchor], [:Page:label]."""
        target, label = match.group("oldlink_target"), match.group("oldlink_label")
        if target.startswith(":"):
            page, _, text = target[1:].partition(":")
            return self.link(page, (text + (" " + label if label else "")) or None)
        if target.startswith("#"):
            return f'<a href="{html.escape(target)}">{html.escape(label or target[1:])}</a>'
        if target.startswith("wiki:"):
            target = target[len("wiki:"):]
            if ":" not in target:
                return self.link(target, label)
        if target.startswith("inline:"):
            target = "attachment:" + target[len("inline:"):]
        return self.link(target, label)

    def _inline_url(self, match: re.Match[str]) -> str:
        url = match.group(0)
        if url.lower().split("?")[0].endswith(IMAGE_SUFFIXES) and url.startswith("http"):
            return f'<img src="{html.escape(url)}" alt="{html.escape(url)}">'
        return f'<a class="external" href="{html.escape(url)}">{html.escape(url)}</a>'

    def _inline_attachment(self, match: re.Match[str]) -> str:
        scheme, _, value = match.group(0).partition(":")
        if scheme == "attachment" and not value.lower().endswith(IMAGE_SUFFIXES):
            return self.link(f"attachment:{value}", None)
        return self._embed(f"attachment:{value}")

    def _inline_camel(self, match: re.Match[str]) -> str:
        word = match.group("camel_name")
        if self.converting:
            return html.escape(match.group(0))  # Markdown pages link CamelCase words (and keep !NotALink) alike
        if match.group("camel_bang"):
            return html.escape(word)
        if not self.camelcase:
            return html.escape(word)
        context = self._context()
        if word.startswith(("/", "../")):
            try:
                name = names.resolve_relative(context.page, word)
            except InvalidPageName:
                return html.escape(word)
            return _serialise(self.links.page_element(name, word))
        return _serialise(self.links.page_element(word, word))


def _split_link(body: str) -> tuple[str, str | None, str | None]:
    """target|label|params, where the label may be an embedded {{image|alt}} with bars of its own."""
    target, bar, rest = body.partition("|")
    if not bar:
        return target, None, None
    if rest.lstrip().startswith("{{") and "}}" in rest:
        end = rest.index("}}") + 2
        label, _, params = rest[:end], "", rest[end:].lstrip("|")
        return target, label, params or None
    label, bar, params = rest.partition("|")
    return target, label, params if bar else None


CELL_ATTRIBUTES = re.compile(r"^\s*<((?:[^<>\"]|\"[^\"]*\")*)>")
ATTRIBUTE_WORD = re.compile(
    r"\s*(?:(?P<key>[a-z]+)\s*=\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[^\s\"]+))"
    r"|(?P<colspan>-[0-9]{1,3})|(?P<rowspan>\|[0-9]{1,3})|(?P<width>[0-9]{1,3}%)|(?P<color>#[0-9A-Fa-f]{3,6})"
    r"|(?P<align>[(:)])|(?P<valign>[\^v]))"
)


def _cell_attributes(cell: str, table: dict[str, str], row: dict[str, str]) -> tuple[dict[str, str], str]:
    """A cell's leading <attributes> (1.9's table markup) and the rest of its text."""
    found = CELL_ATTRIBUTES.match(cell)
    attributes: dict[str, str] = {}
    if not found:
        return attributes, cell
    inside = found.group(1)
    styles: list[str] = []
    position = 0
    while position < len(inside):
        word = ATTRIBUTE_WORD.match(inside, position)
        if not word or word.end() == position:
            if inside[position:].strip():
                return {}, cell  # not attributes after all: text that starts with '<'
            break
        position = word.end()
        if word.group("colspan"):
            attributes["colspan"] = word.group("colspan")[1:]
        elif word.group("rowspan"):
            attributes["rowspan"] = word.group("rowspan")[1:]
        elif word.group("width"):
            styles.append(f"width: {word.group('width')}")
        elif word.group("color"):
            styles.append(f"background-color: {word.group('color')}")
        elif word.group("align"):
            styles.append("text-align: " + {"(": "left", ":": "center", ")": "right"}[word.group("align")])
        elif word.group("valign"):
            styles.append("vertical-align: " + ("top" if word.group("valign") == "^" else "bottom"))
        else:
            key, value = word.group("key"), word.group("quoted") if word.group("quoted") is not None else \
                word.group("bare")
            target = table if key.startswith("table") else row if key.startswith("row") else None
            short = key[5:] if key.startswith("table") else key[3:] if key.startswith("row") else key
            if short == "bgcolor":
                short, value = "style", f"background-color: {value}"
            if short not in ("style", "class", "width", "colspan", "rowspan", "id"):
                continue
            if short == "width":
                short, value = "style", f"width: {value}"
            if target is None:
                if short == "style":
                    styles.append(value)
                elif short == "class":
                    attributes["class"] = value
                elif short in ("colspan", "rowspan") and value.isdigit():
                    attributes[short] = value
            elif short == "style":
                target["style"] = "; ".join(filter(None, [target.get("style", ""), value]))
            elif short == "class":
                target["class"] = value
    if styles:
        attributes["style"] = "; ".join(styles)
    return attributes, cell[found.end():]


def _attributes(attributes: dict[str, str]) -> str:
    return "".join(f' {key}="{html.escape(value)}"' for key, value in attributes.items())


def _serialise(element: etree.Element) -> str:
    element.tail = None
    return etree.tostring(element, encoding="unicode", method="html")


def highlight(text: str, language: str) -> str:
    """Code in a language Pygments knows, highlighted; anything else preformatted."""
    from pygments import highlight as pygmentize
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    from wiki.markup import _HtmlFormatter

    try:
        lexer = get_lexer_by_name({"cplusplus": "cpp", "irc": "irc", "pascal": "delphi"}.get(language, language))
    except ClassNotFound:
        return f"<pre>{html.escape(text)}</pre>"
    return str(pygmentize(text, lexer, _HtmlFormatter(cssclass="highlight")))
