"""Markdown -> safe HTML: wiki links, CamelCase links, highlighted code, and nh3 sanitising.

Knows nothing of HTTP: URLs come from the callables a caller passes in. Every
string that leaves `Renderer.render` has been through the nh3 allow-list.
"""
from __future__ import annotations

import re
import secrets
import urllib.parse
import xml.etree.ElementTree as etree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pygments.formatters.html import HtmlFormatter

from wiki import defuse, names
from wiki.acl import page_format, without_instructions
from wiki.editlog import LogEntry
from wiki.errors import InvalidPageName
from wiki.links import WIKILINK, WIKILINK_PATTERN
from wiki.macros import MacroBudget, MacroProcessor, tables_of_contents

TYPE_CHECKING = False
if TYPE_CHECKING:
    from wiki.moinwiki import MoinRenderer

MAX_CAMELCASE_LINKS = 5000  # past these, CamelCase words in one page stay plain words
CAMELCASE = re.compile(r"(?<![\w/.#&=?!-])(!?)((?:[A-Z][a-z0-9]+){2,}(?:/(?:[A-Z][a-z0-9]+){2,})*)\b")
ATTACHMENT_SCHEME = "attachment:"
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# A '|' inside [[target|label]] on a table row would split the cell: it is kept as this
# private-use character until the link is read (and any left over is a '|' again).
TABLE_PIPE = "\ue000"
WIKILINK_IN_TEXT = re.compile(r"\[\[[^\]\n]*\]\]")
CODE_SPAN = re.compile(r"(`+[^`\n]*`+)")
MARKUP_WIKILINK = WIKILINK_PATTERN.replace("\\|\\n]+?)(?:\\|", "\\|" + TABLE_PIPE + "\\n]+?)(?:[|" + TABLE_PIPE + "]")

ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "hreflang", "id", "name"},
    "img": {"alt", "src", "width", "height"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "sup": {"id"},
    "li": {"id"},
    "span": {"id"},
    "time": {"datetime"},
    "ol": {"start", "type"},
    **{tag: {*nh3.ALLOWED_ATTRIBUTES.get(tag, ()), "style"} for tag in ("table", "tr", "td", "th")},
}
# What a table's style attribute may set (MoinMoin tables carry <style="...">): nh3 drops the rest.
SAFE_CSS = frozenset({
    "color", "background-color", "text-align", "vertical-align", "width", "height", "font-weight",
    "font-style", "font-size", "text-decoration", "white-space", "border", "border-color", "border-style",
    "border-width", "padding", "min-width", "max-width",
})
URL_SCHEMES = {"http", "https", "mailto", "ftp", "ftps", "tel", "xmpp", "irc", "ircs", "news"}


@dataclass(frozen=True)
class Rendered:
    html: str
    links: frozenset[str] = field(default_factory=frozenset)
    volatile: bool = False  # shows more than this revision: recent changes, an included page, today


def _no_url(*_: str) -> str:
    return ""


def _nothing(*_: str) -> bool:
    return False


@dataclass
class LinkContext:
    """What one render needs to know about the wiki around the page."""

    page: str
    exists: Callable[[str], bool]
    page_url: Callable[[str], str]
    edit_url: Callable[[str], str]
    attachment_url: Callable[[str, str], str] = _no_url
    attachments_url: Callable[[str], str] = _no_url
    attachment_exists: Callable[[str, str], bool] = _nothing
    list_pages: Callable[[], Sequence[str]] = list
    recent: Callable[[int], list[LogEntry]] = lambda count: []
    read_page: Callable[[str], str | None] = lambda name: None
    attachments: Callable[[str], list[tuple[str, int]]] = lambda page: []  # (file name, bytes)
    search: Callable[[str, int, float], list[str]] = lambda query, limit, deadline: []  # page names, best first
    interwiki: Callable[[], dict[str, str]] = dict  # name -> URL prefix (intermap.txt)
    script_root: str = ""
    include_stack: list[str] = field(default_factory=list)
    budget: MacroBudget = field(default_factory=MacroBudget)  # one per render: included pages share it
    links: set[str] = field(default_factory=set)
    volatile: bool = False
    trusted: list[str] = field(default_factory=list)  # HTML we built (forms), put in after sanitising
    # Where a trusted fragment goes is marked with a secret drawn for each render: a page can spell
    # any fixed mark (`&#57346;` passed the old one through nh3, decoded, into an attribute).
    mark: str = field(default_factory=lambda: secrets.token_hex(12))

    def action_url(self, action: str, page: str) -> str:
        """The URL of a page action (/+history/Page), from the page's own URL."""
        url = self.page_url(page)
        if not url.startswith(self.script_root + "/"):
            return url
        return f"{self.script_root}/+{action}{url[len(self.script_root):]}"

    def trust(self, fragment: str) -> str:
        """A place for HTML the sanitiser would strip (a form we built): put in after sanitising."""
        self.trusted.append(fragment)
        return f"trusted-{self.mark}-{len(self.trusted) - 1}."

    def nested(self, page: str) -> LinkContext:
        """The context for rendering `page` included in this one."""
        return replace(self, page=page, include_stack=[*self.include_stack, self.page], links=set(), volatile=True,
                       trusted=[], mark=secrets.token_hex(12))


