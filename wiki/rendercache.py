"""Rendered page HTML kept per revision in files, keyed by everything the HTML depends on.

Separate from markup.py so that reading the cache never imports Markdown.
"""
from __future__ import annotations

import os
from pathlib import Path

from wiki import names

RENDERER_VERSION = "1"  # bump when markup.py's output changes, to drop old entries


class RenderCache:
    """Rendered HTML kept per page revision in files, keyed by what the HTML depends on."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / names.quote_fs(name)

    def get(self, name: str, key: str) -> str | None:
        try:
            data = self._path(name).read_text("utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        stored_key, _, html = data.partition("\n")
        return html if stored_key == key else None

    def put(self, name: str, key: str, html: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        temp = path.with_name(f".tmp-{path.name}.{os.getpid()}")
        temp.write_text(f"{key}\n{html}", "utf-8")
        temp.replace(path)
