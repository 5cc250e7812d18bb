"""The link table: which pages link to which, kept current on every save.

Derived from the store (rebuilt by `wiki reindex`). For each page, `links/out/<fsname>`
lists the pages it links to and `links/in/<fsname>` the pages that link to it, so
"what links here" is one small file read, never a re-render of the wiki.
"""
from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from wiki import names
from wiki.atomic import FILE_MODE
from wiki.errors import InvalidPageName

# [[Target]], [[Target|label]], [[Target#anchor|label]] — shared with markup.py.
WIKILINK_PATTERN = r"\[\[([^\]\|\n]+?)(?:\|([^\]\n]+?))?\]\]"
WIKILINK = re.compile(WIKILINK_PATTERN)
CODE = re.compile(r"(?ms)^(```|~~~).*?^\1|`[^`\n]+`")


def rewrite_links(text: str, page: str, old: str, new: str, camelcase: bool) -> str:
    """Point every link in `text` (on `page`) that leads to `old` at `new` instead, keeping
    labels and anchors; code is left alone. A CamelCase mention becomes [[new]]."""
    def wikilink(match: re.Match[str]) -> str:
        target, label = match.group(1).strip(), match.group(2)
        page_part, hash_sign, anchor = target.partition("#")
        try:
            resolved = names.resolve_relative(page, page_part) if page_part else page
        except InvalidPageName:
            return match.group(0)
        if resolved != old:
            return match.group(0)
        return f"[[{new}{hash_sign}{anchor}" + (f"|{label}" if label else "") + "]]"

    camel = re.compile(rf"(?<![\w/.#&=?!\[|-]){re.escape(old)}\b(?!\]\])") if camelcase and re.fullmatch(r"(?:[A-Z][a-z0-9]+){2,}", old) else None
    pieces, position = [], 0
    for code in CODE.finditer(text):
        pieces.append(_rewrite_prose(text[position:code.start()], wikilink, camel, new))
        pieces.append(code.group(0))
        position = code.end()
    pieces.append(_rewrite_prose(text[position:], wikilink, camel, new))
    return "".join(pieces)


def _rewrite_prose(text: str, wikilink: Callable[[re.Match[str]], str], camel: re.Pattern[str] | None, new: str) -> str:
    text = WIKILINK.sub(wikilink, text)
    if camel is not None:
        parts = re.split(r"(\[\[.*?\]\])", text)
        text = "".join(part if part.startswith("[[") else camel.sub(f"[[{new}]]", part) for part in parts)
    return text


class LinkTable:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.out_dir = self.directory / "out"
        self.in_dir = self.directory / "in"

    @staticmethod
    def _read(path: Path) -> set[str]:
        try:
            return {line for line in path.read_text("utf-8").split("\n") if line}
        except FileNotFoundError:
            return set()

    @staticmethod
    def _change(path: Path, add: Iterable[str] = (), remove: Iterable[str] = ()) -> set[str]:
        """Read-modify-write one list under an exclusive lock on that file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "r+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            entries = {line for line in handle.read().split("\n") if line}
            entries = (entries | set(add)) - set(remove)
            handle.seek(0)
            handle.truncate()
            handle.write("".join(f"{entry}\n" for entry in sorted(entries)))
        return entries

    def outgoing(self, name: str) -> set[str]:
        return self._read(self.out_dir / names.quote_fs(name))

    def incoming(self, name: str) -> set[str]:
        """The pages whose latest revision links to `name`."""
        return self._read(self.in_dir / names.quote_fs(name))

    def record(self, name: str, targets: Iterable[str], full: bool = False) -> None:
        """Set the pages that `name` links to now (none, once it is deleted). `full`: write every
        incoming entry, not only the changes (after a rebuild swap, an update that straddled the
        swap may have left its outgoing list in the new table and its incoming entries in the old)."""
        new = set(targets) - {name}
        fd = os.open(self._lock_path(name), os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one update of a page's links at a time
            old = self.outgoing(name)
            for target in (new if full else new - old):
                self._change(self.in_dir / names.quote_fs(target), add=[name])
            for target in old - new:
                self._change(self.in_dir / names.quote_fs(target), remove=[name])
            self._change(self.out_dir / names.quote_fs(name), add=new, remove=old - new)
        finally:
            os.close(fd)

    def write_fresh(self, outgoing: dict[str, frozenset[str]]) -> None:
        """Write a whole new table at once (a rebuild, into a folder nobody else uses yet): each
        list once, instead of one locked read-modify-write per link."""
        incoming: dict[str, list[str]] = {}
        self.out_dir.mkdir(parents=True)
        self.in_dir.mkdir(parents=True)
        for name, targets in outgoing.items():
            targets = targets - {name}
            _write_list(self.out_dir / names.quote_fs(name), targets)
            for target in targets:
                incoming.setdefault(target, []).append(name)
        for target, sources in incoming.items():
            _write_list(self.in_dir / names.quote_fs(target), sources)

    def _lock_path(self, name: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return self.out_dir / names.derived_fs(name, prefix=".lock-")

    def linked_targets(self) -> dict[str, set[str]]:
        """Every page that something links to, with the pages linking to it."""
        found: dict[str, set[str]] = {}
        try:
            entries = list(os.scandir(self.in_dir))
        except FileNotFoundError:
            return found
        for entry in entries:
            try:
                target = names.unquote_fs(entry.name)
            except ValueError:
                continue
            sources = self._read(Path(entry.path))
            if sources:
                found[target] = sources
        return found


def _write_list(path: Path, entries: Iterable[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("".join(f"{entry}\n" for entry in sorted(entries)))