class _WikiLinks:
    """Builds the <a> for a wiki link target, recording the pages linked."""

    def __init__(self) -> None:
        self.context: LinkContext | None = None

    def element(self, target: str, label: str | None) -> etree.Element:
        assert self.context is not None
        target = target.strip()
        text = (label or target).strip()
        if EXTERNAL.match(target):
            link = etree.Element("a", {"href": target, "class": "external"})
            link.text = AtomicString(text)
            return link
        page_part, _, anchor = target.partition("#")
        try:
            name = names.resolve_relative(self.context.page, page_part) if page_part else self.context.page
        except InvalidPageName as error:
            return _invalid_link(text, str(error))
        return self.page_element(name, text, anchor)

    def page_element(self, name: str, text: str, anchor: str = "") -> etree.Element:
        assert self.context is not None
        try:
            names.normalize(name)  # a CamelCase word or a macro's list may name what cannot be a page
        except InvalidPageName as error:
            return _invalid_link(text, str(error))
        self.context.links.add(name)
        if self.context.exists(name):
            href = self.context.page_url(name) + (f"#{anchor}" if anchor else "")
            link = etree.Element("a", {"href": href, "class": "wikilink"})
        else:
            link = etree.Element("a", {
                "href": self.context.edit_url(name),
                "class": "wikilink missing",
                "title": f"{name} does not exist yet: create it",
            })
        link.text = AtomicString(text)
        return link


def _invalid_link(text: str, why: str) -> etree.Element:
    """A link to a name no page can have: shown as text that says why, never an error."""
    span = etree.Element("span", {"class": "wikilink invalid", "title": f"Not a possible page name: {why}"})
    span.text = AtomicString(text)
    return span


class _TableRowLinks(Preprocessor):  # type: ignore[misc]
    """Table rows (lines starting with '|') keep the '|' of their wiki links out of the cell split."""

    def run(self, lines: list[str]) -> list[str]:
        return [self._protect(line) if line.lstrip().startswith("|") and "[[" in line
                and len(line) - len(line.lstrip()) < 4 else line for line in lines]

    @staticmethod
    def _protect(line: str) -> str:
        parts = CODE_SPAN.split(line)  # code spans show their text as written: left alone
        return "".join(part if index % 2 else WIKILINK_IN_TEXT.sub(lambda m: m.group(0).replace("|", TABLE_PIPE), part)
                       for index, part in enumerate(parts))


class _WikiLinkProcessor(InlineProcessor):  # type: ignore[misc]
    def __init__(self, pattern: str, links: _WikiLinks) -> None:
        super().__init__(pattern)
        self.links = links

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        return self.links.element(m.group(1), m.group(2)), m.start(0), m.end(0)


def _atomic(text: str) -> bool:
    """Text to leave alone (code, link labels); not a plain text the inline stage merely skipped."""
    return isinstance(text, AtomicString) and not isinstance(text, defuse.PlainText)


