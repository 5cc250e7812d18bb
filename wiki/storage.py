"""The revision store: MoinMoin 1.9's flat-file layout, the single source of truth.

Knows nothing of HTTP, HTML or search. Every change is a new revision; no
revision file is ever rewritten. See DESIGN.md "Storage format" for the save
protocol that keeps a killed process from losing or half-writing anything.
"""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.editlog import DELETE, RENAME, SAVE, SAVENEW, LogEntry, append_line, is_revision, read_log
from wiki.errors import EditConflict, PageDeleted, PageExists, PageNotFound, RevisionNotFound

TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class Author:
    """Who made a change, as MoinMoin logs it."""

    address: str = ""
    host: str = ""
    user_id: str = ""


@dataclass(frozen=True)
class PageRevision:
    name: str
    revision: int
    text: str


def _revision_file(number: int) -> str:
    return f"{number:08d}"


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a file whole: temporary file in the same folder, fsync, rename."""
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def read_small(path: str | Path) -> bytes:
    """A small file's bytes without a Python file object: `current` and `pageset` are read
    on every page view, and raw os calls cost a fraction of open().read()."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 4096)
    finally:
        os.close(fd)


class PageStore:
    """Pages and their revisions under `root` (the data directory)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.pages_dir = self.root / "pages"
        self.global_log = self.root / "edit-log"
        self.pageset_file = self.root / "pageset"
        self._pages_path = str(self.pages_dir)
        self._pageset_path = str(self.pageset_file)

    def create(self) -> None:
        """Make the folders of an empty store (idempotent)."""
        self.pages_dir.mkdir(parents=True, exist_ok=True)
        self.global_log.touch(exist_ok=True)

    # Reading -------------------------------------------------------------

    def page_dir(self, name: str) -> Path:
        return self.pages_dir / names.quote_fs(name)

    def current_revision(self, name: str) -> int:
        """The latest revision number (a deletion counts), 0 if the page never existed."""
        return self.read_current(os.path.join(self._pages_path, names.quote_fs(name)))

    @staticmethod
    def read_current(page_dir: Path | str) -> int:
        try:
            return int(read_small(os.path.join(page_dir, "current")).strip() or 0)
        except FileNotFoundError:
            return 0

    def exists(self, name: str) -> bool:
        """True when the page has a latest revision that is not a deletion."""
        page_dir = self.page_dir(name)
        current = self.read_current(page_dir)
        return current > 0 and (page_dir / "revisions" / _revision_file(current)).exists()

    def read(self, name: str, revision: int | None = None) -> PageRevision:
        """The text of a revision (the latest by default).

        Raises PageNotFound, PageDeleted (latest is a deletion) or RevisionNotFound.
        """
        page_dir = self.page_dir(name)
        current = self.read_current(page_dir)
        if current == 0:
            raise PageNotFound(name)
        wanted = current if revision is None else revision
        if not 0 < wanted <= current:
            raise RevisionNotFound(name, wanted)
        try:
            data = (page_dir / "revisions" / _revision_file(wanted)).read_bytes()
        except FileNotFoundError:
            if revision is None:
                raise PageDeleted(name, current) from None
            raise RevisionNotFound(name, wanted) from None
        return PageRevision(name, wanted, data.decode("utf-8"))

    def revision_size(self, name: str, revision: int) -> int | None:
        """Bytes of a revision's text; None for a deletion (or a revision that is not there)."""
        try:
            return (self.page_dir(name) / "revisions" / _revision_file(revision)).stat().st_size
        except FileNotFoundError:
            return None

    def revision_exists(self, name: str, revision: int) -> bool:
        return (self.page_dir(name) / "revisions" / _revision_file(revision)).exists()

    def history(self, name: str) -> list[LogEntry]:
        """The page's edit-log, newest first."""
        return read_log(self.page_dir(name) / "edit-log")[::-1]

    def list_pages(self) -> list[str]:
        """Names of every existing (not deleted) page, sorted.

        Kept in cache/page-list under the pageset token, which changes exactly when a page
        is created or deleted: so listing 10,000 pages is one file read, not 30,000 stats.
        """
        token = self.pageset_token()
        cache = self.root / "cache" / "page-list"
        try:
            stored_token, _, listing = cache.read_text("utf-8").partition("\n")
            if stored_token == token:
                return listing.split("\n") if listing else []
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        pages = self._scan_pages()
        cache.parent.mkdir(parents=True, exist_ok=True)
        temp = cache.with_name(f".tmp-page-list.{os.getpid()}")
        temp.write_text(token + "\n" + "\n".join(pages), "utf-8")
        temp.replace(cache)
        return pages

    def _scan_pages(self) -> list[str]:
        found = []
        try:
            entries = list(os.scandir(self.pages_dir))
        except FileNotFoundError:
            return []
        for entry in entries:
            if not entry.is_dir():
                continue
            try:
                name = names.unquote_fs(entry.name)
            except ValueError:
                continue
            current = self.read_current(Path(entry.path))
            if current and os.path.exists(os.path.join(entry.path, "revisions", _revision_file(current))):
                found.append(name)
        return sorted(found, key=lambda n: (n.casefold(), n))

    def recent_changes(self, limit: int, since_us: int = 0) -> list[LogEntry]:
        """The newest `limit` global edit-log entries (none older than `since_us`), newest
        first, read from the end: cost grows with what is shown, not with the log's length."""
        entries: list[LogEntry] = []
        try:
            handle = open(self.global_log, "rb")
        except FileNotFoundError:
            return []
        with handle:
            position = handle.seek(0, os.SEEK_END)
            remainder = b""
            while position > 0 and len(entries) < limit:
                step = min(65536, position)
                position -= step
                handle.seek(position)
                block = handle.read(step) + remainder
                lines = block.split(b"\n")
                remainder = lines[0] if position > 0 else b""
                complete = lines[1:] if position > 0 else lines
                for raw in reversed(complete):
                    if not raw.strip():
                        continue
                    try:
                        entry = LogEntry.parse(raw.decode("utf-8"))
                    except (ValueError, UnicodeDecodeError):
                        continue
                    if entry.time_us < since_us:
                        return entries
                    entries.append(entry)
                    if len(entries) >= limit:
                        break
        return entries

    def read_log_since(self, offset: int) -> list[tuple[LogEntry, int]]:
        """Complete global edit-log lines from byte `offset`, each with the offset just after it."""
        try:
            with open(self.global_log, "rb") as handle:
                handle.seek(offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        found = []
        position = offset
        for raw in data.split(b"\n")[:-1]:
            position += len(raw) + 1
            try:
                found.append((LogEntry.parse(raw.decode("utf-8")), position))
            except (ValueError, UnicodeDecodeError):
                continue
        return found

    def log_size(self) -> int:
        try:
            return self.global_log.stat().st_size
        except FileNotFoundError:
            return 0

    def pageset_token(self) -> str:
        """Changes whenever a page is created or deleted: what red/blue links depend on."""
        try:
            return read_small(self._pageset_path).decode("ascii").strip()
        except FileNotFoundError:
            return "0"

    # Writing -------------------------------------------------------------

    @contextmanager
    def locked(self, name: str) -> Iterator[Path]:
        """Hold the page's lock (flock on its lock file) for a whole change."""
        page_dir = self.page_dir(name)
        (page_dir / "revisions").mkdir(parents=True, exist_ok=True)
        fd = os.open(page_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield page_dir
        finally:
            os.close(fd)

    def save(
        self,
        name: str,
        text: str,
        *,
        base_revision: int,
        author: Author,
        comment: str = "",
        action: str = SAVE,
        extra: str = "",
    ) -> int:
        """Write `text` as the next revision and return its number.

        Raises EditConflict, writing nothing, when `base_revision` is not the
        latest. Saving the text the latest revision already has writes nothing
        and returns that revision.
        """
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        with self.locked(name) as page_dir:
            current = self.recover_page(page_dir, name)
            if base_revision != current:
                raise EditConflict(name, base_revision, current)
            latest = self._latest_text(page_dir, current)
            if latest == text:
                return current
            if latest is None and action == SAVE:
                action = SAVENEW
            return self._commit(page_dir, name, current + 1, text, author, comment, action, extra)

    def delete(self, name: str, *, base_revision: int, author: Author, comment: str = "") -> int:
        """Record a deletion as a new revision with no text; history stays."""
        with self.locked(name) as page_dir:
            current = self.recover_page(page_dir, name)
            if base_revision != current:
                raise EditConflict(name, base_revision, current)
            if self._latest_text(page_dir, current) is None:
                raise PageNotFound(name)
            return self._commit(page_dir, name, current + 1, None, author, comment, DELETE, "")

    def rename(self, old: str, new: str, *, base_revision: int, author: Author, comment: str = "") -> int:
        """Move a page with its whole history to `new`; `old` becomes a deletion naming `new`.

        Revision files are hard-linked (they are never rewritten, so sharing them is safe).
        A crash part-way leaves both names readable: nothing is lost.
        """
        first, second = sorted([old, new])
        with self.locked(first), self.locked(second):
            old_dir, new_dir = self.page_dir(old), self.page_dir(new)
            current = self.recover_page(old_dir, old)
            if base_revision != current:
                raise EditConflict(old, base_revision, current)
            text = self._latest_text(old_dir, current)
            if text is None:
                raise PageNotFound(old)
            if self.recover_page(new_dir, new) != 0 or read_log(new_dir / "edit-log"):
                raise PageExists(f"{new!r} already has a page or a history; choose another name.")
            for number in range(1, current + 1):
                source = old_dir / "revisions" / _revision_file(number)
                if source.exists():
                    os.link(source, new_dir / "revisions" / _revision_file(number))
            write_atomically(new_dir / "edit-log", (old_dir / "edit-log").read_bytes())
            renamed = self._commit(new_dir, new, current + 1, text, author, comment or f"Renamed from {old}", RENAME, old)
            self._commit(old_dir, old, current + 1, None, author, comment or f"Renamed to {new}", DELETE, new)
            return renamed

    @staticmethod
    def _latest_text(page_dir: Path, current: int) -> str | None:
        if current == 0:
            return None
        try:
            return (page_dir / "revisions" / _revision_file(current)).read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None

    def _commit(
        self, page_dir: Path, name: str, number: int, text: str | None,
        author: Author, comment: str, action: str, extra: str,
    ) -> int:
        """Steps 3-5 of the save protocol; the caller holds the page's lock."""
        revisions = page_dir / "revisions"
        created_or_deleted = text is None or self._latest_text(page_dir, number - 1) is None
        if text is not None:
            temp = revisions / f"{TEMP_PREFIX}{os.getpid()}-{number}"
            with open(temp, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temp, revisions / _revision_file(number))  # never replaces
            finally:
                os.unlink(temp)
        entry = LogEntry(
            time.time_ns() // 1000, number, action, name,
            author.address, author.host, author.user_id, extra, comment,
        )
        append_line(page_dir / "edit-log", entry.to_line())
        append_line(self.global_log, entry.to_line())
        write_atomically(page_dir / "current", f"{number:08d}\n".encode("ascii"))
        fsync_directory(revisions)
        fsync_directory(page_dir)
        if created_or_deleted:
            self.touch_pageset()
        return number

    def touch_pageset(self) -> None:
        """Say that the set of pages (or of attachments) changed: red/blue links need a re-render."""
        write_atomically(self.pageset_file, f"{time.time_ns()}-{os.getpid()}\n".encode("ascii"))

    def recover_page(self, page_dir: Path, name: str) -> int:
        """Finish or set aside what a killed writer left; return the true latest revision.

        Called under the page's lock. A revision past `current` whose edit-log
        line was written completed its save (only `current` was not moved yet):
        roll forward. One without its log line was never acknowledged: move it
        to `unfinished/` (kept, never deleted) so its number can be used.
        """
        current = self.read_current(page_dir)
        revisions = page_dir / "revisions"
        while True:
            following = current + 1
            leftover = revisions / _revision_file(following)
            logged = {e.revision: e for e in read_log(page_dir / "edit-log") if e.revision > current and is_revision(e)}
            if following in logged:
                if logged[following].action != DELETE and not leftover.exists():
                    break
                self.ensure_global_line(logged[following])
                write_atomically(page_dir / "current", f"{following:08d}\n".encode("ascii"))
                current = following
                continue
            if leftover.exists():
                aside = page_dir / "unfinished"
                aside.mkdir(exist_ok=True)
                os.replace(leftover, aside / f"{_revision_file(following)}.{time.time_ns()}")
            break
        return current

    def ensure_global_line(self, entry: LogEntry) -> None:
        line = entry.to_line().encode("utf-8")
        try:
            with open(self.global_log, "rb") as handle:
                handle.seek(max(0, handle.seek(0, os.SEEK_END) - 262144))
                if line in handle.read():
                    return
        except FileNotFoundError:
            pass
        append_line(self.global_log, entry.to_line())

