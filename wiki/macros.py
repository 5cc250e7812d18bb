"""Macros in pages, `<<Name(args)>>`: page lists, recent changes, includes, dates, anchors.

Each macro turns its arguments into an element (or an inline error saying what is
wrong). Macros whose output changes without the page changing mark the render
"volatile", so caches key it on the edit-log as well.
"""
from __future__ import annotations

import re
import time
import xml.etree.ElementTree as etree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

if TYPE_CHECKING:
    from wiki.markup import LinkContext

MACRO_PATTERN = r"<<([A-Za-z]+)(?:\(([^\n]*?)\))?>>"  # arguments may hold parentheses: up to ")>>"
TOC_MACRO = re.compile(r"^(?:<<TableOfContents(?:\(\s*\))?>>|\[TOC\])[ \t]*$", re.M)  # (and Markdown's [TOC])
# Each table of contents lists every heading: 1,000 of them over 1,000 headings made 85 MB of
# HTML from 26 KB of text. Past this many, the others are a notice.
MAX_TOCS = 3
MAX_TOC_ENTRIES = 500  # headings one table of contents lists (MoinMoin pages); then "and N more"
MAX_INCLUDE_DEPTH = 3
MAX_LIST = 500  # items one list macro shows
# What one render may spend on macros, included pages and all: a few bytes of text must not
# turn into seconds of work or megabytes of HTML (4 includes of a page including a big page...).
MAX_MACROS = 200
MAX_INCLUDES = 20
MAX_INCLUDED_BYTES = 512 * 1024
MAX_LISTED = 2000
REGEX_SECONDS = 0.2  # a PageList regex's time over every page name
# Time is counted per render, not per macro: 200 regex PageLists of 0.2 s each took 43 s, and 50
# wildcard FullSearches 288 s. Past this, every macro left (in included pages too) is a notice.
RENDER_SECONDS = 1.0
MAX_SEARCHES = 10  # FullSearch macros one render runs


def _render_deadline() -> float:
    return time.monotonic() + RENDER_SECONDS


@dataclass
class MacroBudget:
    """What is left of one render's allowance of work and time; shared by the page and everything
    it includes. The clock starts when the render's budget is made."""

    macros: int = MAX_MACROS
    includes: int = MAX_INCLUDES
    included_bytes: int = MAX_INCLUDED_BYTES
    listed: int = MAX_LIST * 4
    searches: int = MAX_SEARCHES
    deadline: float = field(default_factory=_render_deadline)

    def spend(self, what: str, amount: int = 1) -> None:
        left = getattr(self, what)
        if left < amount:
            raise BudgetSpent(what)
        setattr(self, what, left - amount)

    def seconds_left(self) -> float:
        """The render's time still unspent; BudgetSpent once there is none."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BudgetSpent("time")
        return left


class MacroError(Exception):
    """A macro's arguments are wrong: shown inline where the macro stands."""


class BudgetSpent(MacroError):
    """This render has used up its allowance of macros, includes or listed pages."""

    NOTICES = {
        "macros": f"not run: a page may hold at most {MAX_MACROS} macros",
        "includes": f"not run: a page may include at most {MAX_INCLUDES} pages in all",
        "included_bytes": f"not shown: included pages may add at most {MAX_INCLUDED_BYTES // 1024} KB to a page",
        "listed": f"not run: a page's lists may show at most {MAX_LIST * 4} pages in all",
        "searches": f"not run: a page may run at most {MAX_SEARCHES} searches",
        "time": f"not run: the macros of a page (and of the pages it includes) may take {RENDER_SECONDS:g} s in all",
    }

    def __init__(self, what: str) -> None:
        super().__init__(self.NOTICES[what])


