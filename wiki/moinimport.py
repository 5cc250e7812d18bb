"""`wiki import-moin19`: a MoinMoin 1.9 data directory carried over as it is.

flatwiki keeps 1.9's layout, so importing is copying: revision files are hard-linked (copied
across file systems) and never change by a byte; edit-logs, `current`, user files, attachments
and intermap.txt are copied. Deletions, renames and history need no conversion: they are
already written the way flatwiki reads them.

Nothing in the folder is trusted: a symbolic link, a device, a FIFO or a file with other hard
links is refused and named (a crafted folder published the wiki's own secret-key as a page, and
/etc/passwd as an attachment), as are folder names that are not valid page names, revisions
over max_page_bytes, and the `flatwiki_*` keys of user files (an administrator flag among them).

A second run brings over only what changed in the 1.9 wiki since the first: the state file
remembers, per page, how much of its 1.9 edit-log was taken and what flatwiki's page looked
like after. A page changed on both sides since is named and left alone.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wiki import names
from wiki.atomic import fsync_directory, write_atomically
from wiki.config import MARKUP_FILE
from wiki.editlog import append_line
from wiki.errors import InvalidPageName, WikiError
from wiki.recovery import latest_revision_file
from wiki.storage import PageStore

STATE_FILE = "import-moin19.json"
REVISION_NAME = re.compile(r"[0-9]{8}")
USER_ID = re.compile(r"[0-9]+\.[0-9]+(?:\.[0-9]+)*")


class Untrusted(ValueError):
    """A file of the 1.9 folder that is not a plain file of its own (named in the report)."""


def _plain_file(path: Path | str, ours: Path | None = None) -> os.stat_result:
    """lstat of a regular file with no other hard link (but `ours`, the copy an earlier import
    made); Untrusted for a symbolic link, a device, a FIFO, a folder or a shared inode."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise Untrusted(f"{path}: a symbolic link; not followed, not imported")
    if not stat.S_ISREG(info.st_mode):
        raise Untrusted(f"{path}: not a regular file; not imported")
    if info.st_nlink > 1 and not (ours is not None and ours.exists() and os.path.samefile(path, ours)):
        raise Untrusted(f"{path}: has {info.st_nlink - 1} other hard link(s), which may lead outside the folder; "
                        "copy the folder (cp -a) and import the copy")
    return info