class _CamelCaseProcessor(Treeprocessor):  # type: ignore[misc]
    """Links CamelCase words in text, never inside links or code; `!CamelCase` stays text."""

    SKIP = {"a", "code", "pre", "script", "style"}

    def __init__(self, md: markdown.Markdown, links: _WikiLinks) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: etree.Element) -> None:
        self.remaining = MAX_CAMELCASE_LINKS  # each is a link with a lookup: a budget per render
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        for child in list(element):
            if child.tag not in self.SKIP:
                self._walk(child)
            self._link_tail(element, child)
        if element.text and not _atomic(element.text):
            head, nodes = self._split(element.text)
            element.text = head
            for index, node in enumerate(nodes):
                element.insert(index, node)

    def _link_tail(self, parent: etree.Element, child: etree.Element) -> None:
        if not child.tail or _atomic(child.tail):
            return
        head, nodes = self._split(child.tail)
        if not nodes:
            return  # (looking the child up below costs the parent's length: not for every tail)
        child.tail = head
        position = list(parent).index(child) + 1
        for offset, node in enumerate(nodes):
            parent.insert(position + offset, node)

    def _split(self, text: str) -> tuple[str, list[etree.Element]]:
        """Cut text into (leading text, [link elements each carrying the following text as tail])."""
        if self.remaining <= 0:
            return text, []
        pieces = CAMELCASE.split(text)
        if len(pieces) == 1:
            return text, []
        self.remaining -= len(pieces) // 3
        head = pieces[0]
        nodes: list[etree.Element] = []
        for bang, word, after in zip(pieces[1::3], pieces[2::3], pieces[3::3], strict=True):
            if bang:
                if nodes:
                    nodes[-1].tail = (nodes[-1].tail or "") + word + after
                else:
                    head += word + after
                continue
            node = self.links.page_element(word, word)
            node.tail = after
            nodes.append(node)
        return head, nodes


class _LinkTargetProcessor(Treeprocessor):  # type: ignore[misc]
    """The targets of links and images the text wrote itself, in one walk of the tree:

    - `attachment:file.png` (this page's) or `attachment:Other/Page/file.png` becomes the file's
      URL; a missing file becomes a link to the upload page;
    - a relative address (`[index](+index)`, `[up](../Other)`) means relative to the page's own
      address, wherever the page is shown (in its print view, /+print/Page, "+index" would be
      /+print/+index): it is made absolute against the page's URL. An export's addresses are
      relative: those are left to the export, which points them at its own files.
    """

    def __init__(self, md: markdown.Markdown, links: _WikiLinks) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: etree.Element) -> None:
        context = self.links.context
        assert context is not None
        base = context.page_url(context.page)
        for parent in root.iter():
            for index, element in enumerate(list(parent)):
                attribute = {"a": "href", "img": "src"}.get(element.tag)
                value = element.get(attribute) if attribute else None
                if not value or not attribute:
                    continue
                if value.startswith(ATTACHMENT_SCHEME):
                    self._attachment(context, parent, index, element, attribute, value)
                elif base.startswith("/") and not value.startswith(("/", "#", "?")) \
                        and not urllib.parse.urlsplit(value).scheme:
                    element.set(attribute, urllib.parse.urljoin(base, value))

    @staticmethod
    def _attachment(context: LinkContext, parent: etree.Element, index: int, element: etree.Element,
                    attribute: str, value: str) -> None:
        page_part, _, filename = value[len(ATTACHMENT_SCHEME):].rpartition("/")
        try:
            page = names.resolve_relative(context.page, page_part) if page_part else context.page
        except InvalidPageName:
            page = context.page
        if context.attachment_exists(page, filename):
            element.set(attribute, context.attachment_url(page, filename))
            return
        missing = etree.Element("a", {"href": context.attachments_url(page), "class": "attachment missing",
                                      "title": f"{filename} is not attached yet: upload it"})
        missing.text = AtomicString(element.get("alt") or element.text or filename)
        missing.tail = element.tail
        parent.remove(element)
        parent.insert(index, missing)


