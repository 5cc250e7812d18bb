"""Finishing what a killed change left: the store's recovery, as a part of PageStore.

A change marks its pages in data_dir/pending/ while it runs. A process killed mid-change
leaves the mark; whoever comes next (any request, a CGI request's fast check, a search
catch-up, `wiki check --repair`) finds it and finishes or sets aside what was left, so that
nobody has to run a repair to see an acknowledged save.
"""
from __future__ import annotations

import os
import time
from contextlib import AbstractContextManager
from pathlib import Path

from wiki import names
from wiki.atomic import FILE_MODE, fsync_directory, write_atomically
from wiki.editlog import DELETE, RENAME, LogEntry, append_line, is_revision, read_log_reversed
from wiki.errors import PageBusy, tell_operator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
PENDING_DIR = "pending"  # data_dir/pending/<fsname>: a change of that page is under way (or was killed)


def revision_file(number: int) -> str:
    return f"{number:08d}"


def names_in(folder: Path | str) -> list[str]:
    """The page names of a folder of quoted names (pages/, pending/); anything else is skipped."""
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return []
    found = []
    for fsname in entries:
        try:
            found.append(names.unquote_fs(fsname))
        except ValueError:
            continue
    return found


def latest_revision_file(page_dir: Path | str) -> int:
    """The highest revision number with a file (0 if none): what `current` should at least say."""
    try:
        found = [int(n) for n in os.listdir(os.path.join(page_dir, "revisions")) if n.isascii() and n.isdigit() and len(n) == 8]
    except FileNotFoundError:
        return 0
    return max(found, default=0)


def derive_current(page_dir: Path | str) -> int:
    """The latest revision a page really has, when `current` is missing or damaged: the highest
    revision file, or a deletion logged right after it (a deletion has no file)."""
    latest = latest_revision_file(page_dir)
    for entry in read_log_reversed(Path(page_dir) / "edit-log"):
        if entry.revision <= latest:
            break
        if entry.action == DELETE and entry.revision == latest + 1:
            return entry.revision
    return latest


RENAME_MARK = b"rename-to\t"  # a pending mark's content: the page it is being renamed to (quoted)


class _Committed(Exception):
    """Raised by a commit whose later steps failed (storage._Unfinished is one): it happened."""

    number: int


