"""Keeping the search index current and whole: its locks, its place in the edit-log, and
the fingerprints that tell a damaged segment file from a committed one.

Three locks, all flock on files beside the index (so threads and processes alike):
- `index.rebuild-lock`: one full rebuild at a time;
- `index.lock`: whoever writes the index (catch-up, or a rebuild's last catch-up and swap)
  holds it, so a catch-up can never record its place in the log into an index that a
  rebuild has just swapped in without its changes;
- `index.swap-lock`: shared while a searcher opens the folder, exclusive for the two
  renames of a swap, so nobody opens a folder that is half swapped.
"""
from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wiki.atomic import FILE_MODE, write_atomically
from wiki.editlog import is_revision
from wiki.storage import PageStore

MARK_FILE = "flatwiki-edit-log-offset"
HELD_FILE = "flatwiki-held"  # pages whose newest log line was not published yet when passed over
SEGMENTS_FILE = "flatwiki-segments"


class IndexDamaged(Exception):
    """An index file differs from what was written: rebuild."""


@contextmanager
def flocked(path: Path, mode: int, timeout: float | None) -> Iterator[bool]:
    """Hold flock `mode` on `path` (a new descriptor each time: threads must not share one);
    yields False if it could not be had within `timeout` seconds (None: wait as long as it takes)."""
    try:
        fd = os.open(path, os.O_RDONLY)  # flock needs no write access: works on a read-only disk
    except FileNotFoundError:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE)
        except OSError as error:
            if error.errno != errno.EROFS:
                raise
            yield True  # a read-only disk: nobody can write the index, so there is nothing to exclude
            return
    try:
        if timeout is None:
            fcntl.flock(fd, mode)
            yield True
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.005)
        yield True
    finally:
        os.close(fd)


def read_mark(directory: Path) -> int:
    """The byte offset of the global edit-log that the index has absorbed (-1: none recorded)."""
    try:
        return int((directory / MARK_FILE).read_text("ascii").strip())
    except (FileNotFoundError, ValueError):
        return -1


def read_held(directory: Path) -> set[str]:
    try:
        return {line for line in (directory / HELD_FILE).read_text("utf-8").split("\n") if line}
    except (FileNotFoundError, UnicodeDecodeError):
        return set()


def write_place(directory: Path, mark: int, held: set[str]) -> None:
    """Record how far the index has read the log, and which pages it passed over unpublished."""
    write_atomically(directory / HELD_FILE, "".join(f"{name}\n" for name in sorted(held)).encode("utf-8"))
    write_atomically(directory / MARK_FILE, f"{mark}\n".encode("ascii"))


def apply_log(store: PageStore, writer: Any, mark: int, held: set[str],
              document: Callable[[str], dict[str, Any] | None]) -> tuple[int, set[str]]:
    """Index the pages named in the global log since `mark`, and those held back before.

    A line whose revision is not published yet (its writer is between the log line and
    `current`, or was killed there) never stops the catch-up: the page is held and looked
    at again by every later catch-up until its change is finished or set aside.
    Returns the new mark and the pages still held.
    """
    changed, still_held = set(), set()
    done = mark
    for entry, end in store.read_log_since(mark):
        done = end
        if is_revision(entry) and store.current_revision(entry.name) < entry.revision:
            still_held.add(entry.name)
        changed.add(entry.name)
    for name in held | still_held:
        changed.add(name)
        if store.is_pending(name):
            still_held.add(name)  # under way (or killed, awaiting recovery): look again next time
    for name in changed:
        found = document(name)
        if found:
            writer.update_document(**found)
        else:
            writer.delete_by_term("name", name)
    return done, still_held


def recorded_segments(directory: Path) -> dict[str, tuple[int, int]]:
    try:
        lines = (directory / SEGMENTS_FILE).read_text("ascii").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    recorded = {}
    for line in lines:
        name, size, mtime = line.split()
        recorded[name] = (int(size), int(mtime))
    return recorded


def record_segments(directory: Path) -> None:
    """Whoosh never changes a segment file once written: remember each one's size and time
    (keeping what was recorded before), so that damage can be told from a commit."""
    recorded = recorded_segments(directory)
    current = {}
    for entry in os.scandir(directory):
        if entry.name.endswith(".seg"):
            stat = entry.stat()
            current[entry.name] = recorded.get(entry.name, (stat.st_size, stat.st_mtime_ns))
    lines = "".join(f"{name} {size} {mtime}\n" for name, (size, mtime) in sorted(current.items()))
    write_atomically(directory / SEGMENTS_FILE, lines.encode("ascii"))


def verify_segments(directory: Path) -> None:
    """Raise IndexDamaged if a recorded segment file was overwritten or truncated: garbage
    does not always make Whoosh fail, and silently finding nothing is worse than a rebuild."""
    for name, expected in recorded_segments(directory).items():
        try:
            stat = os.stat(directory / name)
        except FileNotFoundError:
            continue  # merged away since it was recorded
        if (stat.st_size, stat.st_mtime_ns) != expected:
            raise IndexDamaged(f"{name} changed after it was written")
