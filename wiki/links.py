"""The link table: which pages link to which, kept current on every save.

Derived from the store (rebuilt by `wiki reindex`). For each page, `links/out/<fsname>`
lists the pages it links to and `links/in/<fsname>` the pages that link to it, so
"what links here" is one small file read, never a re-render of the wiki.

The orphaned and the wanted pages are kept current the same way, never recomputed from
the whole table: `links/orphans/<fsname>` exists for each existing page nothing links to,
`links/wanted/<fsname>` (holding how many pages link to it) for each missing page that
something links to. Both are decided from a page's incoming list and whether it exists,
under the lock of that incoming list: when the list changes, and when the page is created
or deleted (`existence_changed`). Each change is also a line of `links/lists-log`, from
which every process keeps its sorted copy of both lists current (never re-reading or
re-sorting them whole). A table without them (an older layout) gets them on first use.
"""
from __future__ import annotations

import bisect
import fcntl
import os
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from wiki import names
from wiki.atomic import FILE_MODE, write_atomically
from wiki.errors import InvalidPageName

# [[Target]], [[Target|label]], [[Target#anchor|label]] — shared with markup.py.
WIKILINK_PATTERN = r"\[\[([^\]\|\n]+?)(?:\|([^\]\n]+?))?\]\]"
WIKILINK = re.compile(WIKILINK_PATTERN)
LISTS_READY = "lists-ready"  # the orphaned and wanted lists are kept in this table
LISTS_LOG = "lists-log"  # every change to them, one line each: what each process's copy catches up from
LISTS_SNAPSHOT = "lists-snapshot"  # both lists as of an offset in that log: where a fresh process starts
SNAPSHOT_FORMAT = "flatwiki-lists 1"
SNAPSHOT_EVERY = 256 * 1024  # bytes of the log a process replays before it leaves a newer snapshot
CODE = re.compile(r"(?ms)^(```|~~~).*?^\1|`[^`\n]+`")


def rewrite_links(text: str, page: str, old: str, new: str, camelcase: bool) -> str:
    """Point every link in `text` (on `page`) that leads to `old` at `new` instead, keeping
    labels and anchors; code is left alone. A CamelCase mention becomes [[new]]."""
    def wikilink(match: re.Match[str]) -> str:
        target, label = match.group(1).strip(), match.group(2)
        page_part, hash_sign, anchor = target.partition("#")
        try:
            resolved = names.resolve_relative(page, page_part) if page_part else page
        except InvalidPageName:
            return match.group(0)
        if resolved != old:
            return match.group(0)
        return f"[[{new}{hash_sign}{anchor}" + (f"|{label}" if label else "") + "]]"

    camel = re.compile(rf"(?<![\w/.#&=?!\[|-]){re.escape(old)}\b(?!\]\])") if camelcase and re.fullmatch(r"(?:[A-Z][a-z0-9]+){2,}", old) else None
    pieces, position = [], 0
    for code in CODE.finditer(text):
        pieces.append(_rewrite_prose(text[position:code.start()], wikilink, camel, new))
        pieces.append(code.group(0))
        position = code.end()
    pieces.append(_rewrite_prose(text[position:], wikilink, camel, new))
    return "".join(pieces)


def _rewrite_prose(text: str, wikilink: Callable[[re.Match[str]], str], camel: re.Pattern[str] | None, new: str) -> str:
    text = WIKILINK.sub(wikilink, text)
    if camel is not None:
        parts = re.split(r"(\[\[.*?\]\])", text)
        text = "".join(part if part.startswith("[[") else camel.sub(f"[[{new}]]", part) for part in parts)
    return text


