"""`wiki check`: verify the revision store and repair what a crash can leave behind.

Repairs never remove a revision: a completed save is rolled forward, an
unacknowledged one is moved aside (kept), temporary files are removed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.editlog import DELETE, LogEntry, is_revision, read_log
from wiki.storage import TEMP_PREFIX, PageStore


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    repairable: bool = True

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


def _check_page(store: PageStore, page_dir: Path, global_keys: set[tuple[str, int]], problems: list[Problem]) -> None:
    try:
        name = names.unquote_fs(page_dir.name)
    except ValueError:
        problems.append(Problem(page_dir, "folder name is not a quoted page name", repairable=False))
        return
    revisions = page_dir / "revisions"
    for folder in (page_dir, revisions, page_dir / "attachments"):
        if folder.is_dir():
            for item in os.scandir(folder):
                if item.name.startswith(TEMP_PREFIX):
                    problems.append(Problem(Path(item.path), "stray temporary file"))
    log_path = page_dir / "edit-log"
    _check_log_file(log_path, problems)
    entries = read_log(log_path)
    try:
        current = store.read_current(page_dir)
    except ValueError:
        problems.append(Problem(page_dir / "current", "does not hold a revision number", repairable=False))
        return
    by_revision = {entry.revision: entry for entry in entries if is_revision(entry)}
    if current:
        has_file = (revisions / f"{current:08d}").exists()
        deleted = by_revision.get(current) is not None and by_revision[current].action == DELETE
        if not has_file and not deleted:
            problems.append(Problem(page_dir / "current", f"points to revision {current}, which has no file and no DELETE entry", repairable=False))
    if (revisions / f"{current + 1:08d}").exists() or (current + 1) in by_revision:
        problems.append(Problem(page_dir, f"revision {current + 1} was left half-saved after revision {current}"))
    for entry in entries:
        if entry.revision <= current and (name, entry.revision) not in global_keys:
            problems.append(Problem(store.global_log, f"lacks the entry for {name!r} revision {entry.revision}"))


def check_store(store: PageStore) -> list[Problem]:
    """Everything wrong with the store, without changing anything."""
    problems: list[Problem] = []
    if not store.pages_dir.is_dir():
        return [Problem(store.pages_dir, "missing: run `wiki init`", repairable=False)]
    _check_log_file(store.global_log, problems)
    global_keys = {(entry.name, entry.revision) for entry in read_log(store.global_log)}
    for entry in sorted(os.scandir(store.pages_dir), key=lambda e: e.name):
        if entry.is_dir():
            _check_page(store, Path(entry.path), global_keys, problems)
    return problems


def _finish_partial_line(path: Path) -> None:
    """Move an unfinished last line aside (into unfinished/) so the next append starts clean."""
    data = path.read_bytes()
    cut = data.rfind(b"\n") + 1
    aside = path.parent / "unfinished"
    aside.mkdir(exist_ok=True)
    with open(aside / f"{path.name}.partial", "ab") as handle:
        handle.write(data[cut:] + b"\n")
    with open(path, "r+b") as handle:
        handle.truncate(cut)


def repair_store(store: PageStore) -> list[Problem]:
    """Repair what can be repaired without losing a revision; return what remains wrong."""
    for problem in check_store(store):
        if not problem.repairable:
            continue
        if problem.message == "stray temporary file":
            problem.path.unlink(missing_ok=True)
        elif problem.message == "ends with an unfinished line":
            _finish_partial_line(problem.path)
    global_keys = {(entry.name, entry.revision) for entry in read_log(store.global_log)}
    for folder in os.scandir(store.pages_dir):
        try:
            name = names.unquote_fs(folder.name)
        except ValueError:
            continue
        with store.locked(name) as page_dir:
            current = store.recover_page(page_dir, name)
            for logged in read_log(page_dir / "edit-log"):
                if logged.revision <= current and (name, logged.revision) not in global_keys:
                    store.ensure_global_line(logged)
    return check_store(store)