def _read_plain(path: Path) -> bytes:
    """A regular file's bytes, opened without following a link (O_NOFOLLOW) and checked again
    once open; b"" when it is missing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return b""
    except OSError as error:
        if os.path.islink(path):
            raise Untrusted(f"{path}: a symbolic link; not followed, not imported") from error
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Untrusted(f"{path}: not a regular file; not imported")
        return handle.read()


@dataclass
class ImportReport:
    pages: int = 0
    unchanged: int = 0
    revisions: int = 0
    attachments: int = 0
    users: int = 0
    problems: list[str] = field(default_factory=list)


def import_moin19(source: Path, store: PageStore, progress: Callable[[int, int], None] | None = None,
                  max_page_bytes: int | None = None) -> ImportReport:
    """Bring a 1.9 `data/` folder into `store` (new, or imported into before); see the module.
    A page with a revision over `max_page_bytes` is refused and named."""
    pages_dir = source / "pages"
    if not pages_dir.is_dir():
        raise ValueError(f"{source}: not a MoinMoin 1.9 data directory (it has no pages/ folder)")
    store.create()
    state_path = store.root / STATE_FILE
    state = _load_state(state_path, source)
    report = ImportReport()
    entries = sorted(os.scandir(pages_dir), key=lambda entry: entry.name)
    for count, entry in enumerate(entries, 1):
        if progress:
            progress(count, len(entries))
        if entry.is_symlink():
            report.problems.append(f"{entry.path}: a symbolic link; not followed, not imported")
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        try:
            name = names.unquote_fs(entry.name)
            if names.normalize(name) != name:
                raise InvalidPageName(name, "not in the form page names take")
        except (InvalidPageName, ValueError) as error:
            report.problems.append(f"{entry.path}: not a valid page name ({error}); skipped")
            continue
        try:
            _import_page(name, Path(entry.path), store, state["pages"], report, max_page_bytes)
        except (OSError, WikiError, ValueError) as error:
            report.problems.append(f"{entry.path} ({name}): {error}; skipped")
    try:
        source_log = _read_plain(source / "edit-log")
        whole = source_log[:_complete_length(source_log)]
        if not state_path.exists() and whole and _read_or_empty(store.global_log).startswith(whole):
            state["global_log"] = len(whole)  # its state lost after the lines went in: not added again
        state["global_log"] = _append_new_lines(source / "edit-log", store.global_log, state["global_log"],
                                                source_log)
    except (OSError, Untrusted) as error:
        report.problems.append(f"{source / 'edit-log'}: {error}")
    _save_state(state_path, state)  # now: a kill before the end must not append the global log again
    _import_users(source / "user", store.root / "user", state["users"], report)
    _copy_if_changed(source / "intermap.txt", store.root / "intermap.txt", report)
    if not (store.root / MARKUP_FILE).exists():
        write_atomically(store.root / MARKUP_FILE, b"wiki\n")  # pages without #format are 1.9's wiki markup
    store.touch_pageset()
    _save_state(state_path, state)
    return report


def _save_state(path: Path, state: dict) -> None:  # type: ignore[type-arg]
    write_atomically(path, json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def _load_state(path: Path, source: Path) -> dict:  # type: ignore[type-arg]
    try:
        state = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {"source": str(source.resolve()), "pages": {}, "users": {}, "global_log": 0}
    if state.get("source") != str(source.resolve()):
        raise ValueError(f"{path.parent} was imported from {state.get('source')}, not {source.resolve()}: "
                         "import each 1.9 wiki into a data dir of its own")
    return state  # type: ignore[no-any-return]


def _import_page(name: str, source_dir: Path, store: PageStore, pages: dict, report: ImportReport,  # type: ignore[type-arg]
                 max_page_bytes: int | None = None) -> None:
    for folder in ("revisions", "attachments"):
        if (source_dir / folder).is_symlink():
            raise Untrusted(f"{source_dir / folder}: a symbolic link; not followed")
    log = _read_plain(source_dir / "edit-log")
    source_current = _source_current(source_dir)
    key = names.quote_fs(name)
    seen = pages.get(key)
    signature = {"log": len(log), "current": source_current, "attachments": _attachments_signature(source_dir)}
    if seen is not None and all(seen.get(k) == v for k, v in signature.items()):
        report.unchanged += 1
        return
    with store.locked(name) as target:
        flatwiki_current = store.read_current(target)
        if seen is None and (flatwiki_current or (target / "edit-log").exists()):
            seen = _left_by_an_import(source_dir, target, log, flatwiki_current)
            if seen is None:
                raise ValueError("a page of that name exists in this wiki already")
        if seen is not None and flatwiki_current != seen["flatwiki_current"]:
            raise ValueError("changed here and in the 1.9 wiki since the last import")
        _check_revisions(source_dir / "revisions", target / "revisions", max_page_bytes)
        _check_attachments(source_dir / "attachments", target / "attachments")
        report.revisions += _link_revisions(source_dir / "revisions", target / "revisions")
        taken = seen["taken"] if seen is not None else 0
        _append_new_lines(source_dir / "edit-log", target / "edit-log", taken, log, locked=True)
        if source_current:
            write_atomically(target / "current", f"{source_current:08d}\n".encode("ascii"))
        report.attachments += _link_attachments(source_dir / "attachments", target / "attachments")
        fsync_directory(target)
    report.pages += 1
    pages[key] = {**signature, "taken": _complete_length(log),
                  "flatwiki_current": store.read_current(store.page_dir(name))}


def _left_by_an_import(source_dir: Path, target: Path, log: bytes, flatwiki_current: int) -> dict | None:  # type: ignore[type-arg]
    """An import killed before it wrote its state leaves pages it had brought over: the page
    here is one when its log is the 1.9 log's beginning and its revisions are the 1.9 files.
    Then the import goes on from there (the state that would have been written)."""
    ours = _read_or_empty(target / "edit-log")
    if not log.startswith(ours):
        return None
    for entry in os.scandir(target / "revisions") if (target / "revisions").is_dir() else ():
        if not REVISION_NAME.fullmatch(entry.name):
            continue
        original = source_dir / "revisions" / entry.name
        if not original.exists():
            return None
        if not os.path.samefile(original, entry.path) and original.read_bytes() != Path(entry.path).read_bytes():
            return None
    return {"taken": len(ours), "flatwiki_current": flatwiki_current}


def _check_revisions(source: Path, target: Path, max_page_bytes: int | None) -> None:
    """Every revision file a plain file (see _plain_file) within the size pages may have: else
    the page is refused, before anything of it is brought over."""
    if not source.is_dir():
        return
    for entry in sorted(os.scandir(source), key=lambda entry: entry.name):  # (read whole: a refusal may stop the loop)
        if REVISION_NAME.fullmatch(entry.name):
            info = _plain_file(entry.path, target / entry.name)
            if max_page_bytes is not None and info.st_size > max_page_bytes:
                raise Untrusted(f"{entry.path}: {info.st_size} bytes, over max_page_bytes ({max_page_bytes}); "
                                "raise it to import this page")


def _check_attachments(source: Path, target: Path) -> None:
    if source.is_dir():
        for entry in sorted(os.scandir(source), key=lambda entry: entry.name):
            if not entry.name.startswith("."):
                _plain_file(entry.path, target / entry.name)  # a link (to /etc/passwd, say) refuses the page


def _source_current(page_dir: Path) -> int:
    raw = _read_plain(page_dir / "current").strip()
    if not raw and not (page_dir / "current").exists():
        return latest_revision_file(page_dir)
    if not raw.isdigit():
        raise ValueError(f"its current file holds {raw[:20]!r}, not a revision number")
    return int(raw)


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _complete_length(data: bytes) -> int:
    """Bytes up to and with the last newline: a line 1.9 is still writing is left for next time."""
    return data.rfind(b"\n") + 1


def _append_new_lines(source: Path, target: Path, taken: int, data: bytes | None = None,
                      locked: bool = False) -> int:
    """Append what `source` gained after byte `taken` (whole lines only, as the wiki's own
    appends are made); return the new offset."""
    data = _read_or_empty(source) if data is None else data
    end = _complete_length(data)
    if end > taken:
        append_line(target, data[taken:end], locked=locked)
    return max(end, taken)


def _link(source: Path, target: Path) -> None:
    """Hard-link `source` as `target` (replacing it), or copy it where links are impossible."""
    temporary = target.with_name(f".{target.name}.import-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, temporary)
    os.replace(temporary, target)


def _link_revisions(source: Path, target: Path) -> int:
    if not source.is_dir():
        return 0
    target.mkdir(parents=True, exist_ok=True)
    linked = 0
    for entry in list(os.scandir(source)):  # (read whole: a failed link stops the loop)
        if not REVISION_NAME.fullmatch(entry.name):
            continue
        existing = target / entry.name
        if existing.exists():
            if not os.path.samefile(existing, entry.path) and existing.read_bytes() != Path(entry.path).read_bytes():
                raise ValueError(f"revision {entry.name} differs from the one imported before")
            continue
        _link(Path(entry.path), existing)
        linked += 1
    fsync_directory(target)
    return linked


def _attachments_signature(page_dir: Path) -> str:
    folder = page_dir / "attachments"
    if not folder.is_dir():
        return ""
    listing = sorted((entry.name, entry.stat(follow_symlinks=False).st_size, entry.stat(follow_symlinks=False).st_mtime_ns)
                     for entry in os.scandir(folder))
    return hashlib.sha1(repr(listing).encode("utf-8")).hexdigest()


def _link_attachments(source: Path, target: Path) -> int:
    """1.9's attachments are unversioned files: the 1.9 side's current ones are taken."""
    if not source.is_dir():
        return 0
    target.mkdir(exist_ok=True)
    linked = 0
    for entry in list(os.scandir(source)):  # (read whole: a refusal may stop the loop)
        if entry.name.startswith("."):
            continue
        existing = target / entry.name
        _plain_file(entry.path, existing)  # (checked before the page's revisions came: again, just before)
        if existing.exists() and os.path.samefile(existing, entry.path):
            continue
        _link(Path(entry.path), existing)
        linked += 1
    return linked


def _import_users(source: Path, target: Path, seen: dict[str, list[str]], report: ImportReport) -> None:
    """User files (`user/<id>`) are copied, not linked: flatwiki rewrites them (a new password
    hash at the first sign-in). One changed on both sides since the last import is named."""
    if not source.is_dir():
        return
    target.mkdir(mode=0o700, exist_ok=True)
    for entry in sorted(os.scandir(source), key=lambda entry: entry.name):
        if not USER_ID.fullmatch(entry.name):
            continue  # *.trail, *.bookmark and the cache are 1.9's own business
        try:
            _plain_file(entry.path)
            data = _without_our_keys(Path(entry.path), _read_plain(Path(entry.path)), report)
            copied = target / entry.name
            ours = _read_or_empty(copied)
            source_sum, our_sum = hashlib.sha1(data).hexdigest(), hashlib.sha1(ours).hexdigest()
            before = seen.get(entry.name)
            if before is not None and before[0] == source_sum:
                continue  # unchanged in 1.9
            if ours and (before is None or before[1] != our_sum) and ours != data:
                report.problems.append(f"{entry.path}: the account was changed here too; kept this wiki's copy")
                continue
            write_atomically(copied, data)
            os.chmod(copied, 0o600)
            seen[entry.name] = [source_sum, hashlib.sha1(data).hexdigest()]
            report.users += 1
        except (OSError, Untrusted) as error:
            report.problems.append(f"{entry.path}: {error}" if not isinstance(error, Untrusted) else str(error))


def _without_our_keys(path: Path, data: bytes, report: ImportReport) -> bytes:
    """A 1.9 user file less the keys flatwiki writes (`flatwiki_admin=1` would make its author an
    administrator); each one dropped is named."""
    kept: list[bytes] = []
    dropped: list[bytes] = []
    for line in data.splitlines(keepends=True):
        key = line.split(b"=", 1)[0].strip()
        (dropped if key.startswith(b"flatwiki_") else kept).append(line)
    if dropped:
        listed = ", ".join(sorted({line.split(b"=", 1)[0].strip().decode("utf-8", "replace") for line in dropped}))
        report.problems.append(f"{path}: dropped {listed} (flatwiki's own keys are not taken from an import)")
    return b"".join(kept)


def _copy_if_changed(source: Path, target: Path, report: ImportReport) -> None:
    if not source.exists() and not source.is_symlink():
        return
    try:
        data = _read_plain(source)
    except (OSError, Untrusted) as error:
        report.problems.append(f"{source}: {error}")
        return
    if _read_or_empty(target) != data:
        write_atomically(target, data)
