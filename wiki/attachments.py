"""Files attached to pages: `pages/<page>/attachments/<file>`, each change in the edit-log.

An upload under an existing name, and a delete, move the previous file into
`attachments/.versions/` (a name no upload can have), so no attached file is
ever lost. Knows nothing of HTTP.
"""
from __future__ import annotations

import fcntl
import mimetypes
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from wiki.atomic import fsync_directory, temp_file, write_atomically
from wiki.editlog import ATTACHMENT_REVISION, ATTDEL, ATTNEW, LogEntry, append_line
from wiki.errors import BadRequest, PageNotFound, PayloadTooLarge, disk_error, tell_operator
from wiki.storage import Author, PageStore

VERSIONS = ".versions"
MAX_NAME_BYTES = 200
CHUNK = 1024 * 1024
# Served inline only these; anything else (SVG and HTML above all) is a download.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int
    modified: float

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.modified, tz=timezone.utc)


class AttachmentTotal:
    """What every page's attachments take together, in one small file beside the pages (derived:
    counted again from the folders when it is missing or damaged), so that an upload's check of
    the total reads one number, not every page's folder."""

    def __init__(self, store: PageStore) -> None:
        self.store = store
        self.path = store.root / "attachment-bytes"

    def _locked(self) -> int:
        fd = os.open(self.path.with_name(".attachment-bytes.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def _read(self) -> int:
        try:
            raw = self.path.read_bytes().strip()
        except FileNotFoundError:
            raw = b""
        if raw.isdigit():
            return int(raw)
        from wiki.recovery import names_in

        files = AttachmentStore(self.store)  # deleted pages keep their files: counted too
        total = sum(files.bytes_of(name) for name in names_in(self.store.pages_dir))
        write_atomically(self.path, f"{total}\n".encode("ascii"), durable=False)
        return total

    def current(self) -> int:
        fd = self._locked()
        try:
            return self._read()
        finally:
            os.close(fd)

    def add(self, size: int) -> None:
        fd = self._locked()
        try:
            write_atomically(self.path, f"{self._read() + size}\n".encode("ascii"), durable=False)
        finally:
            os.close(fd)


def _put_back(kept: Path | None, current: Path) -> None:
    """Undo a replace or a removal: the kept version back as the file, or no file if there was none."""
    if kept is None:
        current.unlink(missing_ok=True)
    else:
        os.replace(kept, current)


def sanitize_filename(raw: str) -> str:
    """A safe file name from what a browser sent: no folders, no control characters, no
    leading dots or spaces; BadRequest when nothing usable is left."""
    name = re.split(r"[/\\]", raw)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = " ".join(name.split()).lstrip(". ")
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:-1] + dot + extension) if dot and stem else name[:-1]
    if not name:
        raise BadRequest("That file name has nothing usable in it; rename the file and upload it again.")
    return name


def content_type(name: str) -> tuple[str, bool]:
    """(type to send, whether it may be shown inline)."""
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if guessed in INLINE_TYPES:
        return (guessed + "; charset=utf-8" if guessed == "text/plain" else guessed), True
    return "application/octet-stream", False


