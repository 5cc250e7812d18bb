"""Access control lists with MoinMoin 1.9's syntax and semantics, and group pages.

An ACL is a list of entries, each a name (a person, a group page, or one of the special
names All, Known and Trusted) with the rights it decides. A line such as

    #acl +AdminGroup:admin EditorGroup:read,write All:read

is read left to right. An entry without a modifier decides every right for whoever it
names: the listed ones are granted, all others refused. `+Name:rights` grants and
`-Name:rights` refuses only the listed rights and lets the rest fall through to the
next entries. `Default` stands for the configured default ACL. The check walks
`acl_rights_before`, then the page's lines (or `acl_rights_default` when the page has
none), then `acl_rights_after`; the first entry that names the person and decides the
right wins; nothing deciding means no.

Group pages (names matching group_page_regex, `.*Group$` by default) list members as a
first-level bullet list; a member may itself be a group, and may be All, Known or
Trusted (then everybody, or every signed-in person, is in the group). Only the standard
library: the cached-view path computes who may read a page.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

RIGHTS = ("read", "write", "delete", "revert", "admin")
SPECIAL = ("All", "Known", "Trusted")  # the order matters: see Reader.special_decision
DEFAULT_ENTRY = "Default"
# The processing-instruction lines at the top of a page that carry an ACL.
ACL_LINE = re.compile(r"^#acl(?:[ \t]+(.*?))?[ \t]*$")
MEMBER_LINE = re.compile(r"^ [*] +(.+?)[ \t]*$")  # " * Name": first level only, as in 1.9

Rights = Mapping[str, bool]  # right -> granted (True) or refused (False); absent: not decided here


# Plain classes, not dataclasses: this module loads on every cached CGI view, and each
# @dataclass costs that start-up about half a millisecond.

class Entry:
    __slots__ = ("name", "rights")

    def __init__(self, name: str, rights: Rights) -> None:
        self.name, self.rights = name, rights


def parse(line: str, default: Iterable[Entry] = ()) -> list[Entry]:
    """The entries of one ACL line, as MoinMoin 1.9 reads them: whitespace separates
    entries, ',' names and rights; unknown rights are dropped; parsing stops at the
    first fragment without ':' (the rest of the line is ignored, as in 1.9)."""
    entries: list[Entry] = []
    rest = line.strip()
    while rest:
        modifier = ""
        if rest[0] in "+-":
            modifier, rest = rest[0], rest[1:]
        if rest == DEFAULT_ENTRY or rest.startswith(DEFAULT_ENTRY + " "):
            entries.extend(default)
            rest = rest[len(DEFAULT_ENTRY):].lstrip()
            continue
        names_part, colon, rest = rest.partition(":")
        if not colon:
            break
        rights_part, _, rest = rest.partition(" ")
        rest = rest.lstrip()
        rights = [right for right in rights_part.split(",") if right in RIGHTS]
        if modifier:
            decided = {right: modifier == "+" for right in rights}
        else:
            decided = {right: right in rights for right in RIGHTS}
        entries.extend(Entry(name, decided) for name in (names_part.split(",") if names_part else []))
    return entries


def acl_lines(text: str) -> list[str] | None:
    """The arguments of the page's `#acl` lines (None: the page has none, so the default
    applies; [] would be an empty ACL). Only the processing-instruction lines at the top
    count: every line starting with '#', up to the first that does not."""
    found: list[str] | None = None
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        match = ACL_LINE.match(line.rstrip("\r"))
        if match:
            found = (found or []) + [match.group(1) or ""]
    return found


# MoinMoin's processing instructions (#acl, #format, #pragma, #language) are the lines starting
# with '#' at the top of a page (acl_lines reads them the same way): not text. In Markdown
# "#acl ..." would be a heading; "# Title" (with a space) among them still is one, and stays.
INSTRUCTION = re.compile(r"#(?:acl|format|pragma|language|deprecated)(?:[ \t].*)?", re.I)


def without_instructions(text: str) -> str:
    """The text without the processing instructions among its leading '#' lines."""
    if not text.startswith("#"):
        return text
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if not line.startswith("#"):
            return "\n".join(kept + lines[index:])
        if not INSTRUCTION.fullmatch(line.rstrip("\r")):
            kept.append(line)
    return "\n".join(kept)


FORMAT = re.compile(r"^#format[ \t]+(\S+)", re.M | re.I)


def page_format(text: str, default: str) -> str:
    """The markup a page is written in: its `#format` line among the instructions at its top
    (as in MoinMoin 1.9), else `default`."""
    position = 0
    while text.startswith("#", position):
        end = text.find("\n", position)
        line = text[position:] if end < 0 else text[position:end]
        found = FORMAT.match(line)
        if found:
            return found.group(1).lower()
        if end < 0:
            break
        position = end + 1
    return default


def group_members(text: str) -> list[str]:
    """The members a group page lists: its first-level bullet items."""
    members = []
    for line in text.split("\n"):
        match = MEMBER_LINE.match(line.rstrip("\r"))
        if match:
            members.append(match.group(1))
    return members


class Groups:
    """Every group page's members, with nesting resolved on demand (cycles are harmless)."""

    def __init__(self, members: Mapping[str, Iterable[str]], pattern: re.Pattern[str]) -> None:
        self.members = {group: frozenset(listed) for group, listed in members.items()}
        self.pattern = pattern
        self._containing: dict[str, frozenset[str]] = {}

    def is_group(self, name: str) -> bool:
        return bool(self.pattern.search(name))

    def containing(self, member: str) -> frozenset[str]:
        """Every group `member` belongs to, directly or through groups inside groups."""
        cached = self._containing.get(member)
        if cached is not None:
            return cached
        parents: dict[str, set[str]] = {}
        for group, listed in self.members.items():
            for name in listed:
                parents.setdefault(name, set()).add(group)
        found: set[str] = set()
        todo = [member]
        while todo:
            for group in parents.get(todo.pop(), ()):
                if group not in found:
                    found.add(group)
                    todo.append(group)
        result = self._containing[member] = frozenset(found)
        return result

    def expanded(self, group: str) -> frozenset[str]:
        """Everyone named in a group, through nested groups (for listing a group's members)."""
        seen: set[str] = set()
        people: set[str] = set()
        todo = [group]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for name in self.members.get(current, ()):
                if name in self.members:
                    todo.append(name)
                else:
                    people.add(name)
        return frozenset(people)


