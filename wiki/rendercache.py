"""Rendered page HTML kept per revision in files, keyed by everything the HTML depends on.

Separate from markup.py so that reading the cache never imports Markdown.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from wiki import names
from wiki.atomic import write_best_effort

TYPE_CHECKING = False  # (typing is not loaded on a cached CGI view)
if TYPE_CHECKING:
    from collections.abc import Callable

RENDERER_VERSION = "4"  # bump when markup.py's output changes, to drop old entries
# Bounded: on one put in SWEEP_EVERY, entries untouched for MAX_AGE_DAYS go, and past the cap
# (MIN_ENTRIES, or ENTRIES_PER_PAGE for each page of a larger wiki) the least recently
# written go first. A 10-minute soak left 5,535 files (22 MB) and growing.
SWEEP_EVERY = 200
MAX_AGE_DAYS = 30
MIN_ENTRIES = 10_000
ENTRIES_PER_PAGE = 3


class RenderCache:
    """Rendered HTML kept per page revision in files, keyed by what the HTML depends on."""

    def __init__(self, directory: Path, pages: Callable[[], int] = lambda: 0) -> None:
        self.directory = directory
        self.pages = pages  # how many pages there are, for the cap

    def _path(self, name: str, revision: int, view: str) -> Path:
        # One file per revision and view class: readers alternating ?rev=1 and ?rev=2, or an
        # anonymous reader and a group member, must not re-render each time.
        return self.directory / names.derived_fs(name, suffix=f".{revision}.{view}")

    def get(self, name: str, revision: int, key: str, log_size: int, view: str) -> tuple[str, bool] | None:
        """(html, volatile) if stored under `key` — and, for a volatile page (one showing recent
        changes or another page), only while the edit-log is as long as when it was rendered."""
        try:
            data = self._path(name, revision, view).read_text("utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        head, _, html = data.partition("\n")
        stored_key, _, logged = head.partition("\t")
        if stored_key != key or (logged and logged != str(log_size)):
            return None
        return html, bool(logged)

    def put(self, name: str, revision: int, key: str, html: str, log_size: int | None, view: str) -> None:
        """Store HTML; pass the edit-log's size for a volatile page, None for any other.
        Best effort: a disk that refuses the write costs a re-render, never the view."""
        write_best_effort(self._path(name, revision, view), f"{key}\t{'' if log_size is None else log_size}\n{html}".encode())
        if not secrets.randbelow(SWEEP_EVERY):
            self.sweep()

    def sweep(self) -> int:
        """Remove old entries, and the oldest past the cap; how many went (best effort)."""
        entries = []
        try:
            with os.scandir(self.directory) as listing:
                for entry in listing:
                    try:
                        entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
                    except OSError:  # removed meanwhile (another sweep, a page that went)
                        continue
        except OSError:
            return 0
        entries.sort()
        cutoff = time.time() - MAX_AGE_DAYS * 86400
        cap = max(MIN_ENTRIES, ENTRIES_PER_PAGE * self.pages())
        doomed = [path for at, (mtime, path) in enumerate(entries) if mtime < cutoff or at < len(entries) - cap]
        for path in doomed:
            try:
                os.unlink(path)
            except OSError:
                pass
        return len(doomed)
