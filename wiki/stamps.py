"""Per-page stamps: when something a page's view shows, besides its own text, last changed.

A page's rendered view depends on its revision and on whether the pages it links to
exist (red or blue links) and which files are attached to it. Keying every cached view
on one wiki-wide "set of pages" token made each created or deleted page re-render the
whole wiki. Instead each page has a stamp, changed only for the pages whose output a
change can touch: those linking to a page that was created, deleted or renamed (the
link table knows them), and the page itself when its attachments change. Cache keys
include the page's stamp. Pages whose output follows the wiki at large (lists of pages,
another page's text or attachments) are "volatile" and keyed on the edit-log instead.

Stamps live beside the caches they guard (cache/stamps): removing cache/ removes both.
"""
from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from wiki import names
from wiki.atomic import read_small, write_atomically

NEVER = "0"  # the stamp of a page nothing has touched yet


class PageStamps:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._directory_path = str(directory)

    def _path(self, name: str) -> str:
        return os.path.join(self._directory_path, names.derived_fs(name))

    def read(self, name: str) -> str:
        """The page's stamp: read on every cached view, so one small raw read."""
        try:
            return read_small(self._path(name)).decode("ascii").strip() or NEVER
        except (FileNotFoundError, UnicodeDecodeError):
            return NEVER

    def time(self, name: str) -> float:
        """When the page's stamp last changed (seconds since 1970; 0 if never)."""
        stamp = self.read(name).split("-", 1)[0]
        return int(stamp) / 1e9 if stamp.isdigit() and stamp != NEVER else 0.0

    def touch(self, pages: Iterable[str]) -> int:
        """Give each page a new stamp (so its cached views stop matching); the number touched.
        Raises OSError if the disk refuses: the caller marks the change for recovery."""
        os.makedirs(self._directory_path, exist_ok=True)
        now, tail = time.time_ns(), f"-{os.getpid()}-{os.urandom(4).hex()}\n"
        count = 0
        for page in pages:
            # Never earlier than a second after the stamp it replaces: a page view's Last-Modified
            # follows it, and a process whose clock is behind must not make a changed page look
            # older to a cache revalidating with If-Modified-Since (HTTP dates have whole seconds).
            stamped = max(now, int(self.time(page) * 1e9) + 1_000_000_000)
            write_atomically(self._path(page), f"{stamped}{tail}".encode("ascii"), durable=False)
            count += 1
        return count

    def touch_all(self, pages: Iterable[str]) -> int:
        """Give every page (and every page that has a stamp) one new stamp: after a rebuild of
        the link table, say. Written into a fresh folder that is then swapped in: replacing
        100,000 files one by one took ten times as long. A page touched by a save meanwhile
        loses that touch, harmlessly: its new stamp is newer than anything cached before."""
        token = f"{time.time_ns()}-{os.getpid()}-{os.urandom(4).hex()}\n".encode("ascii")
        fresh = f"{self._directory_path}.new-{os.getpid()}-{os.urandom(3).hex()}"
        olds: list[str] = []
        os.makedirs(fresh)
        try:
            wanted = {names.derived_fs(page) for page in pages}
            try:
                wanted.update(entry for entry in os.listdir(self._directory_path) if not entry.startswith("."))
            except FileNotFoundError:
                pass
            for entry in wanted:
                with open(os.path.join(fresh, entry), "wb") as handle:  # a folder nobody reads yet
                    handle.write(token)
            for attempt in range(100):
                olds.append(f"{self._directory_path}.old-{os.getpid()}-{os.urandom(3).hex()}")
                try:
                    os.rename(self._directory_path, olds[-1])
                except FileNotFoundError:
                    pass
                try:
                    os.rename(fresh, self._directory_path)
                    break
                except OSError as error:  # a save's `touch` made the folder again in between: again
                    if error.errno not in (errno.ENOTEMPTY, errno.EEXIST) or attempt == 99:
                        raise
        finally:
            for folder in (fresh, *olds):
                shutil.rmtree(folder, ignore_errors=True)
        return len(wanted)