class LinkTable:
    def __init__(self, directory: Path, exists: Callable[[str], bool] | None = None) -> None:
        """`exists`: whether a page exists, for the orphaned and wanted lists (without it,
        as in tests of the table alone, those lists are not kept)."""
        self.directory = Path(directory)
        self.out_dir = self.directory / "out"
        self.in_dir = self.directory / "in"
        self.orphans_dir = self.directory / "orphans"
        self.wanted_dir = self.directory / "wanted"
        self.exists = exists
        self._copy: _Lists | None = None  # see _lists
        self._lists_lock = threading.RLock()  # catching up changes the copy: readers hold it too

    @staticmethod
    def _read(path: Path) -> set[str]:
        """One list's names; from a damaged file, the lines that still read as names (the next
        change of that list writes it whole again, `wiki reindex` rebuilds them all)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return set()
        try:
            return {line for line in data.decode("utf-8").split("\n") if line}
        except UnicodeDecodeError:
            from wiki.errors import tell_operator

            tell_operator(f"flatwiki: {path} is damaged (not UTF-8); reading the names it still holds")
            kept = set()
            for raw in data.split(b"\n"):
                try:
                    kept.add(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    continue
            return kept - {""}

    @staticmethod
    def _change(path: Path, add: Iterable[str] = (), remove: Iterable[str] = (),
                then: Callable[[set[str]], None] | None = None) -> set[str]:
        """Read-modify-write one list under an exclusive lock on that file (and, still under
        it, `then` with the new entries)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "r+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            entries = {line for line in handle.read().split("\n") if line}
            changed = (entries | set(add)) - set(remove)
            if changed != entries:
                handle.seek(0)
                handle.truncate()
                handle.write("".join(f"{entry}\n" for entry in sorted(changed)))
            if then is not None:
                then(changed)
        return changed

    def _change_incoming(self, target: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        self._change(self.in_dir / names.quote_fs(target), add, remove,
                     None if self.exists is None else lambda sources: self._mark(target, sources))

    def _mark(self, name: str, sources: set[str]) -> None:
        """Put `name` on the orphaned or wanted list, or neither (the caller holds its incoming list's lock)."""
        assert self.exists is not None
        exists = self.exists(name)
        quoted = names.quote_fs(name)
        orphan = exists and not sources
        wanted = len(sources) if sources and not exists else 0
        orphan_marker = (self.orphans_dir / quoted, "" if orphan else None)
        wanted_marker = (self.wanted_dir / quoted, f"{wanted}\n" if wanted else None)
        lines = ""
        if _marker_differs(*orphan_marker):
            lines += f"o\t{int(orphan)}\t{quoted}\n"
        if _marker_differs(*wanted_marker):
            lines += f"w\t{wanted}\t{quoted}\n"
        if not lines:
            return
        # The log line first (what each process's copy, and every later snapshot, catches up
        # from; see `_lists`), then the markers: a failure between them leaves the markers to
        # differ still, so the change is logged again when it is redone, never lost to the log.
        fd = os.open(self.directory / LISTS_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            os.write(fd, lines.encode("ascii"))
        finally:
            os.close(fd)
        _set_marker(*orphan_marker)
        _set_marker(*wanted_marker)

    def existence_changed(self, name: str) -> None:
        """After `name` was created, deleted or renamed: its place on the orphaned and wanted lists."""
        if self.exists is not None:
            self._change_incoming(name)

    def orphans(self) -> list[str]:
        """Existing pages nothing links to, in name order."""
        with self._lists_lock:  # (another thread's catch-up would move entries under this loop)
            return [_name_of(entry) for entry in self._lists().orphans]

    def wanted(self, start: int = 0, stop: int | None = None) -> list[tuple[str, int]]:
        """Missing pages something links to, with how many pages link to each, the most wanted
        first (then by name): all of them, or those from `start` to `stop` in that order."""
        with self._lists_lock:
            lists = self._lists()
            return [(_name_of(entry), lists.counts[entry]) for entry in lists.wanted[start:stop]]

    def wanted_count(self) -> int:
        with self._lists_lock:
            return len(self._lists().wanted)

    def _lists(self) -> _Lists:
        """This process's copy of the orphaned and wanted lists, caught up from the lists' log
        (read from the last snapshot, or the folders, only for a new table or the first time)."""
        self._ensure_lists()
        try:
            stat = os.stat(self.directory / LISTS_LOG)
            identity, size = stat.st_ino, stat.st_size
        except FileNotFoundError:
            identity, size = 0, 0
        with self._lists_lock:
            lists = self._copy
            if lists is None or lists.identity != identity or size < lists.offset:
                lists = self._copy = self._read_lists(identity, size)
            if size > lists.offset:
                with open(self.directory / LISTS_LOG, "rb") as handle:
                    handle.seek(lists.offset)
                    tail = handle.read(size - lists.offset)
                complete = tail[:tail.rfind(b"\n") + 1]  # a line being written is read next time
                for line in complete.decode("ascii", "replace").splitlines():
                    lists.apply(line)
                lists.offset += len(complete)
                if lists.offset - lists.snapshot_offset > SNAPSHOT_EVERY:
                    self._write_snapshot(lists)  # so that a fresh process (CGI) replays little
            return lists

    def _read_lists(self, identity: int, offset: int) -> _Lists:
        """The lists as of the snapshot, if it is of this log; else as the marker folders hold
        them, the log from `offset` (its size, taken before reading them) to be applied on top,
        so that a change made meanwhile is not lost, and a snapshot is left for the next process."""
        lists = self._read_snapshot(identity, offset)
        if lists is not None:
            return lists
        lists = _Lists(identity, offset)
        for folder in (self.orphans_dir, self.wanted_dir):
            try:
                entries = os.scandir(folder)
            except FileNotFoundError:
                continue
            with entries:  # one at a time: a list of 80,000 of them left RSS 15 MB higher for good
                for entry in entries:
                    try:
                        name = names.unquote_fs(entry.name)
                        if folder == self.orphans_dir:
                            lists.orphans.append(_entry(name))
                            continue
                        with open(entry.path, "rb") as handle:
                            count = int(handle.read() or b"0")
                    except (InvalidPageName, OSError, ValueError):
                        continue  # a temporary file, or one being written: the log has its change
                    if count > 0:
                        wanted = _entry(name)
                        lists.counts[wanted] = count
                        lists.wanted.append(wanted)
        lists.orphans.sort()  # once here; afterwards each change is placed, never sorted again
        lists.wanted.sort(key=lists.wanted_order)
        self._write_snapshot(lists)
        return lists

    def _read_snapshot(self, identity: int, size: int) -> _Lists | None:
        """The lists as `lists-snapshot` holds them, if it was taken of this log (else None)."""
        try:
            with open(self.directory / LISTS_SNAPSHOT, "rb") as handle:
                head = handle.readline().decode("ascii").rstrip("\n").split("\t")
                if len(head) != 3 or head[0] != SNAPSHOT_FORMAT or int(head[1]) != identity or int(head[2]) > size:
                    return None
                lists = _Lists(identity, int(head[2]))
                lists.snapshot_offset = lists.offset
                for raw in handle:  # line by line: no second copy of them all at once
                    lists.take(raw.decode("ascii").rstrip("\n"))
        except (OSError, ValueError):  # none yet, or damaged: the folders are read instead
            return None
        lists.orphans.sort()
        lists.wanted.sort(key=lists.wanted_order)
        return lists

    def _write_snapshot(self, lists: _Lists) -> None:
        """Leave the lists, and the log offset they reflect, in one file: a fresh process reads it
        instead of 80,000 marker files (4.3 s at 100,000 pages). Best effort: it only saves time."""
        head = f"{SNAPSHOT_FORMAT}\t{lists.identity}\t{lists.offset}\n"
        body = "".join([*(f"o\t1\t{names.quote_fs(_name_of(entry))}\n" for entry in lists.orphans),
                        *(f"w\t{lists.counts[entry]}\t{names.quote_fs(_name_of(entry))}\n" for entry in lists.wanted)])
        try:
            write_atomically(self.directory / LISTS_SNAPSHOT, (head + body).encode("ascii"), durable=False)
        except OSError:
            return
        lists.snapshot_offset = lists.offset

    def _ensure_lists(self) -> None:
        """A table written before these lists were kept gets them now, once (`wiki reindex` also makes them)."""
        if self.exists is None or (self.directory / LISTS_READY).exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / ".lists-lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if (self.directory / LISTS_READY).exists():
                return
            targets = set()
            try:
                targets = {names.unquote_fs(entry.name) for entry in os.scandir(self.in_dir)
                           if not entry.name.startswith(".")}
            except FileNotFoundError:
                pass
            for target in sorted(targets):
                self._change_incoming(target)
            for page in self._all_pages():
                if page not in targets:
                    self._change_incoming(page)
            (self.directory / LISTS_READY).touch()
        finally:
            os.close(fd)

    def _all_pages(self) -> list[str]:
        pages_dir = self.directory.parent / "pages"
        found = []
        for entry in os.scandir(pages_dir) if pages_dir.is_dir() else []:
            try:
                name = names.unquote_fs(entry.name)
            except InvalidPageName:
                continue
            if self.exists is not None and self.exists(name):
                found.append(name)
        return found

    def outgoing(self, name: str) -> set[str]:
        return self._read(self.out_dir / names.quote_fs(name))

    def incoming_first(self, name: str, count: int) -> list[str]:
        """The first `count` pages linking to `name`, as its list keeps them (by code point)."""
        try:
            text = (self.in_dir / names.quote_fs(name)).read_text("utf-8")
        except FileNotFoundError:
            return []
        return [line for line in text.split("\n", count)[:count] if line]

    def incoming(self, name: str) -> set[str]:
        """The pages whose latest revision links to `name`."""
        return self._read(self.in_dir / names.quote_fs(name))

    def record(self, name: str, targets: Iterable[str], full: bool = False) -> None:
        """Set the pages that `name` links to now (none, once it is deleted). `full`: write every
        incoming entry, not only the changes (after a rebuild swap, an update that straddled the
        swap may have left its outgoing list in the new table and its incoming entries in the old)."""
        new = set(targets) - {name}
        fd = os.open(self._lock_path(name), os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one update of a page's links at a time
            old = self.outgoing(name)
            for target in (new if full else new - old):
                self._change_incoming(target, add=[name])
            for target in old - new:
                self._change_incoming(target, remove=[name])
            self._change(self.out_dir / names.quote_fs(name), add=new, remove=old - new)
        finally:
            os.close(fd)

    def write_fresh(self, outgoing: dict[str, frozenset[str]], existing: set[str],
                    progress: Callable[[int, int], None] | None = None) -> None:
        """Write a whole new table at once (a rebuild, into a folder nobody else uses yet): each
        list once, instead of one locked read-modify-write per link; `existing`: every page.
        `progress(done, total)` counts the lists written."""
        incoming: dict[str, list[str]] = {}
        for folder in (self.out_dir, self.in_dir, self.orphans_dir, self.wanted_dir):
            folder.mkdir(parents=True)
        for name, targets in outgoing.items():
            for target in targets - {name}:
                incoming.setdefault(target, []).append(name)
        total, done = len(outgoing) + len(incoming), 0
        for name, targets in outgoing.items():
            _write_list(self.out_dir / names.quote_fs(name), targets - {name})
            done += 1
            if progress:
                progress(done, total)
        lists = _Lists(0, 0)  # (written as the snapshot below)
        for target, sources in incoming.items():
            _write_list(self.in_dir / names.quote_fs(target), sources)
            if target not in existing:
                _write_list(self.wanted_dir / names.quote_fs(target), [str(len(sources))])
                lists.counts[_entry(target)] = len(sources)
            done += 1
            if progress:
                progress(done, total)
        for name in existing - incoming.keys():
            _write_list(self.orphans_dir / names.quote_fs(name), [])
            lists.orphans.append(_entry(name))
        (self.directory / LISTS_LOG).touch()
        lists.identity = os.stat(self.directory / LISTS_LOG).st_ino
        lists.orphans.sort()
        lists.wanted = sorted(lists.counts, key=lists.wanted_order)
        self._write_snapshot(lists)  # the first /+wanted need not read every marker
        (self.directory / LISTS_READY).touch()

    def _lock_path(self, name: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return self.out_dir / names.derived_fs(name, prefix=".lock-")

    def linked_targets(self) -> dict[str, set[str]]:
        """Every page that something links to, with the pages linking to it."""
        found: dict[str, set[str]] = {}
        try:
            entries = list(os.scandir(self.in_dir))
        except FileNotFoundError:
            return found
        for entry in entries:
            try:
                target = names.unquote_fs(entry.name)
            except ValueError:
                continue
            sources = self._read(Path(entry.path))
            if sources:
                found[target] = sources
        return found


class _Lists:
    """One process's copy of the orphaned and wanted lists, kept sorted as they change.

    A page is one string here (see `_entry`), shared by the wanted list and its count: at
    100,000 pages with 81,000 wanted, tuples of casefolded name, name and count took 23 MB.
    """

    def __init__(self, identity: int, offset: int) -> None:
        self.identity, self.offset = identity, offset  # the log file, and how much of it is applied
        self.orphans: list[str] = []  # entries, sorted
        self.counts: dict[str, int] = {}  # entry -> how many pages want it
        self.wanted: list[str] = []  # entries, the most wanted first, then in entry order
        self.snapshot_offset = -1  # the log offset of the newest snapshot this copy knows of

    def wanted_order(self, entry: str) -> tuple[int, str]:
        return -self.counts[entry], entry

    def take(self, line: str) -> None:
        """A snapshot's line (of the log's kind; each page once): appended, to be sorted after all.
        Raises ValueError for a damaged one."""
        kind, number, entry = _parse(line)
        if kind == "o":
            self.orphans.append(entry)
        elif kind == "w" and number > 0:
            self.counts[entry] = number
            self.wanted.append(entry)

    def apply(self, line: str) -> None:
        """One log line: 'o<TAB>1|0<TAB>name' (orphaned or not), 'w<TAB>count<TAB>name' (0: not wanted)."""
        try:
            kind, number, entry = _parse(line)
        except ValueError:  # (InvalidPageName is one)
            return
        if kind == "o":
            _place(self.orphans, entry, number > 0)
        elif kind == "w":
            if entry in self.counts:  # placed by its old count, so taken out before the count changes
                _place(self.wanted, entry, False, self.wanted_order)
                del self.counts[entry]
            if number > 0:
                self.counts[entry] = number
                _place(self.wanted, entry, True, self.wanted_order)


def _parse(line: str) -> tuple[str, int, str]:
    """(kind, number, entry) of a line of the lists' log or snapshot; ValueError if damaged."""
    kind, _, rest = line.partition("\t")
    value, _, quoted = rest.partition("\t")
    return kind, int(value), _entry(names.unquote_fs(quoted))


def _entry(name: str) -> str:
    """A page in the lists: its casefolded name, NUL, then the name itself unless that is the same.
    Entries sort as (casefolded, name) pairs would, but for the order of case variants."""
    folded = name.casefold()
    return f"{folded}\0" if folded == name else f"{folded}\0{name}"


def _name_of(entry: str) -> str:
    folded, _, name = entry.partition("\0")
    return name or folded


def _place(ordered: list[Any], item: Any, present: bool, key: Callable[[Any], Any] | None = None) -> None:
    """Put `item` into a list sorted by `key` or take it out (a bisection and a move: no sort)."""
    at = bisect.bisect_left(ordered, key(item) if key else item, key=key)
    found = at < len(ordered) and ordered[at] == item
    if present and not found:
        ordered.insert(at, item)
    elif found and not present:
        del ordered[at]


def _marker_differs(path: Path, content: str | None) -> bool:
    """Whether `path` holds something other than `content` (None: whether it exists)."""
    try:
        with open(path, "rb") as handle:
            return content is None or handle.read() != content.encode("ascii")
    except FileNotFoundError:
        return content is not None


def _set_marker(path: Path, content: str | None) -> bool:
    """Make `path` hold `content`, or not exist (None); whether that changed anything."""
    if content is None:
        try:
            os.unlink(path)
            return True
        except FileNotFoundError:
            return False
    try:
        with open(path, "rb") as handle:
            if handle.read() == content.encode("ascii"):
                return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    _write_list(path, [content.rstrip("\n")] if content else [])
    return True


def _write_list(path: Path, entries: Iterable[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{entry}\n" for entry in sorted(entries)))
