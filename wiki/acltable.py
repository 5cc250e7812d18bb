"""Which pages carry `#acl` lines and who is in each group page, kept current from the
global edit-log.

Checking one page needs its ACL; listing 10,000 pages (the index, recent changes,
search) must not read 10,000 page texts. So the ACL lines of every page that has some,
and the members of every group page, are kept in one small file (cache/acl-table) with
the edit-log offset they reflect. Whoever checks a right first compares that offset
with the log's size (one stat) and, if the log grew, rereads only the pages the new
lines name: the table is never older than the log. A page's ACL is that of its newest
revision with text, so the history of a deleted page stays as protected as the page was.

`token` changes exactly when an ACL or a group does: cache keys include it.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

from wiki import acl
from wiki.atomic import write_best_effort
from wiki.editlog import RENAME
from wiki.recovery import latest_revision_file, names_in, revision_file
from wiki.storage import PageStore

FORMAT = "flatwiki-acl-table 2"
SAVE_EVERY = 64 * 1024  # bytes of edit-log read before the table is saved again without a change


class AclTable:
    def __init__(self, store: PageStore, group_pattern: re.Pattern[str]) -> None:
        self.store = store
        self.group_pattern = group_pattern
        self.path = store.root / "cache" / "acl-table"
        self._lock = threading.Lock()
        self.offset = -1
        self._saved_offset = -1
        self.token = ""
        self.acls: dict[str, list[str]] = {}
        self.groups: dict[str, list[str]] = {}

    def current(self) -> AclTable:
        """This table, brought up to the edit-log's end first (cheap when nothing changed)."""
        size = self.store.log_size()
        if size == self.offset:
            return self
        with self._lock:
            if self.offset < 0:
                self._load()
            if size != self.offset:
                self._catch_up(size)
        return self

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                head, _, body = handle.read().decode("utf-8").partition("\n")
            fmt, offset, pattern, token = head.split("\t")
            if fmt != FORMAT or pattern != self.group_pattern.pattern:
                raise ValueError("another format or group pattern")
            self.acls, self.groups = _parse(body)
            self.offset, self.token = int(offset), token
            self._saved_offset = self.offset
        except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
            self._rebuild()

    def _rebuild(self) -> None:
        """Read every page (once, when there is no table: a new wiki, an upgrade, a lost cache)."""
        offset = self.store.log_size()  # before reading: whatever is logged meanwhile is read again
        self.acls, self.groups = self._from_pages()
        self.offset = offset
        self._save()

    def _from_pages(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        acls: dict[str, list[str]] = {}
        groups: dict[str, list[str]] = {}
        for name in names_in(self.store.pages_dir):
            self.take(name, acls, groups)
        return acls, groups

    @classmethod
    def stored(cls, store: PageStore) -> AclTable | None:
        """The table kept in the data directory, with the group pattern it was made with (None:
        there is none yet, or it is unreadable: the next use makes it anew)."""
        path = store.root / "cache" / "acl-table"
        try:
            with open(path, "rb") as handle:
                fields = handle.readline().decode("utf-8").rstrip("\n").split("\t")
            return cls(store, re.compile(fields[2])) if len(fields) == 4 and fields[0] == FORMAT else None
        except (OSError, ValueError, re.error):
            return None

    def matches_pages(self) -> bool:
        """Whether the table, caught up with the edit-log, says what the pages themselves say."""
        self.current()
        return (self.acls, self.groups) == self._from_pages()

    def _catch_up(self, size: int) -> None:
        if self.offset > size:  # the log was replaced (restored from a backup): start again
            self._rebuild()
            return
        changed: set[str] = set()
        lines = self.store.read_log_since(self.offset)
        end = lines[-1][1] if lines else self.offset
        for entry, _ in lines:
            changed.add(entry.name)
            if entry.action == RENAME and entry.extra:
                changed.add(entry.extra)
        before = self.token
        # Changed on copies, then swapped in: readers in other threads never see half a change.
        acls, groups = dict(self.acls), dict(self.groups)
        for name in changed:
            self.take(name, acls, groups)
        self.acls, self.groups = acls, groups
        self.offset = end  # last: a reader skipping the lock sees it all (a half-written line is read again)
        self._token()
        # Saved when it changed, and now and then as the log grows: a fresh process (CGI) then
        # reads only the log written since, not everything since the last ACL change.
        if self.token != before or self.offset - self._saved_offset > SAVE_EVERY or not self.path.exists():
            self._save()

    def _governing_text(self, name: str) -> str | None:
        """The text whose ACL protects the page and all its history: its newest revision
        with text (for a deleted page, the last one it had)."""
        page_dir = self.store.page_dir(name)
        latest = latest_revision_file(page_dir)
        if not latest:
            return None
        try:
            with open(os.path.join(page_dir, "revisions", revision_file(latest)), "rb") as handle:
                return handle.read().decode("utf-8", "replace").replace("\r", "")
        except OSError:  # gone meanwhile, or damaged (`wiki check` names it): its text cannot be shown either
            return None

    def replace(self, acls: dict[str, list[str]], groups: dict[str, list[str]], taken: set[str], offset: int) -> None:
        """Make the table the one taken from every page's text as read from log offset `offset`
        on: the pages in `taken` are in `acls` and `groups` already, the others (deleted pages,
        whose last text still protects their history) are read here. Then catch up."""
        for name in names_in(self.store.pages_dir):
            if name not in taken:
                self.take(name, acls, groups)
        with self._lock:
            self.acls, self.groups, self.offset = acls, groups, offset
            self._save()
        self.current()

    def take(self, name: str, acls: dict[str, list[str]], groups: dict[str, list[str]],
             text: str | None = None) -> None:
        """Put what the page says into `acls` and `groups`: its governing text, read here unless
        given (a rebuild that reads every page anyway hands over the current one)."""
        if text is None:
            text = self._governing_text(name)
        lines = acl.acl_lines(text) if text is not None else None
        if lines is None:
            acls.pop(name, None)
        else:
            acls[name] = lines
        if self.group_pattern.search(name):
            if text is not None and self.store.exists(name):
                groups[name] = acl.group_members(text)
            else:
                groups.pop(name, None)

    def _token(self) -> None:
        self.token = hashlib.sha1(_format(self.acls, self.groups).encode("utf-8")).hexdigest()[:16]

    def _save(self) -> None:
        self._token()
        head = "\t".join([FORMAT, str(self.offset), self.group_pattern.pattern, self.token])
        write_best_effort(self.path, f"{head}\n{_format(self.acls, self.groups)}".encode())
        self._saved_offset = self.offset

    def named(self) -> frozenset[str]:
        """Every name the pages' ACL lines mention."""
        return frozenset(entry.name for lines in self.acls.values() for line in lines for entry in acl.parse(line))

    @property
    def directory(self) -> Path:
        return self.path.parent


def _format(acls: dict[str, list[str]], groups: dict[str, list[str]]) -> str:
    """One line per ACL line ("a", page, line) and per member ("g", group, member; a group with
    none has one empty member), sorted: the same state is always the same text. Not JSON: this
    is read on every cached CGI view, and importing json costs more than reading it."""
    lines = [f"a\t{name}\t{line}" for name in sorted(acls) for line in acls[name]]
    lines += [f"g\t{name}\t{member}" for name in sorted(groups) for member in (groups[name] or [""])]
    return "\n".join(lines)


def _parse(body: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    acls: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for line in body.split("\n") if body else []:
        kind, name, value = line.split("\t", 2)  # ValueError for a damaged file: it is rebuilt
        if kind == "a":
            acls.setdefault(name, []).append(value)
        elif kind == "g":
            members = groups.setdefault(name, [])
            if value:
                members.append(value)
        else:
            raise ValueError(f"unknown line kind {kind!r}")
    return acls, groups
