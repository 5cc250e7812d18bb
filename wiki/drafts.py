"""Unsaved editor text, kept per browser and page, so a closed tab or a conflict loses nothing.

A draft is written on every preview and every edit conflict and removed by a
successful save. The owner is the account when signed in, else a hash of the
browser's random CSRF cookie: drafts are private to whoever wrote them.
"""
from __future__ import annotations

import fcntl
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
DRAFTS_PER_BROWSER = 20  # per account, or per browser of someone not signed in
BYTES_PER_BROWSER = 5 * 1024 * 1024
BROWSERS_PER_ADDRESS = 10  # browsers (cookies) not signed in whose drafts one address keeps
BROWSERS_IN_ALL = 2000  # browsers not signed in whose drafts are kept; past it, the longest untouched go


class DraftStore:
    """Drafts under `directory/accounts/<hash of the account>/<quoted page name>` for people who
    are signed in, and `directory/browsers/<hash of the browser's cookie>/...` for others, bounded
    so that nobody can fill the disk and nobody can push out anyone else's: an account's drafts
    go only when it writes more than its own allowance; an address keeps the drafts of at most
    BROWSERS_PER_ADDRESS browsers (its oldest go first), so a client minting cookies evicts its
    own; and past BROWSERS_IN_ALL browsers the one untouched longest goes, which takes many
    addresses, not one (5,200 previews from one address once evicted everyone's, a signed-in
    person's too). Each save reads its own folder, its address's list and the list of browser
    folders: never every draft (previews slowed from 20 to 307 ms as drafts piled up)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _folder(self, owner: str) -> Path:
        who = hashlib.sha256(owner.encode("utf-8")).hexdigest()[:24]
        return self.directory / ("accounts" if owner.startswith("user:") else "browsers") / who

    def _path(self, owner: str, name: str) -> Path:
        return self._folder(owner) / names.quote_fs(name)

    def _old_path(self, owner: str, name: str) -> Path:
        """Where a draft was kept before drafts were split into accounts/ and browsers/."""
        return self.directory / hashlib.sha256(owner.encode("utf-8")).hexdigest()[:24] / names.quote_fs(name)

    def save(self, owner: str, name: str, base_revision: int, text: str, address: str = "") -> bool:
        """Keep the text; False when the disk refused (the text is still in the editor). `address`:
        where a browser not signed in writes from, for its address's allowance."""
        path = self._path(owner, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, f"{base_revision}\n{text}".encode(), durable=False)
            self._old_path(owner, name).unlink(missing_ok=True)
            self._bound_folder(path.parent)
            if not owner.startswith("user:"):
                self._bound_address(address, path.parent.name)
                self._bound_browsers()
        except OSError:
            return False
        return path.exists()

    @staticmethod
    def _bound_folder(folder: Path) -> None:
        """One account's or browser's drafts within their limits (the oldest go first)."""
        cutoff = time.time() - DRAFT_DAYS * 86400
        keep, size = 0, 0
        for modified, bytes_, path in sorted(_drafts_in(folder), reverse=True):
            keep, size = keep + 1, size + bytes_
            if modified < cutoff or keep > DRAFTS_PER_BROWSER or size > BYTES_PER_BROWSER:
                path.unlink(missing_ok=True)

    def _bound_address(self, address: str, browser: str) -> None:
        """The browsers writing drafts from `address`, newest last, in a small list of its own; past
        BROWSERS_PER_ADDRESS the oldest one's drafts go."""
        if not address:
            return
        ledger = self.directory / "addresses" / hashlib.sha256(_address_group(address).encode("utf-8")).hexdigest()[:24]
        ledger.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(ledger, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            browsers = [line for line in handle.read().decode("ascii", "replace").split() if line != browser]
            browsers.append(browser)
            for evicted in browsers[:-BROWSERS_PER_ADDRESS]:
                _remove_folder(self.directory / "browsers" / evicted)
            handle.seek(0)
            handle.truncate()
            handle.write("\n".join(browsers[-BROWSERS_PER_ADDRESS:]).encode("ascii"))

    def _bound_browsers(self) -> None:
        """At most BROWSERS_IN_ALL browsers' drafts: the folders untouched longest go first."""
        root = self.directory / "browsers"
        folders = os.listdir(root)
        if len(folders) <= BROWSERS_IN_ALL:
            return
        dated = []
        for folder in folders:
            try:
                dated.append((os.stat(root / folder).st_mtime, folder))
            except FileNotFoundError:
                continue
        for _, folder in sorted(dated)[:len(dated) - BROWSERS_IN_ALL]:
            _remove_folder(root / folder)

    def _owner_folders(self) -> list[Path]:
        """Every account's and browser's folder (and any of the layout before)."""
        found = []
        for top in (self.directory, self.directory / "accounts", self.directory / "browsers"):
            if top.is_dir():
                found += [folder for folder in top.iterdir() if folder.is_dir()
                          and folder.name not in ("accounts", "browsers", "addresses")]
        return found

    def expired(self) -> list[Path]:
        """Drafts older than DRAFT_DAYS (for `wiki check`, which reads them all)."""
        cutoff = time.time() - DRAFT_DAYS * 86400
        return [path for folder in self._owner_folders() for modified, _, path in _drafts_in(folder) if modified < cutoff]

    def load(self, owner: str, name: str) -> Draft | None:
        for path in (self._path(owner, name), self._old_path(owner, name)):
            try:
                data = path.read_text("utf-8")
                saved_at = path.stat().st_mtime
                break
            except (FileNotFoundError, UnicodeDecodeError):
                continue
        else:
            return None
        base, _, text = data.partition("\n")
        return Draft(int(base) if base.isascii() and base.isdigit() else 0, text, saved_at)

    def discard(self, owner: str, name: str) -> None:
        try:
            self._path(owner, name).unlink(missing_ok=True)
            self._old_path(owner, name).unlink(missing_ok=True)
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


def _address_group(address: str) -> str:
    """The part of an address one client holds: all of an IPv4 address, an IPv6 address's /64
    (a client is given a /64 and may use any address in it)."""
    import ipaddress

    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _remove_folder(folder: Path) -> None:
    for _, _, path in _drafts_in(folder):
        path.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass  # written to meanwhile: it stays


def _drafts_in(folder: Path) -> list[tuple[float, int, Path]]:
    """(modified, size, path) of each draft in one browser's folder."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        if entry.is_file() and not entry.name.startswith("."):
            stat = entry.stat()
            found.append((stat.st_mtime, stat.st_size, Path(entry.path)))
    return found
