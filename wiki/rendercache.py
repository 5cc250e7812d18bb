"""Rendered page HTML kept per revision in files, keyed by everything the HTML depends on.

Separate from markup.py so that reading the cache never imports Markdown.
"""
from __future__ import annotations

from pathlib import Path

from wiki import names
from wiki.atomic import write_best_effort

RENDERER_VERSION = "4"  # bump when markup.py's output changes, to drop old entries


class RenderCache:
    """Rendered HTML kept per page revision in files, keyed by what the HTML depends on."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

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