class Reader:
    """Who is asking: a signed-in person (`name`), or anonymous (name "")."""

    __slots__ = ("name", "trusted", "admin", "user_id", "memberships", "system")

    def __init__(self, name: str = "", trusted: bool = False, admin: bool = False, user_id: str = "",
                 memberships: frozenset[str] = frozenset(), system: bool = False) -> None:
        self.name = name
        self.trusted = trusted  # authenticated by the web server (HTTP auth), as 1.9's Trusted means
        self.admin = admin  # a wiki administrator: every right on every page, sees addresses, approves accounts
        self.user_id = user_id
        self.memberships = memberships  # every group the person is in, nested ones included
        self.system = system  # the wiki itself (the command line, recovery): every right, no check

    @property
    def known(self) -> bool:
        return bool(self.name)

    def matches_special(self, special: str) -> bool:
        return special == "All" or (special == "Known" and self.known) or (special == "Trusted" and self.trusted)


ANONYMOUS = Reader()
SYSTEM = Reader(system=True)


class Visibility:
    """Which pages a reader may read: pages without an ACL line answer `default`; the named
    `exceptions` (pages whose lines decide otherwise) answer the opposite."""

    __slots__ = ("default", "exceptions")

    def __init__(self, default: bool, exceptions: frozenset[str]) -> None:
        self.default, self.exceptions = default, exceptions

    def __call__(self, name: str) -> bool:
        return self.default != (name in self.exceptions)

    @property
    def everything(self) -> bool:
        return self.default and not self.exceptions


EVERYTHING = Visibility(True, frozenset())


class Evaluator:
    """Answers "may this reader do this" for ACLs, with the configured before/default/after
    and the groups fixed. Build one per state of the group pages; it is cheap to ask."""

    def __init__(self, before: str, default: str, after: str, groups: Groups,
                 named: frozenset[str] = frozenset()) -> None:
        self.named = named  # every name any ACL line mentions (see principals)
        self.default = parse(default)
        self.before = parse(before, self.default)
        self.after = parse(after, self.default)
        self.groups = groups
        # Groups that hold All, Known or Trusted (directly or nested): they match by that.
        self._special_groups = {special: groups.containing(special) for special in SPECIAL}
        self._parsed: dict[tuple[str, ...], list[Entry]] = {}

    def entries(self, lines: list[str] | None) -> list[Entry]:
        """The whole list checked for a page with these #acl lines (None: none)."""
        key = tuple(lines) if lines is not None else ("\x00default",)
        found = self._parsed.get(key)
        if found is None:
            page = self.default if lines is None else [e for line in lines for e in parse(line, self.default)]
            found = self._parsed[key] = [*self.before, *page, *self.after]
            if len(self._parsed) > 10_000:  # a wiki with very many different lines: start over
                self._parsed = {key: found}
        return found

    def reader(self, name: str = "", *, trusted: bool = False, admin: bool = False, user_id: str = "") -> Reader:
        """A reader with their group memberships looked up once (checks are then set lookups)."""
        return Reader(name, trusted, admin, user_id, self.groups.containing(name) if name else frozenset())

    def may(self, reader: Reader, right: str, lines: list[str] | None) -> bool:
        if reader.admin:  # as if named first in acl_rights_before with every right (1.9's usual setup)
            return True
        for entry in self.entries(lines):
            decided = self._decision(reader, entry, right)
            if decided is not None:
                return decided
        return False

    def _decision(self, reader: Reader, entry: Entry, right: str) -> bool | None:
        name = entry.name
        if name in SPECIAL:
            return entry.rights.get(right) if reader.matches_special(name) else None
        if self.groups.is_group(name):
            if name in reader.memberships:
                return entry.rights.get(right)
            for special in SPECIAL:  # a group holding All/Known/Trusted: the first such decides (as 1.9)
                if name in self._special_groups[special]:
                    return entry.rights.get(right) if reader.matches_special(special) else None
            return None
        if reader.name and name == reader.name:
            return entry.rights.get(right)
        return None

    def principals(self, reader: Reader) -> tuple[str, ...]:
        """What of the reader any ACL can tell apart: readers with the same principals get
        the same answer for every page, so they may share rendered HTML."""
        if reader.admin:
            return ("admin",)
        specials = [special for special in SPECIAL if reader.matches_special(special)]
        own = reader.name if reader.name in self.named or any(e.name == reader.name for e in self.before + self.after
                                                              + self.default) else ""
        return (*specials, *sorted(reader.memberships), f"name={own}")
