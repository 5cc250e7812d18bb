"""Unsaved editor text, kept per browser and page, so a closed tab or a conflict loses nothing.

A draft is written on every preview and every edit conflict and removed by a
successful save. The owner is a hash of the browser's random CSRF cookie: drafts
are private to the browser that wrote them.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.storage import write_atomically


@dataclass(frozen=True)
class Draft:
    base_revision: int
    text: str
    saved_at: float


class DraftStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, owner: str, name: str) -> Path:
        who = hashlib.sha256(owner.encode("utf-8")).hexdigest()[:24]
        return self.directory / who / names.quote_fs(name)

    def save(self, owner: str, name: str, base_revision: int, text: str) -> bool:
        """Keep the text; False when the disk refused (the text is still in the editor)."""
        path = self._path(owner, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, f"{base_revision}\n{text}".encode(), durable=False)
        except OSError:
            return False
        return True

    def load(self, owner: str, name: str) -> Draft | None:
        path = self._path(owner, name)
        try:
            data = path.read_text("utf-8")
            saved_at = path.stat().st_mtime
        except (FileNotFoundError, UnicodeDecodeError):
            return None
        base, _, text = data.partition("\n")
        return Draft(int(base) if base.isascii() and base.isdigit() else 0, text, saved_at)

    def discard(self, owner: str, name: str) -> None:
        try:
            self._path(owner, name).unlink(missing_ok=True)
        except OSError:
            pass  # a read-only disk: the draft is offered again, and matches the page


def age(draft: Draft) -> str:
    """'3 minutes ago', for the editor's offer to restore a draft."""
    seconds = max(0, int(time.time() - draft.saved_at))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"
