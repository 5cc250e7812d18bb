"""Macros in pages, `<<Name(args)>>`: page lists, recent changes, includes, dates, anchors.

Each macro turns its arguments into an element (or an inline error saying what is
wrong). Macros whose output changes without the page changing mark the render
"volatile", so caches key it on the edit-log as well.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

if TYPE_CHECKING:
    from wiki.markup import LinkContext

MACRO_PATTERN = r"<<([A-Za-z]+)(?:\(([^\n]*?)\))?>>"  # arguments may hold parentheses: up to ")>>"
TOC_MACRO = re.compile(r"^<<TableOfContents(?:\(\s*\))?>>\s*$", re.M)
MAX_INCLUDE_DEPTH = 3
MAX_LIST = 500


class MacroError(Exception):
    """A macro's arguments are wrong: shown inline where the macro stands."""


def _error(message: str) -> etree.Element:
    span = etree.Element("span", {"class": "macro-error"})
    span.text = AtomicString(message)
    return span


def _time_element(moment: datetime, with_time: bool) -> etree.Element:
    element = etree.Element("time", {"datetime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})
    element.text = moment.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return element


class MacroProcessor(InlineProcessor):  # type: ignore[misc]
    def __init__(self, context: Callable[[], LinkContext], page_link: Callable[[str, str], etree.Element],
                 include: Callable[[str, LinkContext], str], stash: Callable[[str], str]) -> None:
        super().__init__(MACRO_PATTERN)
        self.context = context
        self.page_link = page_link
        self.include_html = include
        self.stash = stash

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        name, raw_args = m.group(1), (m.group(2) or "").strip()
        handler = getattr(self, f"macro_{name}", None)
        if handler is None:
            return _error(f"Unknown macro {name}: see HelpOnEditing for the ones there are."), m.start(0), m.end(0)
        try:
            element = handler(raw_args)
        except MacroError as error:
            element = _error(f"{name}: {error}")
        return element, m.start(0), m.end(0)

    def _list(self, names: list[str]) -> etree.Element:
        listing = etree.Element("ul", {"class": "macro-list"})
        for name in names[:MAX_LIST]:
            item = etree.SubElement(listing, "li")
            item.append(self.page_link(name, name))
        return listing

    def macro_PageList(self, args: str) -> etree.Element:
        """PageList(Prefix) or PageList(regex:pattern): the pages whose names match."""
        pages = self.context().list_pages()
        if args.startswith("regex:"):
            try:
                pattern = re.compile(args[len("regex:"):])
            except re.error as error:
                raise MacroError(f"the regular expression is not valid ({error})") from error
            return self._list([p for p in pages if pattern.search(p)])
        return self._list([p for p in pages if p.startswith(args)])

    def macro_RecentChanges(self, args: str) -> etree.Element:
        """RecentChanges(n): the n pages changed last (default 10)."""
        if args and not (args.isascii() and args.isdigit() and 0 < int(args) <= 100):
            raise MacroError("give a number of changes from 1 to 100")
        context = self.context()
        context.volatile = True
        listing = etree.Element("ul", {"class": "macro-list recent"})
        for entry in context.recent(int(args or 10)):
            item = etree.SubElement(listing, "li")
            item.append(self.page_link(entry.name, entry.name))
            item[-1].tail = " "
            item.append(_time_element(entry.time, with_time=True))
        return listing

    def macro_Include(self, args: str) -> etree.Element:
        """Include(Page): that page's text, rendered here (to a depth of 3, never in a loop)."""
        context = self.context()
        context.volatile = True
        if not args:
            raise MacroError("name the page to include")
        from wiki import names

        try:
            target = names.resolve_relative(context.page, args)
        except ValueError as error:
            raise MacroError(str(error)) from error
        if target in context.include_stack or target == context.page:
            raise MacroError(f"{target} is already being included here (a loop)")
        if len(context.include_stack) >= MAX_INCLUDE_DEPTH:
            raise MacroError(f"includes are nested at most {MAX_INCLUDE_DEPTH} deep")
        text = context.read_page(target)
        if text is None:
            raise MacroError(f"there is no page {target} that you may read")
        html = self.include_html(text, context.nested(target))
        block = etree.Element("div", {"class": "include"})
        block.text = self.stash(html)
        return block

    def _moment(self, args: str) -> datetime:
        if not args:
            self.context().volatile = True
            return datetime.now(timezone.utc)
        try:
            moment = datetime.fromisoformat(args.replace("Z", "+00:00"))
        except ValueError as error:
            raise MacroError("give a date as 2026-11-25 or 2026-11-25T10:30:00Z") from error
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    def macro_Date(self, args: str) -> etree.Element:
        return _time_element(self._moment(args).astimezone(timezone.utc), with_time=False)

    def macro_DateTime(self, args: str) -> etree.Element:
        return _time_element(self._moment(args).astimezone(timezone.utc), with_time=True)

    def macro_Anchor(self, args: str) -> etree.Element:
        """Anchor(name): a place to link to as [[Page#name]]."""
        if not re.fullmatch(r"[A-Za-z][\w-]{0,63}", args):
            raise MacroError("an anchor name is a letter followed by letters, digits, - or _")
        return etree.Element("span", {"id": args, "class": "anchor"})

    def macro_TableOfContents(self, args: str) -> Any:
        raise MacroError("put it on a line of its own")
