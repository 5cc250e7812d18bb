"""Macros in pages, `<<Name(args)>>`: page lists, recent changes, includes, dates, anchors.

Each macro turns its arguments into an element (or an inline error saying what is
wrong). Macros whose output changes without the page changing mark the render
"volatile", so caches key it on the edit-log as well.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

if TYPE_CHECKING:
    from wiki.markup import LinkContext

MACRO_PATTERN = r"<<([A-Za-z]+)(?:\(([^\n]*?)\))?>>"  # arguments may hold parentheses: up to ")>>"
TOC_MACRO = re.compile(r"^<<TableOfContents(?:\(\s*\))?>>\s*$", re.M)
MAX_INCLUDE_DEPTH = 3
MAX_LIST = 500  # items one list macro shows
# What one render may spend on macros, included pages and all: a few bytes of text must not
# turn into seconds of work or megabytes of HTML (4 includes of a page including a big page...).
MAX_MACROS = 200
MAX_INCLUDES = 20
MAX_INCLUDED_BYTES = 512 * 1024
MAX_LISTED = 2000
REGEX_SECONDS = 0.2  # a PageList regex's time over every page name


@dataclass
class MacroBudget:
    """What is left of one render's allowance; shared by the page and everything it includes."""

    macros: int = MAX_MACROS
    includes: int = MAX_INCLUDES
    included_bytes: int = MAX_INCLUDED_BYTES
    listed: int = MAX_LIST * 4

    def spend(self, what: str, amount: int = 1) -> None:
        left = getattr(self, what)
        if left < amount:
            raise BudgetSpent(what)
        setattr(self, what, left - amount)


class MacroError(Exception):
    """A macro's arguments are wrong: shown inline where the macro stands."""


class BudgetSpent(MacroError):
    """This render has used up its allowance of macros, includes or listed pages."""

    NOTICES = {
        "macros": f"not run: a page may hold at most {MAX_MACROS} macros",
        "includes": f"not run: a page may include at most {MAX_INCLUDES} pages in all",
        "included_bytes": f"not shown: included pages may add at most {MAX_INCLUDED_BYTES // 1024} KB to a page",
        "listed": f"not run: a page's lists may show at most {MAX_LIST * 4} pages in all",
    }

    def __init__(self, what: str) -> None:
        super().__init__(self.NOTICES[what])


def _error(message: str) -> etree.Element:
    span = etree.Element("span", {"class": "macro-error"})
    span.text = AtomicString(message)
    return span


def _time_element(moment: datetime, with_time: bool) -> etree.Element:
    element = etree.Element("time", {"datetime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})
    element.text = moment.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return element


def _regex_matches(pattern_text: str, pages: list[str]) -> list[str]:
    """The pages whose names match a regular expression from the page text, within REGEX_SECONDS
    for all of them (the `regex` package can stop a search; `re` cannot, and a 40-character
    pattern can take hours)."""
    import time

    import regex

    try:
        pattern = regex.compile(pattern_text)
    except Exception as error:  # regex.error, OverflowError (a{4294967296}), RecursionError (deep groups)
        raise MacroError(f"the regular expression is not valid ({type(error).__name__}: {error})") from error
    deadline = time.monotonic() + REGEX_SECONDS
    found = []
    try:
        for page in pages:
            if pattern.search(page, timeout=max(0.001, deadline - time.monotonic())):
                found.append(page)
    except TimeoutError as error:
        raise MacroError(f"the regular expression takes too long (over {REGEX_SECONDS} s); simplify it") from error
    return found


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
            self.context().budget.spend("macros")
            element = handler(raw_args)
        except MacroError as error:
            element = _error(f"{name}: {error}")
        return element, m.start(0), m.end(0)

    def _list(self, names: list[str]) -> etree.Element:
        shown = names[:MAX_LIST]
        self.context().budget.spend("listed", len(shown))
        listing = etree.Element("ul", {"class": "macro-list"})
        for name in shown:
            item = etree.SubElement(listing, "li")
            item.append(self.page_link(name, name))
        return listing

    def macro_PageList(self, args: str) -> etree.Element:
        """PageList(Prefix), PageList(glob*pattern) or PageList(regex:pattern): the pages whose
        names match. A regex has REGEX_SECONDS for all the names together."""
        pages = self.context().list_pages()
        if args.startswith("regex:"):
            return self._list(_regex_matches(args[len("regex:"):], pages))
        if any(char in args for char in "*?["):
            import fnmatch

            return self._list([p for p in pages if fnmatch.fnmatchcase(p, args)])
        return self._list([p for p in pages if p.startswith(args)])

    def macro_RecentChanges(self, args: str) -> etree.Element:
        """RecentChanges(n): the n pages changed last (default 10)."""
        if args and not (args.isascii() and args.isdigit() and 0 < int(args) <= 100):
            raise MacroError("give a number of changes from 1 to 100")
        context = self.context()
        context.volatile = True
        context.budget.spend("listed", int(args or 10))
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
        context.budget.spend("includes")
        text = context.read_page(target)
        if text is None:
            raise MacroError(f"there is no page {target} that you may read")
        context.budget.spend("included_bytes", len(text.encode("utf-8")))
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
            moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(timezone.utc)
        except (ValueError, OverflowError) as error:  # 0001-01-01T00:00+14:00 is before year 1 in UTC
            raise MacroError("give a date as 2026-11-25 or 2026-11-25T10:30:00Z, within years 1 to 9999") from error

    def macro_Date(self, args: str) -> etree.Element:
        return _time_element(self._moment(args), with_time=False)

    def macro_DateTime(self, args: str) -> etree.Element:
        return _time_element(self._moment(args), with_time=True)

    def macro_Anchor(self, args: str) -> etree.Element:
        """Anchor(name): a place to link to as [[Page#name]]."""
        if not re.fullmatch(r"[A-Za-z][\w-]{0,63}", args):
            raise MacroError("an anchor name is a letter followed by letters, digits, - or _")
        return etree.Element("span", {"id": args, "class": "anchor"})

    def macro_TableOfContents(self, args: str) -> Any:
        raise MacroError("put it on a line of its own")