class WikiExtension(Extension):  # type: ignore[misc]
    def __init__(self, camelcase: bool, include: Callable[[str, LinkContext], str]) -> None:
        super().__init__()
        self.links = _WikiLinks()
        self.camelcase = camelcase
        self.include = include

    def _context(self) -> LinkContext:
        assert self.links.context is not None
        return self.links.context

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Above 'link' (160) so [[a]] is never read as a reference link; macros above 'html' (90).
        md.inlinePatterns.register(_WikiLinkProcessor(MARKUP_WIKILINK, self.links), "wikilink", 175)
        md.preprocessors.register(_TableRowLinks(md), "table-row-links", 19)  # after fenced code and html
        macros = MacroProcessor(self._context, self.links.page_element, self.include, md.htmlStash.store)
        md.inlinePatterns.register(macros, "macro", 176)
        defuse.register(md)
        md.treeprocessors.register(_LinkTargetProcessor(md, self.links), "link-targets", 16)
        if self.camelcase:
            md.treeprocessors.register(_CamelCaseProcessor(md, self.links), "camelcase", 15)


def sanitize(html: str) -> str:
    """The allow-list every rendered page passes through: no script, handler or unsafe URL."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=SAFE_CSS,
    )


def with_trusted(sanitised: str, context: LinkContext) -> str:
    """Put the fragments `context.trust` kept into sanitised HTML. Only this render's secret mark is
    replaced, and only where the renderer put it: in text, never inside a tag (an attribute)."""
    if not context.trusted:
        return sanitised
    mark = re.compile(f"trusted-{context.mark}-([0-9]+)\\.")
    pieces = TAG.split(sanitised)  # nh3's output: text and whole tags, alternately
    for index in range(0, len(pieces), 2):
        pieces[index] = mark.sub(lambda m: context.trusted[int(m.group(1))], pieces[index])
    return "".join(pieces)


# A tag in nh3's output: it escapes every '<' and '>' of text, and quotes attribute values
# (escaping '"' in them), so a tag ends at the first '>' outside quotes.
TAG = re.compile(r'(<[^>"]*(?:"[^"]*"[^>"]*)*>)')




class _HtmlFormatter(HtmlFormatter):  # type: ignore[misc]
    """Pygments' HTML formatter, building its style tables once per style: CodeHilite makes a new
    formatter for every code block (0.4 ms each; 0.2 s on a page of 500 blocks)."""

    _tables: dict[tuple[Any, str], tuple[dict[Any, str], dict[str, Any]]] = {}

    def _create_stylesheet(self) -> None:
        key = (self.style, self.classprefix)
        cached = self._tables.get(key)
        if cached is None:
            super()._create_stylesheet()
            self._tables[key] = (self.ttype2class, self.class2style)  # type: ignore[has-type]
        else:
            self.ttype2class, self.class2style = cached


FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)|<[a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*>|\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")


def scan_markdown_links(name: str, text: str, camelcase: bool) -> frozenset[str]:
    """The pages a Markdown page links to, found without rendering it (a tenth of the time,
    which is what rebuilding the link table of a large wiki costs): [[links]] and, with
    `camelcase`, CamelCase words, outside fenced code and code spans; never inside
    [label](url) links or URLs. Where it differs from the render it finds more, not less
    (a link inside an indented code block or an HTML block counts): cached views are
    stamped by these links (wiki/stamps.py), so one must never be missed."""
    found: set[str] = set()
    prose: list[str] = []
    fence = ""
    for line in without_instructions(text).replace("\r", "").split("\n"):
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        prose.append(CODE_SPAN.sub(" ", line))
    remaining = MAX_CAMELCASE_LINKS
    for line in prose:
        if "[[" in line:
            for match in WIKILINK.finditer(line.replace(TABLE_PIPE, "|")):
                target = match.group(1).strip()
                if EXTERNAL.match(target):
                    continue
                page_part = target.partition("#")[0]
                try:
                    found.add(names.normalize(names.resolve_relative(name, page_part) if page_part else name))
                except InvalidPageName:
                    continue
            line = WIKILINK.sub(" ", line)
        if not camelcase or remaining <= 0:
            continue
        for bang, word in CAMELCASE.findall(MARKDOWN_LINK.sub(" ", line)):
            if bang:
                continue
            remaining -= 1
            try:
                found.add(names.normalize(word))
            except InvalidPageName:
                continue
    found.discard(name)
    return frozenset(found)


class Renderer:
    """Owns one Markdown instance (expensive to build) and reuses it for every page."""

    def __init__(self, camelcase: bool = True, lean: bool = False, default_markup: str = "markdown",
                 converting: bool = False) -> None:
        """`lean`: only what decides links (no highlighting, tables, footnotes): for the link table.
        `default_markup`: for pages without a #format line ("markdown", or "wiki" for MoinMoin's).
        `converting`: MoinMoin markup rendered for conversion to Markdown (wiki/convert.py)."""
        self.converting = converting
        self.camelcase = camelcase
        self.lean = lean
        self.default_markup = default_markup
        self._moin: MoinRenderer | None = None
        self.wiki = WikiExtension(camelcase, self._include)
        self._nested: Renderer | None = None
        self._lean: Renderer | None = None
        extensions = ["fenced_code", self.wiki] if lean else \
            ["tables", "fenced_code", "codehilite", "toc", "footnotes", "sane_lists", self.wiki]
        self.md = markdown.Markdown(
            extensions=extensions,
            extension_configs={
                "codehilite": {"css_class": "highlight", "guess_lang": False, "pygments_formatter": _HtmlFormatter},
                "tables": {"use_align_attribute": True},
                "toc": {"permalink": False},
            },
            output_format="html",
        )

    def links(self, name: str, text: str, exists: Callable[[str], bool]) -> frozenset[str]:
        """The pages a text links to (what the link table records), without any URLs: a
        Markdown page's are scanned for (see `scan_markdown_links`), others' rendered."""
        if page_format(text, self.default_markup) == "markdown":
            return scan_markdown_links(name, text, self.camelcase)
        if not self.lean:
            if self._lean is None:
                self._lean = Renderer(self.camelcase, lean=True, default_markup=self.default_markup)
            return self._lean.links(name, text, exists)
        return self.render(text, LinkContext(name, exists, _no_url, _no_url)).links

    def render(self, text: str, context: LinkContext) -> Rendered:
        """The page's markup (its #format, else the default) as sanitised HTML."""
        markup = page_format(text, self.default_markup)
        if markup in ("wiki", "moin"):
            return self._render_moin(text, context)
        if markup != "markdown":
            return self._render_other(markup, text, context)
        self.wiki.links.context = context
        try:
            html = self.md.reset().convert(tables_of_contents(without_instructions(text)))
        except RecursionError:  # a nesting that defuse.py did not foresee: show the text, never a 500
            self.md.reset()
            html = defuse.as_written(text)
        finally:
            self.wiki.links.context = None
        html = with_trusted(sanitize(html).replace(TABLE_PIPE, "|"), context)
        return Rendered(html, frozenset(context.links), context.volatile)

    def _render_moin(self, text: str, context: LinkContext) -> Rendered:
        if self._moin is None:
            from wiki.moinwiki import MoinRenderer

            self._moin = MoinRenderer(_WikiLinks(), self._include, self.converting)
        self._moin.links.context = context
        try:
            html = self._moin.render(text, self.camelcase)
            html = with_trusted(sanitize(html), context)
        finally:
            self._moin.links.context = None
        return Rendered(html, frozenset(context.links), context.volatile)

    def _render_other(self, markup: str, text: str, context: LinkContext) -> Rendered:
        """#format plain: the text as written; a language Pygments knows (#format python):
        highlighted; any other format: as written, saying so."""
        import html

        from wiki.moinwiki import highlight, strip_instructions

        body = "\n".join(strip_instructions(text)[1])
        plain = markup in ("plain", "text/plain")
        shown = f"<pre>{html.escape(body)}</pre>" if plain else highlight(body, markup)
        notice = "" if plain or 'class="highlight"' in shown else \
            f'<p class="notice">This page is written in {html.escape(markup)}, which this wiki does not render: ' \
            "it is shown as written.</p>"
        return Rendered(sanitize(notice + shown), frozenset(context.links), context.volatile)

    def _include(self, text: str, context: LinkContext) -> str:
        """Render an included page: with another Markdown instance, as this one is mid-page."""
        if self._nested is None:
            self._nested = Renderer(self.camelcase, default_markup=self.default_markup)
        return self._nested.render(text, context).html