class AttachmentStore:
    def __init__(self, store: PageStore) -> None:
        self.store = store

    def folder(self, page: str) -> Path:
        return self.store.page_dir(page) / "attachments"

    def list(self, page: str) -> list[Attachment]:
        if not self.store.exists(page):
            return []  # a deleted page shows no files; they return with the page
        try:
            entries = [e for e in os.scandir(self.folder(page)) if e.is_file() and not e.name.startswith(".")]
        except FileNotFoundError:
            return []
        return sorted((Attachment(e.name, e.stat().st_size, e.stat().st_mtime) for e in entries),
                      key=lambda a: a.name.casefold())

    def path(self, page: str, filename: str) -> Path:
        """The file of a current attachment; PageNotFound if there is none by that name, or the
        page is deleted (its files stay in its folder and come back when it is restored)."""
        name = sanitize_filename(filename)
        path = self.folder(page) / name
        if name != filename or not path.is_file():
            raise PageNotFound(page, f"{page!r} has no attachment named {filename!r}.")
        if not self.store.exists(page):
            raise PageNotFound(page, f"{page!r} is deleted or was renamed: its attachments went with it.")
        return path

    def exists(self, page: str, filename: str) -> bool:
        try:
            self.path(page, filename)
        except (PageNotFound, BadRequest):
            return False
        return True

    def add(self, page: str, filename: str, data: IO[bytes], *, author: Author, limit: int,
            quota: Callable[[int], None] | None = None) -> str:
        """Store an upload (at most `limit` bytes), keeping any file it replaces as a version.
        `quota(size)` is called once the upload's size is known, under the page's lock, before it
        is kept: it raises to refuse (then nothing is kept)."""
        name = sanitize_filename(filename)
        if not self.store.exists(page):
            raise PageNotFound(page, f"Create the page {page!r} before attaching files to it.")
        with self.store.locked(page):
            folder = self.folder(page)
            try:
                folder.mkdir(exist_ok=True)
                fd, temp = temp_file(folder, "upload")
                size = 0
                try:
                    with os.fdopen(fd, "wb") as handle:
                        while chunk := data.read(CHUNK):
                            size += len(chunk)
                            if size > limit:
                                raise PayloadTooLarge(f"Attachments are limited to {limit:,} bytes.")
                            handle.write(chunk)
                        handle.flush()
                        os.fsync(handle.fileno())
                    if quota is not None:
                        quota(size)
                    kept = self._keep_version(page, name)
                    os.replace(temp, folder / name)
                finally:
                    Path(temp).unlink(missing_ok=True)
                self._logged_or_undone(page, ATTNEW, name, author, undo=lambda: _put_back(kept, folder / name))
            except OSError as error:
                raise disk_error(error, f"Attaching {name!r} to {page!r}") or error from error
        return name

    def bytes_of(self, page: str) -> int:
        """What the page's attachments take on disk, their replaced and deleted versions too."""
        total = 0
        for folder in (self.folder(page), self.folder(page) / VERSIONS):
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            total += sum(entry.stat(follow_symlinks=False).st_size for entry in entries
                         if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."))  # (not uploads under way)
        return total

    def delete(self, page: str, filename: str, *, author: Author) -> None:
        """Remove an attachment from the page (its bytes stay among the versions)."""
        with self.store.locked(page):
            current = self.path(page, filename)
            try:
                kept = self._keep_version(page, filename)
                current.unlink()
                self._logged_or_undone(page, ATTDEL, filename, author, undo=lambda: _put_back(kept, current))
            except OSError as error:
                raise disk_error(error, f"Deleting {filename!r} from {page!r}") or error from error

    def _keep_version(self, page: str, name: str) -> Path | None:
        """A hard link to the current file among the versions (None: there is none): the file
        itself stays until the new one replaces it, so a failure in between hides nothing."""
        current = self.folder(page) / name
        if not current.exists():
            return None
        versions = self.folder(page) / VERSIONS
        versions.mkdir(exist_ok=True)
        kept = versions / f"{name}.{time.time_ns() // 1000}"
        try:
            os.link(current, kept)
        except OSError:  # a file system without hard links
            shutil.copy2(current, kept)
        return kept

    def _logged_or_undone(self, page: str, action: str, name: str, author: Author, undo: Callable[[], None]) -> None:
        """The change's commit point is its line in the page's edit-log: if that cannot be
        written, the file is put back as it was (`undo`) and the error raised, so the answer
        "nothing was changed" is true; if even that fails, the change stands (it is what
        readers see) and the missing line is told to the operator. After the line, the global
        log and the page-set token are best effort: a failure there is logged, not answered."""
        entry = LogEntry(time.time_ns() // 1000, ATTACHMENT_REVISION, action, page, author.address, author.host,
                         author.user_id, name)
        try:
            fsync_directory(self.folder(page))
            append_line(self.store.page_dir(page) / "edit-log", entry.to_line())
        except OSError as error:
            try:
                undo()
            except OSError:
                tell_operator(f"flatwiki: {name!r} of {page!r} changed, but its edit-log line could not be "
                              f"written ({error}), nor the change undone")
                return
            raise
        try:
            append_line(self.store.global_log, entry.to_line())
            self.store.touch_pageset()  # pages showing this attachment (or a link to it) change
        except OSError as error:
            tell_operator(f"flatwiki: {name!r} of {page!r} is stored; the global edit-log or the page set "
                          f"could not be updated ({error})")