def tables_of_contents(text: str) -> str:
    """Markdown's [TOC] for the first MAX_TOCS tables of contents on lines of their own; the
    others become <<TableOfContents>>, which the macros show as a notice."""
    seen = 0

    def one(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return "[TOC]" if seen <= MAX_TOCS else "<<TableOfContents>>"

    return TOC_MACRO.sub(one, text)


def arguments(raw: str) -> tuple[list[str], dict[str, str]]:
    """A macro's arguments as 1.9 writes them: comma-separated, "quoted" where they hold commas,
    name=value for keywords; (positional values, keywords)."""
    positional: list[str] = []
    keywords: dict[str, str] = {}
    for found in re.finditer(r'\s*(?:(\w+)\s*=\s*)?(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)', raw):
        if found.end() == found.start():
            break
        value = found.group(2) if found.group(2) is not None else (found.group(3) or "").strip()
        if found.group(1):
            keywords[found.group(1)] = value
        else:
            positional.append(value)
        if found.end() >= len(raw):
            break
    return positional, keywords


def _count(value: str, what: str) -> int:
    if not (value.isascii() and value.isdigit() and int(value) <= 10_000):
        raise MacroError(f"{what} is a number from 0 to 10000")
    return int(value)


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _regex_seconds(budget: MacroBudget) -> float:
    return min(REGEX_SECONDS, budget.seconds_left())


def _too_long(budget: MacroBudget, seconds: float) -> MacroError:
    """The error for a regex that ran out of `seconds`: its own limit, or the render's time."""
    if seconds < REGEX_SECONDS:
        return BudgetSpent("time")
    return MacroError(f"the regular expression takes too long (over {REGEX_SECONDS} s); simplify it")


def _regex_search(pattern_text: str, text: str, budget: MacroBudget) -> tuple[int, int] | None:
    """Where a regular expression from a page first matches another page's text, within
    REGEX_SECONDS and the render's time."""
    import regex

    seconds = _regex_seconds(budget)
    try:
        found = regex.compile(pattern_text, regex.M).search(text, timeout=seconds)
    except TimeoutError as error:
        raise _too_long(budget, seconds) from error
    except Exception as error:
        raise MacroError(f"the regular expression is not valid ({type(error).__name__}: {error})") from error
    return found.span() if found else None


def _error(message: str) -> etree.Element:
    span = etree.Element("span", {"class": "macro-error"})
    span.text = AtomicString(message)
    return span


def _time_element(moment: datetime, with_time: bool) -> etree.Element:
    element = etree.Element("time", {"datetime": moment.strftime("%Y-%m-%dT%H:%M:%SZ")})
    element.text = moment.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return element


def _regex_matches(pattern_text: str, pages: Sequence[str], budget: MacroBudget) -> list[str]:
    """The pages whose names match a regular expression from the page text, within REGEX_SECONDS
    for all of them and the render's time (the `regex` package can stop a search; `re` cannot,
    and a 40-character pattern can take hours)."""
    import regex

    try:
        pattern = regex.compile(pattern_text)
    except Exception as error:  # regex.error, OverflowError (a{4294967296}), RecursionError (deep groups)
        raise MacroError(f"the regular expression is not valid ({type(error).__name__}: {error})") from error
    seconds = _regex_seconds(budget)
    deadline = time.monotonic() + seconds
    found = []
    try:
        for page in pages:
            if pattern.search(page, timeout=max(0.001, deadline - time.monotonic())):
                found.append(page)
    except TimeoutError as error:
        raise _too_long(budget, seconds) from error
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
            budget = self.context().budget
            budget.spend("macros")
            budget.seconds_left()
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
            return self._list(_regex_matches(args[len("regex:"):], pages, self.context().budget))
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
        """Include(Page, heading, level, from="re", to="re", items=n, skipitems=n, sort=descending,
        titlesonly): that page's text (or, with ^regex, each matching page's), rendered here:
        to a depth of 3, never in a loop, from the first match of `from` to the next of `to`."""
        context = self.context()
        context.volatile = True
        positional, keywords = arguments(args)
        if not positional or not positional[0]:
            raise MacroError("name the page to include")
        targets = self._include_targets(positional[0], keywords)
        heading = positional[1] if len(positional) > 1 else ""
        level = positional[2] if len(positional) > 2 else "1"
        if not (level.isascii() and level.isdigit() and 1 <= int(level) <= 6):
            raise MacroError("the heading level is a number from 1 to 6")
        block = etree.Element("div", {"class": "include"})
        if "titlesonly" in keywords or "titlesonly" in positional[1:]:
            block.append(self._list(targets))
            return block
        pieces = []
        for target in targets:
            text = self._included_text(target, keywords)
            if heading:
                pieces.append(f'<h{level} class="include-heading">{_escape(heading)}</h{level}>')
            pieces.append(self.include_html(text, context.nested(target)))
        block.text = self.stash("".join(pieces))
        return block

    def _include_targets(self, pattern: str, keywords: dict[str, str]) -> list[str]:
        from wiki import names

        context = self.context()
        if pattern.startswith("^"):
            found = sorted(p for p in _regex_matches(pattern, context.list_pages(), context.budget) if p != context.page)
            if keywords.get("sort", "ascending") == "descending":
                found.reverse()
            skip = _count(keywords.get("skipitems", "0"), "skipitems")
            items = _count(keywords.get("items", str(MAX_INCLUDES)), "items")
            return found[skip:skip + items]
        try:
            return [names.resolve_relative(context.page, pattern)]
        except ValueError as error:
            raise MacroError(str(error)) from error

    def _included_text(self, target: str, keywords: dict[str, str]) -> str:
        context = self.context()
        if target in context.include_stack or target == context.page:
            raise MacroError(f"{target} is already being included here (a loop)")
        if len(context.include_stack) >= MAX_INCLUDE_DEPTH:
            raise MacroError(f"includes are nested at most {MAX_INCLUDE_DEPTH} deep")
        context.budget.spend("includes")
        text = context.read_page(target)
        if text is None:
            raise MacroError(f"there is no page {target} that you may read")
        context.budget.spend("included_bytes", len(text.encode("utf-8")))
        if "from" in keywords:
            found = _regex_search(keywords["from"], text, context.budget)
            text = text[found[1]:] if found else ""
        if "to" in keywords:
            found = _regex_search(keywords["to"], text, context.budget)
            text = text[:found[0]] if found else text
        return text

    def macro_BR(self, args: str) -> etree.Element:
        return etree.Element("br")

    def macro_GetText(self, args: str) -> etree.Element:
        span = etree.Element("span")
        span.text = AtomicString(args)
        return span

    def macro_PageCount(self, args: str) -> etree.Element:
        """PageCount: how many pages there are (1.9's `exists` argument changes nothing here)."""
        span = etree.Element("span", {"class": "page-count"})
        span.text = str(len(self.context().list_pages()))
        return span

    def macro_TitleIndex(self, args: str) -> etree.Element:
        """Every page, under its first letter, with a bar of letters to jump to."""
        pages = self.context().list_pages()
        return self._grouped([(p[:1].upper(), p) for p in pages], len(pages))

    def macro_WordIndex(self, args: str) -> etree.Element:
        """The words of the page names (CamelCase parts, spaces, slashes), each with its pages."""
        pairs = []
        for page in self.context().list_pages():
            for word in sorted(set(re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])|[^\W\d_]+", page))):
                if len(word) > 1:
                    pairs.append((word, page))
                if len(pairs) > MAX_LISTED * 4:
                    break
        pairs.sort(key=lambda pair: (pair[0].casefold(), pair[1]))
        return self._grouped(pairs, len(pairs))

    def _grouped(self, pairs: list[tuple[str, str]], total: int) -> etree.Element:
        shown = pairs[:MAX_LIST]
        self.context().budget.spend("listed", len(shown))
        block = etree.Element("div", {"class": "macro-index"})
        groups: dict[str, list[str]] = {}
        for key, page in shown:
            groups.setdefault(key, []).append(page)
        bar = etree.SubElement(block, "p", {"class": "index-letters"})
        for number, key in enumerate(groups):
            link = etree.SubElement(bar, "a", {"href": f"#index-{number}"})
            link.text = key
            link.tail = " "
        for number, (key, pages) in enumerate(groups.items()):
            title = etree.SubElement(block, "h3", {"id": f"index-{number}"})
            title.text = key
            block.append(self._list(pages))
        if total > len(shown):
            note = etree.SubElement(block, "p", {"class": "notice"})
            note.text = f"Showing {len(shown)} of {total}: the page index lists them all."
        return block

    def macro_Navigation(self, args: str) -> etree.Element:
        """Navigation(children|siblings|parent|slides[, depth]): links around this page."""
        from wiki import names

        positional, _ = arguments(args)
        kind = positional[0] if positional else "children"
        depth = _count(positional[1], "depth") if len(positional) > 1 else 1
        context = self.context()
        parent = names.parent(context.page)
        if kind == "parent":
            if parent is None:
                raise MacroError("this page has no parent page")
            return self.page_link(parent, parent)
        if kind not in ("children", "siblings", "slides"):
            raise MacroError("give children, siblings, parent or slides")
        base = context.page if kind == "children" else parent
        prefix = f"{base}/" if base else ""
        under = [p for p in context.list_pages() if p.startswith(prefix) and p != context.page
                 and 0 < p[len(prefix):].count("/") + 1 <= depth]
        if kind != "slides":
            return self._list(under)
        ordered = sorted([*under, context.page])
        at = ordered.index(context.page)
        bar = etree.Element("p", {"class": "navigation"})
        for label, index in (("← previous", at - 1), ("next →", at + 1)):
            if 0 <= index < len(ordered):
                bar.append(self.page_link(ordered[index], label))
                bar[-1].tail = " "
        return bar

    def macro_MailTo(self, args: str) -> etree.Element:
        """MailTo(name AT example DOT com, text): an address robots cannot harvest."""
        positional, _ = arguments(args)
        if not positional or not positional[0]:
            raise MacroError("give an address, such as john DOT doe AT example DOT com")
        shown = positional[0].replace("@", " AT ").replace(".", " DOT ")
        shown = " ".join(shown.split())
        span = etree.Element("span", {"class": "mailto"})
        span.text = AtomicString(f"{positional[1]} ({shown})" if len(positional) > 1 and positional[1] else shown)
        return span

    def macro_FullSearch(self, args: str) -> etree.Element:
        """FullSearch(words): the pages the search index finds (without words: a search form)."""
        context = self.context()
        positional, _ = arguments(args)
        query = positional[0] if positional else ""
        if not query:
            from html import escape

            form = etree.Element("span")
            form.text = context.trust(
                f'<form class="macro-search" method="get" action="{escape(context.script_root)}/+search" '
                'role="search"><input type="search" name="q" aria-label="Search the text of every page">'
                '<input type="hidden" name="fulltext" value="1"> <button type="submit">Search</button></form>')
            return form
        context.volatile = True
        context.budget.spend("searches")
        return self._list(context.search(query, MAX_LIST, context.budget.deadline))

    macro_FullSearchCached = macro_FullSearch

    def macro_AttachList(self, args: str) -> etree.Element:
        """AttachList(page, mimetype): the files attached to a page, with their sizes."""
        import fnmatch
        import mimetypes

        page = self._page_argument(args)
        positional, _ = arguments(args)
        wanted = positional[1] if len(positional) > 1 else "*"
        context = self.context()
        listing = etree.Element("ul", {"class": "macro-list attachments"})
        for filename, size in context.attachments(page):
            kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            if not fnmatch.fnmatchcase(kind, wanted):
                continue
            item = etree.SubElement(listing, "li")
            link = etree.SubElement(item, "a", {"href": context.attachment_url(page, filename)})
            link.text = AtomicString(filename)
            link.tail = f" ({_size(size)})"
        if not len(listing):
            note = etree.Element("span", {"class": "notice"})
            note.text = f"No files are attached to {page}."
            return note
        return listing

    def macro_AttachInfo(self, args: str) -> etree.Element:
        page = self._page_argument(args)
        context = self.context()
        count = len(context.attachments(page))
        link = etree.Element("a", {"href": context.attachments_url(page)})
        link.text = f"{count} attachment{'s' if count != 1 else ''} stored for {page}"
        return link

    def _page_argument(self, args: str) -> str:
        from wiki import names

        positional, _ = arguments(args)
        context = self.context()
        if not positional or not positional[0]:
            return context.page
        try:
            return names.resolve_relative(context.page, positional[0])
        except ValueError as error:
            raise MacroError(str(error)) from error

    def macro_NewPage(self, args: str) -> etree.Element:
        """NewPage(template, button label, parent page): a form that starts a new page."""
        from html import escape

        positional, _ = arguments(args)
        template, label, parent = (positional + ["", "", ""])[:3]
        context = self.context()
        if parent == "@SELF":
            parent = context.page
        prefix = f"{parent}/" if parent else ""
        hidden = f'<input type="hidden" name="template" value="{escape(template)}">' if template else ""
        form = etree.Element("span")
        form.text = context.trust(
            f'<form class="macro-newpage" method="get" action="{escape(context.script_root)}/+new">{hidden}'
            f'<input type="text" name="name" value="{escape(prefix)}" aria-label="Name of the new page"> '
            f'<button type="submit">{escape(label or "Create new page")}</button></form>')
        return form

    ICONS = {"info": "ℹ️", "attention": "⚠️", "alert": "❗", "idea": "💡", "ok": "👍", "edit": "✎",
             "diff": "±", "search": "🔍", "home": "⌂", "up": "↑", "help": "?", "star_on": "★", "star_off": "☆",
             "checkmark": "✔", "prio1": "①", "prio2": "②", "prio3": "③", "smile": "🙂", "sad": "🙁"}

    def macro_Icon(self, args: str) -> etree.Element:
        name = args.strip().rsplit(".", 1)[0].lower()
        if name not in self.ICONS:
            raise MacroError(f"there is no icon {args.strip()!r}; there are {', '.join(sorted(self.ICONS))}")
        span = etree.Element("span", {"class": "icon", "title": name})
        span.text = self.ICONS[name]
        return span

    ACTIONS = {"edit": "edit", "info": "info", "history": "history", "diff": "diff", "raw": "raw",
               "print": "print", "AttachFile": "attachments", "RenamePage": "rename", "DeletePage": "delete",
               "revert": "revert", "backlinks": "backlinks", "LikePages": "backlinks"}

    def macro_Action(self, args: str) -> etree.Element:
        """Action(name, text): a link to one of this page's actions (edit, info, diff, raw, ...)."""
        positional, _ = arguments(args)
        if not positional or positional[0] not in self.ACTIONS:
            raise MacroError(f"give one of the actions {', '.join(self.ACTIONS)}")
        context = self.context()
        action = self.ACTIONS[positional[0]]
        url = context.edit_url(context.page) if action == "edit" else context.action_url(action, context.page)
        link = etree.Element("a", {"href": url, "class": "action"})
        link.text = AtomicString(positional[1] if len(positional) > 1 and positional[1] else positional[0])
        return link

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
        raise MacroError(f"put it on a line of its own; a page shows at most {MAX_TOCS} tables of contents")
