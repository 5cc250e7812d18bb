"""The revision store: MoinMoin 1.9's flat-file layout, the single source of truth.

Knows nothing of HTTP, HTML or search. Every change is a new revision; no
revision file is ever rewritten. See DESIGN.md "Storage format" for the save
protocol that keeps a killed process from losing or half-writing anything.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.atomic import (
    FILE_MODE,
    flock_within,
    fsync_directory,
    read_small,
    remove_quietly,
    still_linked,
    temp_file,
    write_atomically,
    write_best_effort,
)
from wiki.editlog import DELETE, RENAME, SAVE, SAVENEW, LogEntry, append_line, is_revision, read_log_reversed
from wiki.errors import (
    EditConflict,
    PageDeleted,
    PageExists,
    PageNotFound,
    RevisionNotFound,
    WikiError,
    disk_error,
    tell_operator,
)
from wiki.names import PageList
from wiki.recovery import PENDING_DIR, RENAME_MARK, PendingChanges, _Committed, derive_current, revision_file
from wiki.text import stored_form

LOCK_TIMEOUT = 10.0

# Given (base text, latest text, latest revision): the (text, comment) to save instead.
Merger = Callable[[str, str, int], tuple[str, str]]


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


OLD_RUN = 1000  # lines in a row older than a `since`: past them, recent changes stop reading the log


class PageStore(PendingChanges):
    """Pages and their revisions under `root` (the data directory)."""

    def __init__(self, root: Path, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.root = Path(root)
        self.pages_dir = self.root / "pages"
        self.global_log = self.root / "edit-log"
        self.pageset_file = self.root / "pageset"
        self.pending_dir = self.root / PENDING_DIR
        self._listed: tuple[str, PageList] | None = None  # (pageset token, list_pages()) last read
        self.lock_timeout = lock_timeout
        self._pages_path = str(self.pages_dir)
        self._pageset_path = str(self.pageset_file)
        self._pending_path = str(self.pending_dir)

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
        """The number in `current`; 0 when there is none. Garbage (a damaged file) reads as what
        the revisions and the log say (derive_current), so the page is served until `wiki check --repair`."""
        try:
            raw = read_small(os.path.join(page_dir, "current")).strip()
        except FileNotFoundError:
            return 0
        if raw.isdigit() and len(raw) <= 9:  # bytes.isdigit is ASCII only
            return int(raw)
        return derive_current(page_dir)

    def exists(self, name: str) -> bool:
        """True when the page has a latest revision that is not a deletion."""
        page_dir = self.page_dir(name)
        current = self.read_current(page_dir)
        return current > 0 and (page_dir / "revisions" / revision_file(current)).exists()

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
            data = (page_dir / "revisions" / revision_file(wanted)).read_bytes()
        except FileNotFoundError:
            if revision is None:
                raise PageDeleted(name, current) from None
            raise RevisionNotFound(name, wanted) from None
        # A revision damaged mid-character is shown with U+FFFD, never a 500; `wiki check` names it.
        # "\r" is dropped as MoinMoin 1.9 does: its revisions are written with CRLF.
        return PageRevision(name, wanted, data.decode("utf-8", "replace").replace("\r", ""))

    def revision_size(self, name: str, revision: int) -> int | None:
        """Bytes of a revision's text; None for a deletion (or a revision that is not there)."""
        try:
            return (self.page_dir(name) / "revisions" / revision_file(revision)).stat().st_size
        except FileNotFoundError:
            return None

    def revision_exists(self, name: str, revision: int) -> bool:
        return (self.page_dir(name) / "revisions" / revision_file(revision)).exists()

    def history(self, name: str) -> list[LogEntry]:
        """The page's whole edit-log, newest first (see history_from for a bounded read)."""
        return list(read_log_reversed(self.page_dir(name) / "edit-log"))

    def history_from(self, name: str) -> Iterator[LogEntry]:
        """The page's edit-log newest first, read lazily from the end: take what you show."""
        return read_log_reversed(self.page_dir(name) / "edit-log")

    def log_entry(self, name: str, revision: int) -> LogEntry | None:
        """The log line that made `revision` (read from the end: recent revisions cost little)."""
        for entry in self.history_from(name):
            if entry.revision == revision and is_revision(entry):
                return entry
            if entry.revision < revision:
                return None
        return None

    def list_pages(self) -> PageList:
        """Names of every existing (not deleted) page, sorted (compactly: see PageList).

        Kept in cache/page-list under the pageset token, which changes exactly when a page
        is created or deleted: so listing 10,000 pages is one file read, not 30,000 stats.
        """
        token = self.pageset_token()
        remembered = self._listed
        if remembered is not None and remembered[0] == token:
            return remembered[1]  # (callers never change it)
        cache = self.root / "cache" / "page-list"
        try:
            stored_token, _, listing = cache.read_text("utf-8").partition("\n")
            if stored_token == token:
                pages = PageList.from_lines(listing)
                self._listed = (token, pages)
                return pages
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        pages = PageList(self._scan_pages())
        write_best_effort(cache, (token + "\n" + "\n".join(pages)).encode("utf-8"))
        self._listed = (token, pages)
        return pages

    def _scan_pages(self) -> list[str]:
        found = []
        try:
            entries = list(os.scandir(self.pages_dir))
        except FileNotFoundError:
            return []
        for entry in entries:
            try:
                if not entry.is_dir():
                    continue
                name = names.unquote_fs(entry.name)
                current = self.read_current(Path(entry.path))
                if current and os.path.exists(os.path.join(entry.path, "revisions", revision_file(current))):
                    found.append(name)
            except (OSError, ValueError):
                continue  # an unreadable or foreign folder: `wiki check` names it
        return sorted(found, key=names.page_order)

    def recent_changes(self, limit: int, since_us: int = 0) -> list[LogEntry]:
        """The newest `limit` global edit-log entries (none older than `since_us`), newest
        first, read from the end: cost grows with what is shown, not with the log's length.

        "Older" follows the log's order, not the clocks: a line is as new as the newest line
        before it, so a process whose clock is a day behind hides nothing (its lines, and the
        right ones before them, stay in `?days=1`). Reading stops once OLD_RUN lines in a row
        are older than `since_us` by their own times."""
        window: list[LogEntry] = []  # newest first
        old_run = 0
        for entry in self._global_entries_reversed():
            window.append(entry)
            old_run = old_run + 1 if entry.time_us < since_us else 0
            if old_run >= OLD_RUN or (len(window) >= limit and entry.time_us >= since_us):
                break  # (the oldest taken is new by itself: so is every line after it)
        newest_before = 0
        as_new = {}
        for position in range(len(window) - 1, -1, -1):  # oldest first: each as new as the newest before it
            newest_before = max(newest_before, window[position].time_us)
            as_new[position] = newest_before
        return [entry for position, entry in enumerate(window) if as_new[position] >= since_us][:limit]

    def _global_entries_reversed(self) -> Iterator[LogEntry]:
        """The global edit-log's parseable lines, newest first, read from the end in blocks."""
        try:
            handle = open(self.global_log, "rb")
        except FileNotFoundError:
            return
        with handle:
            position = handle.seek(0, os.SEEK_END)
            remainder = b""
            while position > 0:
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
                        yield LogEntry.parse(raw.decode("utf-8"))
                    except (ValueError, UnicodeDecodeError):
                        continue

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
        """Changes whenever a page is created or deleted: what the page list (and lists of pages) depend on."""
        try:  # (a damaged one is still a token: it changes when the next change rewrites it)
            return read_small(self._pageset_path).decode("ascii", "replace").strip()
        except FileNotFoundError:
            return "0"

    # Writing -------------------------------------------------------------

    @contextmanager
    def locked(self, name: str, timeout: float | None = None) -> Iterator[Path]:
        """Hold the page's lock (flock on its lock file) for a whole change.

        Gives up with PageBusy after `timeout` seconds (the store's lock_timeout by default;
        0: do not wait at all), so one hung writer never takes every server thread with it.
        A folder made only to take the lock is removed again if the change left no history
        (a refused save of a new page leaves nothing behind).
        """
        page_dir = self.page_dir(name)
        wait = self.lock_timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        created = not page_dir.exists()
        while True:
            try:
                (page_dir / "revisions").mkdir(parents=True, exist_ok=True)
                fd = os.open(page_dir / "lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
            except OSError as error:
                raise disk_error(error, f"Changing {name!r}") or error from error
            try:
                flock_within(fd, name, max(0.0, deadline - time.monotonic()), wait)
                if still_linked(fd, page_dir / "lock"):
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # its folder was removed while we waited: lock the new one
        try:
            yield page_dir
        finally:
            try:
                if created:
                    _remove_if_unused(page_dir)
            finally:
                os.close(fd)

    def _marked(self, changed: list[str], work: Callable[[], int], notes: dict[str, bytes] | None = None) -> int:
        """Run `work` (a commit, under the pages' locks) with the pages marked in pending/.

        A process killed mid-change leaves the marks behind; `recover_pending` (run by
        servers, CGI requests and search catch-up) then finishes or sets aside what it left.
        A committed change whose last steps failed keeps its marks for the same reason.
        A disk that refuses writes becomes StorageFull or StorageUnavailable here.
        """
        markers = [os.path.join(self._pending_path, names.quote_fs(name)) for name in changed]
        try:
            os.makedirs(self._pending_path, exist_ok=True)
            for name, marker in zip(changed, markers, strict=True):
                fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
                try:
                    if notes and name in notes:  # what recovery must know to finish it (a rename's target)
                        os.write(fd, notes[name])
                finally:
                    os.close(fd)
        except OSError as error:
            remove_quietly(markers)
            raise disk_error(error, f"Saving {changed[0]!r}") or error from error
        try:
            number = work()
        except _Unfinished as unfinished:
            return unfinished.number
        except WikiError:
            remove_quietly(markers)  # refused before its commit point: nothing to recover
            raise
        remove_quietly(markers)
        return number

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
        merge: Merger | None = None,
    ) -> int:
        """Write `text` as the next revision and return its number.

        When `base_revision` is not the latest, `merge` (if given) is called under the page's
        lock with (base text, latest text, latest revision) and the (text, comment) it returns
        is saved instead:
        nobody can save between the merge and its save. Without `merge`, or when it raises,
        nothing is written (EditConflict). Saving the text the latest revision already has
        writes nothing and returns that revision.
        """
        text = stored_form(text)
        with self.locked(name) as page_dir:
            current = self.recover_page(page_dir, name)
            if base_revision != current:
                if merge is None or base_revision > current:
                    raise EditConflict(name, base_revision, current)
                base_text = self._text_or_empty(page_dir, base_revision)
                text, comment = merge(base_text, self._text_or_empty(page_dir, current), current)
                text = stored_form(text)
            latest = self._latest_text(page_dir, current)
            if latest == text:
                return current
            if latest is None and action == SAVE:
                action = SAVENEW
            return self._marked([name], lambda: self._commit(page_dir, name, current + 1, text, author, comment,
                                                             action, extra))

    def delete(self, name: str, *, base_revision: int, author: Author, comment: str = "") -> int:
        """Record a deletion as a new revision with no text; history stays."""
        with self.locked(name) as page_dir:
            current = self.recover_page(page_dir, name)
            if base_revision != current:
                raise EditConflict(name, base_revision, current)
            if self._latest_text(page_dir, current) is None:
                raise PageNotFound(name)
            return self._marked([name], lambda: self._commit(page_dir, name, current + 1, None, author, comment,
                                                             DELETE, ""))

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
            if self.recover_page(new_dir, new) != 0 or next(read_log_reversed(new_dir / "edit-log"), None):
                raise PageExists(f"{new!r} already has a page or a history; choose another name.")

            def move() -> int:
                try:
                    for number in range(1, current + 1):
                        source = old_dir / "revisions" / revision_file(number)
                        target = new_dir / "revisions" / revision_file(number)
                        if source.exists() and not target.exists():
                            os.link(source, target)
                    write_atomically(new_dir / "edit-log", (old_dir / "edit-log").read_bytes())
                    for folder in (new_dir / "revisions", new_dir, self.pages_dir):  # durable before the commit
                        fsync_directory(folder)
                except OSError as error:
                    _undo_copy(new_dir)
                    raise disk_error(error, f"Renaming {old!r}") or error from error
                # The one commit point: the new name's SAVE/RENAME line. Before it, the copy is
                # removed and the old state stands; after it, the rename happened, and what is
                # left (the old name's DELETE, the attachments) is finished here or by recovery.
                try:
                    renamed = self._commit(new_dir, new, current + 1, text, author, comment or f"Renamed from {old}",
                                           RENAME, old)
                except _Unfinished:
                    self._finish_quietly(old_dir, old, new, current)
                    raise
                except WikiError:
                    _undo_copy(new_dir)
                    raise
                if self._finish_quietly(old_dir, old, new, current) != current + 1:
                    raise _Unfinished(renamed)  # the marks stay: recovery finishes it
                return renamed

            return self._marked([new, old], move, {old: RENAME_MARK + names.quote_fs(new).encode("ascii")})

    def _finish_quietly(self, old_dir: Path, old: str, new: str, current: int) -> int:
        """finish_rename, its failure told to the operator (recovery tries again): the old
        name's revision after it (current + 1 once done)."""
        try:
            return self.finish_rename(old_dir, old, new, current)
        except (OSError, WikiError, _Committed) as error:
            tell_operator(f"flatwiki: {old!r} is renamed to {new!r}; removing the old name failed ({error}); "
                          "it is completed by the next recovery pass")
            return current

    @staticmethod
    def _author_of(entry: LogEntry) -> Author:
        return Author(address=entry.address, host=entry.host, user_id=entry.user_id)

    @staticmethod
    def _latest_text(page_dir: Path, current: int) -> str | None:
        if current == 0:
            return None
        try:
            data = (page_dir / "revisions" / revision_file(current)).read_bytes()
        except FileNotFoundError:
            return None
        return data.decode("utf-8", "replace").replace("\r", "")

    def _text_or_empty(self, page_dir: Path, revision: int) -> str:
        """A revision's text for a merge: a deletion (or revision 0) counts as empty."""
        return self._latest_text(page_dir, revision) or ""

    def _commit(
        self, page_dir: Path, name: str, number: int, text: str | None,
        author: Author, comment: str, action: str, extra: str,
    ) -> int:
        """Steps 3-5 of the save protocol; the caller holds the page's lock and its pending mark.

        The page's edit-log line is the commit point. A disk error before it undoes what was
        written and raises (StorageFull / StorageUnavailable: nothing was saved). After it the
        save stands: the remaining steps are retried by recovery if they fail here, and the
        failure is only logged.
        """
        revisions = page_dir / "revisions"
        target = revisions / revision_file(number)
        created_or_deleted = text is None or self._latest_text(page_dir, number - 1) is None
        entry = LogEntry(
            time.time_ns() // 1000, number, action, name,
            author.address, author.host, author.user_id, extra, comment,
        )
        linked = False
        try:
            if text is not None:
                fd, temp = temp_file(revisions, f"{number}")
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(text.replace("\n", "\r\n").encode("utf-8"))  # 1.9 stores CRLF
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.link(temp, target)  # never replaces
                    linked = True
                finally:
                    os.unlink(temp)
                # Durable before the commit point: the revision's name in revisions/, and for a
                # new page its folder in pages/ (a power cut must not keep a line whose file went).
                fsync_directory(revisions)
                if number == 1:
                    fsync_directory(page_dir)
                    fsync_directory(self.pages_dir)
            append_line(page_dir / "edit-log", entry.to_line(), locked=True)
        except OSError as error:
            if linked:
                try:
                    os.unlink(target)  # never acknowledged, never published: nobody has seen it
                except OSError:
                    pass  # recovery moves it aside (it has no log line)
            raise disk_error(error, f"Saving {name!r}") or error from error
        try:
            append_line(self.global_log, entry.to_line())
            write_atomically(page_dir / "current", f"{number:08d}\n".encode("ascii"))
            fsync_directory(page_dir)
            if created_or_deleted:
                self.touch_pageset()
        except OSError as error:
            # Committed: the pending mark stays (this process cannot remove it either, most
            # likely) and recovery finishes the rest as soon as the disk allows.
            tell_operator(f"flatwiki: {name!r} revision {number} is saved, finishing it failed ({error}); "
                          "it is completed by the next recovery pass")
            raise _Unfinished(number) from error
        return number

    def touch_pageset(self) -> None:
        """Say that the set of pages (or of attachments) changed: red/blue links need a re-render."""
        write_atomically(self.pageset_file, f"{time.time_ns()}-{os.getpid()}-{os.urandom(4).hex()}\n".encode("ascii"))

def _undo_copy(new_dir: Path) -> None:
    """Remove what a rename copied into the new name before its commit (the old name's log and
    links to its revisions), best effort: recovery sets aside whatever stays."""
    try:
        (new_dir / "edit-log").unlink(missing_ok=True)
        for item in os.listdir(new_dir / "revisions"):
            if item.isascii() and item.isdigit():
                (new_dir / "revisions" / item).unlink(missing_ok=True)
    except OSError:
        pass


class _Unfinished(_Committed):
    """A committed change whose later steps failed: callers treat it as saved (`number`)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def _remove_if_unused(page_dir: Path) -> None:
    """Remove a page folder that holds nothing but its lock (called with the lock held;
    anyone waiting on it sees the file unlinked and starts over)."""
    try:
        if set(os.listdir(page_dir)) == {"lock", "revisions"} and not os.listdir(page_dir / "revisions"):
            os.unlink(page_dir / "lock")
            os.rmdir(page_dir / "revisions")
            os.rmdir(page_dir)
    except OSError:
        pass  # not empty after all, or the disk refuses: a harmless empty folder stays


