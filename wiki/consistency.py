"""`wiki check`: verify the revision store and what is derived from it; repair what a crash,
a full disk or a killed process can leave behind.

Repairs never remove a revision: a completed save is rolled forward, an unacknowledged one
is moved aside (kept), `current` is derived from the revisions and the log, temporary files
and abandoned rebuilds are removed, derived data (page list, link table) is redone. A page
that cannot be read is named and the check goes on with the next one.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.atomic import TEMP_PREFIX, write_atomically
from wiki.editlog import DELETE, RENAME, LogEntry, is_revision, read_log
from wiki.errors import PageBusy
from wiki.recovery import derive_current, latest_revision_file
from wiki.storage import PageStore

LEFTOVER_PREFIXES = ("index.new-", "index.old-", "links.new-", "links.old-")
STALE_PAGESET = "the page list differs from the pages (a change did not announce itself)"
NO_LINKS = "has no entry in the link table"
HALF_DONE = "a change was left half done (pending)"
DAMAGED_COUNTS = "is damaged; it holds only counts of recent actions (rate limits), so it is begun afresh"


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    repairable: bool = True
    page: str | None = None
    other: str | None = None  # the page a half-done rename went to

    def __str__(self) -> str:
        suffix = "" if self.repairable else " (cannot be repaired automatically)"
        return f"{self.path}: {self.message}{suffix}"


def _bad_log_lines(path: Path) -> tuple[int, bool]:
    """Count complete lines that do not parse, and whether the file ends mid-line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0, False
    lines = data.split(b"\n")
    bad = 0
    for raw in lines[:-1]:
        if not raw.strip():
            continue
        try:
            LogEntry.parse(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            bad += 1
    return bad, lines[-1] != b""


def _check_log_file(path: Path, problems: list[Problem]) -> None:
    bad, partial = _bad_log_lines(path)
    if bad:
        problems.append(Problem(path, f"{bad} edit-log line(s) do not parse", repairable=False))
    if partial:
        problems.append(Problem(path, "ends with an unfinished line"))


def _temp_files(folder: Path) -> Iterator[Path]:
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for item in entries:
        if item.name.startswith(TEMP_PREFIX):
            yield Path(item.path)


def _raw_current(page_dir: Path) -> bytes | None:
    try:
        return (page_dir / "current").read_bytes().strip()
    except FileNotFoundError:
        return None


def _check_page(store: PageStore, page_dir: Path, global_keys: set[tuple[str, int]], problems: list[Problem]) -> None:
    try:
        name = names.unquote_fs(page_dir.name)
    except ValueError:
        problems.append(Problem(page_dir, "folder name is not a quoted page name", repairable=False))
        return
    revisions = page_dir / "revisions"
    for folder in (page_dir, revisions, page_dir / "attachments"):
        for temp in _temp_files(folder):
            problems.append(Problem(temp, "stray temporary file", page=name))
    log_path = page_dir / "edit-log"
    _check_log_file(log_path, problems)
    entries = read_log(log_path)
    raw = _raw_current(page_dir)
    if raw is not None and not (raw.isdigit() and len(raw) <= 9):
        problems.append(Problem(page_dir / "current", f"holds {raw[:20]!r}, not a revision number; the revisions say "
                                                      f"{derive_current(page_dir)}", page=name))
        return
    current = int(raw) if raw else 0
    if raw is None and (latest_revision_file(page_dir) or entries):
        copied = entries[-1].name if entries and entries[-1].name not in (name, names.quote_fs(name)) else None
        message = (f"is missing; the folder holds what a rename copied from {copied!r} before it failed, which is "
                   "set aside (that page has it all)" if copied else
                   f"is missing; the revisions say {derive_current(page_dir)}")
        problems.append(Problem(page_dir / "current", message, page=name))
        return
    by_revision = {entry.revision: entry for entry in entries if is_revision(entry)}
    if current:
        has_file = (revisions / f"{current:08d}").exists()
        deleted = by_revision.get(current) is not None and by_revision[current].action == DELETE
        if not has_file and not deleted:
            problems.append(Problem(page_dir / "current", f"points to revision {current}, which has no file and no "
                                                          "DELETE entry", repairable=False))
    if (revisions / f"{current + 1:08d}").exists() or (current + 1) in by_revision:
        problems.append(Problem(page_dir, f"revision {current + 1} was left half-saved after revision {current}",
                                page=name))
    for entry in entries:  # each line by its own name: a renamed page's history names its old name
        if entry.revision <= current and (entry.name, entry.revision) not in global_keys:
            problems.append(Problem(store.global_log, f"lacks the entry for {entry.name!r} revision {entry.revision}",
                                    page=name))
    _check_revision_texts(revisions, problems)
    _check_rename(store, name, by_revision, problems)


HALF_RENAMED = "was renamed, but the old name was not removed (a rename left half done)"


def _check_rename(store: PageStore, name: str, by_revision: dict[int, LogEntry], problems: list[Problem]) -> None:
    """A page whose newest revision is a rename from a page that still has that rename's
    revision to come: the old name's DELETE never came (recovery finishes it; so does --repair)."""
    if not by_revision:
        return
    newest = by_revision[max(by_revision)]
    if newest.action != RENAME or not newest.extra:
        return
    old_dir = store.page_dir(newest.extra)
    if store.read_current(old_dir) == newest.revision - 1:
        problems.append(Problem(old_dir, f"{newest.extra!r} {HALF_RENAMED} to {name!r}", page=newest.extra, other=name))


def _check_revision_texts(revisions: Path, problems: list[Problem]) -> None:
    """Every revision must be UTF-8: one cut mid-character is shown with U+FFFD, but named here."""
    try:
        files = sorted(os.scandir(revisions), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for item in files:
        if not (item.name.isascii() and item.name.isdigit() and len(item.name) == 8):
            continue
        data = Path(item.path).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem(Path(item.path), f"is not valid UTF-8 (byte {error.start}); it is shown with "
                                                     "replacement characters", repairable=False))


def _process_alive(folder_name: str) -> bool:
    """Whether the process that named a leftover folder (`index.new-<pid>-…`) still runs."""
    parts = folder_name.split("-")
    pid_text = parts[1] if len(parts) > 1 else ""
    if not (pid_text.isascii() and pid_text.isdigit()):
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_derived(store: PageStore, problems: list[Problem]) -> None:
    """What is derived from the store: leftovers, pending changes, page list, link table."""
    root = store.root
    for item in sorted(os.scandir(root), key=lambda e: e.name):
        if item.name.startswith(LEFTOVER_PREFIXES) and not _process_alive(item.name):
            problems.append(Problem(Path(item.path), "left behind by a rebuild that did not finish"))
    for folder, _, _ in _walk_derived(root):
        for temp in _temp_files(folder):
            problems.append(Problem(temp, "stray temporary file"))
    for name in sorted(store.pending_names()):
        problems.append(Problem(store.pending_dir / names.quote_fs(name), HALF_DONE, page=name))
    from wiki.drafts import DraftStore

    for draft in DraftStore(root / "drafts").expired():
        problems.append(Problem(draft, "an expired draft (older than the days drafts are kept)"))
    scanned = store._scan_pages()
    _check_caches(root, set(scanned), problems)
    if store.list_pages() != scanned:
        problems.append(Problem(store.pageset_file, STALE_PAGESET))
    _check_acl_table(store, problems)
    _check_rate_counts(root, problems)
    out_dir = root / "links" / "out"
    for name in scanned:
        if not (out_dir / names.quote_fs(name)).exists():
            problems.append(Problem(out_dir / names.quote_fs(name), f"{name!r} {NO_LINKS}", page=name))


def _check_acl_table(store: PageStore, problems: list[Problem]) -> None:
    """The table of ACL lines and groups must say what the pages say: a stale one would show a
    protected page to whoever its new ACL shuts out (repaired by removing it: it is rebuilt)."""
    from wiki.acltable import AclTable

    table = AclTable.stored(store)
    if table is not None and not table.matches_pages():
        problems.append(Problem(table.path, "the ACL table does not match the pages' #acl lines and groups"))


def _check_rate_counts(root: Path, problems: list[Problem]) -> None:
    """ratelimit.sqlite, through SQLite's own quick check (which changes nothing)."""
    import sqlite3

    path = root / "ratelimit.sqlite"
    if not path.exists():
        return
    try:
        db = sqlite3.connect(path, timeout=2)  # (read-only would need the WAL's -shm file to exist)
        try:
            verdict = str(db.execute("PRAGMA quick_check").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error as error:
        verdict = str(error)
    if verdict != "ok":
        problems.append(Problem(path, f"{DAMAGED_COUNTS} ({verdict[:200]})"))


def _check_caches(root: Path, pages: set[str], problems: list[Problem]) -> None:
    """Cached HTML of pages that are gone, and list responses of an older layout: removable."""
    for folder, is_page_cache in ((root / "cache" / "html", False), (root / "cache" / "pages", True)):
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith((TEMP_PREFIX, "(hash)")):
                continue  # temporary files are reported above; hashed names cannot be traced back
            if is_page_cache and name.startswith("+"):
                if name.count(".") > 1 and name.startswith("+recent."):
                    problems.append(Problem(Path(entry.path), "a cached response of an older layout"))
                continue
            name = name.partition(".")[0]  # <quoted name>.<mount>, or .<revision>.<view class> (quoted: no dots)
            try:
                page = names.unquote_fs(name)
            except ValueError:
                continue
            if page not in pages:
                problems.append(Problem(Path(entry.path), f"cached output of {page!r}, which no longer exists"))


def _walk_derived(root: Path) -> Iterator[tuple[Path, list[str], list[str]]]:
    yield root, [], []
    for part in ("cache", "drafts", "links", "pending"):
        for folder, dirs, files in os.walk(root / part):
            yield Path(folder), dirs, files


def _check_links(store: PageStore, problems: list[Problem]) -> None:
    """Every symbolic link inside the data dir: the wiki never makes one, and one can publish a
    file from outside (an import from a crafted folder once did)."""
    for folder, subfolders, files in os.walk(store.root, followlinks=False):
        for name in subfolders + files:
            path = Path(folder, name)
            if path.is_symlink():
                problems.append(Problem(path, f"is a symbolic link (to {os.readlink(path)}); the wiki makes none: "
                                              "remove it, or replace it with the file itself", repairable=False))


def check_store(store: PageStore) -> list[Problem]:
    """Everything wrong with the store and its derived data, without changing anything."""
    problems: list[Problem] = []
    if not store.pages_dir.is_dir():
        return [Problem(store.pages_dir, "missing: run `wiki init`", repairable=False)]
    _check_log_file(store.global_log, problems)
    global_keys = {(entry.name, entry.revision) for entry in read_log(store.global_log)}
    try:
        page_dirs = sorted(os.scandir(store.pages_dir), key=lambda e: e.name)
    except OSError as error:
        return [*problems, Problem(store.pages_dir, f"cannot be read: {error.strerror}", repairable=False)]
    for entry in page_dirs:
        try:
            if entry.is_dir():
                _check_page(store, Path(entry.path), global_keys, problems)
        except OSError as error:  # never stop at one page: name it and go on
            problems.append(Problem(Path(entry.path), f"cannot be read: {error.strerror or error}", repairable=False))
    _check_links(store, problems)
    try:
        _check_derived(store, problems)
    except OSError as error:
        problems.append(Problem(store.root, f"derived data cannot be read: {error.strerror or error}",
                                repairable=False))
    return problems


def _finish_partial_line(path: Path) -> None:
    """Move an unfinished last line aside (into unfinished/) so the next append starts clean.
    Under the lock every append holds (editlog.append_line): a server appending meanwhile
    finishes its line first, and is never cut."""
    import fcntl

    with open(path, "r+b") as log:
        fcntl.flock(log.fileno(), fcntl.LOCK_EX)
        data = log.read()
        cut = data.rfind(b"\n") + 1
        if cut == len(data):
            return  # a server finished the line (or the next one did) since the check
        aside = path.parent / "unfinished"
        aside.mkdir(exist_ok=True)
        with open(aside / f"{path.name}.partial", "ab") as handle:
            handle.write(data[cut:] + b"\n")
        log.truncate(cut)


def repair_store(store: PageStore, record_links: Callable[[list[str]], object] | None = None) -> list[Problem]:
    """Repair what can be repaired without losing a revision; return what remains wrong.

    `record_links(pages)` redoes link-table entries (it renders, so the caller supplies it).
    A page whose lock is held by a running change is skipped and named.
    """
    skipped: list[Problem] = []
    links_needed: set[str] = set()
    pageset_stale = False
    for problem in check_store(store):
        if not problem.repairable:
            continue
        try:
            if problem.page is not None and problem.message != f"{problem.page!r} {NO_LINKS}":
                with store.locked(problem.page, timeout=0) as page_dir:
                    _repair_page(store, problem, page_dir)
                links_needed.add(problem.page)
                pageset_stale = True
            elif problem.page is not None:
                links_needed.add(problem.page)
            elif problem.message == STALE_PAGESET:
                pageset_stale = True
            elif problem.message == "ends with an unfinished line":
                _finish_partial_line(problem.path)
            elif problem.message.startswith(DAMAGED_COUNTS):
                from wiki.ratelimit import RateLimiter

                RateLimiter(problem.path, {}).set_aside()
            elif problem.path.is_dir():
                shutil.rmtree(problem.path, ignore_errors=True)
            else:
                problem.path.unlink(missing_ok=True)
        except PageBusy:
            skipped.append(Problem(problem.path, "skipped: a running change holds this page's lock; run the "
                                                 "repair again later", repairable=False))
    if pageset_stale:
        store.touch_pageset()
        from wiki.stamps import PageStamps

        PageStamps(store.root / "cache" / "stamps").touch_all(store.list_pages())  # links may show either colour
    if links_needed and record_links is not None:
        record_links(sorted(links_needed))
    return check_store(store) + skipped


def _repair_page(store: PageStore, problem: Problem, page_dir: Path) -> None:
    """One page's repair, under its lock."""
    assert problem.page is not None
    if problem.path.name == "current":
        store.recover_page(page_dir, problem.page)  # a rename's copy (current missing) is set aside first
        if latest_revision_file(page_dir) or read_log(page_dir / "edit-log"):
            write_atomically(page_dir / "current", f"{derive_current(page_dir):08d}\n".encode("ascii"))
    elif HALF_RENAMED in problem.message and problem.other is not None:
        store.finish_rename(page_dir, problem.page, problem.other, store.read_current(page_dir))
    elif problem.message == "stray temporary file":
        problem.path.unlink(missing_ok=True)
    elif problem.message == HALF_DONE:
        store.recover_page(page_dir, problem.page)
        problem.path.unlink(missing_ok=True)
    else:
        current = store.recover_page(page_dir, problem.page)
        global_keys = {(entry.name, entry.revision) for entry in read_log(store.global_log)}
        for logged in read_log(page_dir / "edit-log"):
            if logged.revision <= current and (logged.name, logged.revision) not in global_keys:
                store.ensure_global_line(logged)
