"""Unsaved editor text, kept per browser and page, so a closed tab or a conflict loses nothing.

A draft is written on every preview and every edit conflict and removed by a
successful save. The owner is a hash of the browser's random CSRF cookie: drafts
are private to the browser that wrote them.
"""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.atomic import write_atomically


@dataclass(frozen=True)
class Draft:
    base_revision: int
    text: str
    saved_at: float


DRAFT_DAYS = 30  # a draft untouched this long is removed
DRAFTS_PER_BROWSER = 20
BYTES_PER_BROWSER = 5 * 1024 * 1024
BYTES_IN_ALL = 64 * 1024 * 1024  # beyond this (or DRAFTS_IN_ALL) the oldest drafts of any browser go first
DRAFTS_IN_ALL = 5000


class DraftStore:
    """Drafts under `directory/<hash of the browser's cookie>/<quoted page name>`, bounded:
    anyone may write them, so none may fill the disk with them."""

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
            self._bound(path.parent)
        except OSError:
            return False
        return path.exists()

    def _bound(self, mine: Path) -> None:
        """Keep this browser's drafts, and everyone's, within their limits (oldest go first)."""
        cutoff = time.time() - DRAFT_DAYS * 86400
        keep, size = 0, 0
        for modified, bytes_, path in sorted(_drafts_in(mine), reverse=True):
            keep, size = keep + 1, size + bytes_
            if modified < cutoff or keep > DRAFTS_PER_BROWSER or size > BYTES_PER_BROWSER:
                path.unlink(missing_ok=True)
        folders = [folder for folder in self.directory.iterdir() if folder.is_dir()]
        everyone = [draft for folder in folders for draft in _drafts_in(folder)]
        total, count = sum(bytes_ for _, bytes_, _ in everyone), len(everyone)
        for _, bytes_, path in sorted(everyone):
            if total <= BYTES_IN_ALL and count <= DRAFTS_IN_ALL:
                break
            path.unlink(missing_ok=True)
            total, count = total - bytes_, count - 1
        for folder in folders:
            try:
                folder.rmdir()  # only succeeds for a browser left without drafts
            except OSError:
                pass

    def expired(self) -> list[Path]:
        """Drafts older than DRAFT_DAYS (for `wiki check`)."""
        if not self.directory.is_dir():
            return []
        cutoff = time.time() - DRAFT_DAYS * 86400
        return [path for folder in self.directory.iterdir() if folder.is_dir()
                for modified, _, path in _drafts_in(folder) if modified < cutoff]

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


def _drafts_in(folder: Path) -> list[tuple[float, int, Path]]:
    """(modified, size, path) of each draft in one browser's folder."""
    found = []
    for entry in os.scandir(folder):
        if entry.is_file() and not entry.name.startswith("."):
            stat = entry.stat()
            found.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    return found