class PendingChanges:
    """The recovery half of PageStore (which provides what is declared below)."""

    if TYPE_CHECKING:
        global_log: Path
        _pending_path: str

        def locked(self, name: str, timeout: float | None = None) -> AbstractContextManager[Path]: ...

        @staticmethod
        def read_current(page_dir: Path | str) -> int: ...

        def touch_pageset(self) -> None: ...

        def page_dir(self, name: str) -> Path: ...

        def _commit(self, page_dir: Path, name: str, number: int, text: str | None, author: Any, comment: str,
                    action: str, extra: str) -> int: ...

        @staticmethod
        def _author_of(entry: LogEntry) -> Any: ...

    def recover_page(self, page_dir: Path, name: str) -> int:
        """Finish or set aside what a killed writer left; return the true latest revision.

        Called under the page's lock. A revision past `current` whose edit-log
        line was written completed its save (only `current` was not moved yet):
        roll forward. One without its log line was never acknowledged: move it
        to `unfinished/` (kept, never deleted) so its number can be used.
        """
        current = self.read_current(page_dir)
        revisions = page_dir / "revisions"
        if current == 0:
            self._set_aside_unfinished_rename(page_dir, name)
        while True:
            following = current + 1
            leftover = revisions / revision_file(following)
            logged = self._logged_after(page_dir, current)
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
                os.replace(leftover, aside / f"{revision_file(following)}.{time.time_ns()}")
            break
        return self._finish_marked_rename(page_dir, name, current)

    # A rename is one commit: the new name's SAVE/RENAME line. What follows it (the old name's
    # DELETE, the attachments' move) is finished here when the renaming process could not: the
    # old name's pending mark says where it went (RENAME_MARK), and `wiki check` finds a rename
    # whose mark was lost (consistency.py).

    def _finish_marked_rename(self, page_dir: Path, name: str, current: int) -> int:
        try:
            with open(os.path.join(self._pending_path, names.quote_fs(name)), "rb") as handle:
                mark = handle.read(4096)
        except (FileNotFoundError, NotADirectoryError):
            return current
        if not mark.startswith(RENAME_MARK):
            return current
        try:
            new = names.unquote_fs(mark[len(RENAME_MARK):].decode("ascii").strip())
        except (UnicodeError, ValueError):
            return current
        try:
            return self.finish_rename(page_dir, name, new, current)
        except _Committed as committed:  # its DELETE is logged, its `current` not moved: the mark must stay
            import errno

            raise OSError(errno.EIO, f"{name!r}: the DELETE of its rename to {new!r} is logged but not finished") \
                from committed

    def finish_rename(self, old_dir: Path, old: str, new: str, current: int) -> int:
        """Complete a committed rename of `old` (its folder locked) to `new`: the DELETE naming
        `new` and the attachments' move. Nothing when `new`'s newest revision is not that
        rename of this revision of `old` (the rename never committed: the old state stands).
        A DELETE whose later steps fail raises _Committed (storage's _Unfinished)."""
        new_dir = self.page_dir(new)
        renamed = next((entry for entry in read_log_reversed(new_dir / "edit-log") if is_revision(entry)), None)
        if renamed is None or renamed.action != RENAME or renamed.extra != old or renamed.revision != current + 1:
            return current
        if (old_dir / "attachments").exists() and not (new_dir / "attachments").exists():
            os.rename(old_dir / "attachments", new_dir / "attachments")
            fsync_directory(new_dir)
            fsync_directory(old_dir)
        return self._commit(old_dir, old, current + 1, None, self._author_of(renamed), f"Renamed to {new}", DELETE, new)

    @staticmethod
    def _set_aside_unfinished_rename(page_dir: Path, name: str) -> None:
        """A rename killed after copying the history but before its own commit leaves the old
        name's log (and hard links to its revisions) under a name that never got a revision of
        its own. Move that copy into unfinished/ (the old name still has it all): it must not be
        rolled forward as if it were this page's history."""
        newest = next(read_log_reversed(page_dir / "edit-log"), None)
        if newest is None or newest.name in (name, names.quote_fs(name)):
            return
        aside = page_dir / "unfinished" / f"rename-copy-{time.time_ns()}"
        (aside / "revisions").mkdir(parents=True)
        os.replace(page_dir / "edit-log", aside / "edit-log")
        for item in os.listdir(page_dir / "revisions"):
            if item.isascii() and item.isdigit():
                os.replace(page_dir / "revisions" / item, aside / "revisions" / item)

    @staticmethod
    def _logged_after(page_dir: Path, current: int) -> dict[int, LogEntry]:
        """Revision lines of the page's log past `current`, read from the end until `current`."""
        found: dict[int, LogEntry] = {}
        for entry in read_log_reversed(page_dir / "edit-log"):
            if entry.revision <= current and is_revision(entry):
                break
            if entry.revision > current and is_revision(entry):
                found.setdefault(entry.revision, entry)
        return found

    def recover_pending(self) -> list[str]:
        """Finish every change a killed process left marked in pending/; return the pages recovered.

        Cheap when nothing is pending (one listdir), so servers may run it on every request.
        A page whose lock is held is being changed right now: it is skipped, not waited for.
        """
        recovered = []
        for name in self.pending_names():
            marker = os.path.join(self._pending_path, names.quote_fs(name))
            try:
                with self.locked(name, timeout=0) as page_dir:
                    if not os.path.exists(marker):
                        continue  # its writer finished between our listdir and our lock
                    self.recover_page(page_dir, name)
                    self._finish_logs(page_dir)
                    self.touch_pageset()  # the killed change may have created or deleted the page
                    os.unlink(marker)
                    recovered.append(name)
            except (PageBusy, FileNotFoundError):
                continue
            except OSError as error:
                tell_operator(f"flatwiki: cannot recover {name!r} yet: {error}")
        return recovered

    def mark_pending(self, name: str) -> None:
        """Ask the next recovery pass to redo a page's derived work (best effort: a disk that
        refuses even this leaves it to `wiki check --repair`)."""
        try:
            os.makedirs(self._pending_path, exist_ok=True)
            os.close(os.open(os.path.join(self._pending_path, names.quote_fs(name)), os.O_WRONLY | os.O_CREAT, FILE_MODE))
        except OSError:
            pass

    def is_pending(self, name: str) -> bool:
        return os.path.exists(os.path.join(self._pending_path, names.quote_fs(name)))

    def pending_names(self) -> set[str]:
        """Pages with a change under way or left half done by a killed process."""
        return set(names_in(self._pending_path))

    def has_pending(self) -> bool:
        """Whether some change is under way or was killed (the fast path then steps aside)."""
        try:
            return bool(os.listdir(self._pending_path))
        except FileNotFoundError:
            return False

    def _finish_logs(self, page_dir: Path) -> None:
        """Give the global log every line of the page's latest revision that it lacks."""
        current = self.read_current(page_dir)
        for entry in read_log_reversed(page_dir / "edit-log"):
            if entry.revision < current:
                break
            if entry.revision == current:
                self.ensure_global_line(entry)

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
