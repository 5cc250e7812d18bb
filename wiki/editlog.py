"""Edit-log lines: MoinMoin 1.9's nine tab-separated fields, and reading and appending them
so that a crash mid-write never corrupts the lines around it."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wiki import names
from wiki.atomic import FILE_MODE
from wiki.errors import InvalidPageName

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing on every CGI hit
if TYPE_CHECKING:
    from datetime import datetime

SAVE, SAVENEW, REVERT, RENAME, DELETE = "SAVE", "SAVENEW", "SAVE/REVERT", "SAVE/RENAME", "DELETE"
ATTNEW, ATTDEL = "ATTNEW", "ATTDEL"
ATTACHMENT_ACTIONS = (ATTNEW, ATTDEL, "ATTDRW")  # ATTDRW: a 1.9 drawing saved (read, never written)
ATTACHMENT_REVISION = 99999999  # what MoinMoin 1.9 writes in the revision field of an attachment's line


@dataclass(frozen=True)
class LogEntry:
    """One edit-log line: MoinMoin 1.9's nine tab-separated fields."""

    time_us: int
    revision: int
    action: str
    name: str
    address: str = ""
    host: str = ""
    user_id: str = ""
    extra: str = ""
    comment: str = ""

    @property
    def time(self) -> datetime:
        from datetime import datetime, timezone  # not at import: the cached-view path never shows times

        return datetime.fromtimestamp(self.time_us / 1_000_000, tz=timezone.utc)

    def to_line(self) -> str:
        """The line as MoinMoin 1.9 writes it: the page name in its file-system quoting
        (`Help(2f)Syntax`), an attachment's file name URL-quoted."""
        extra = quote_url(self.extra) if self.action in ATTACHMENT_ACTIONS else self.extra
        fields = [
            str(self.time_us), f"{self.revision:08d}", self.action, names.quote_fs(self.name),
            self.address, self.host, self.user_id, extra, self.comment,
        ]
        return "\t".join(_one_line(value) for value in fields) + "\n"

    @classmethod
    def parse(cls, line: str) -> LogEntry:
        """Parse one line (LF or CRLF); raise ValueError for anything malformed.

        The name field is read in both forms: quoted, as 1.9 (and flatwiki since 0.2) writes
        it, and plain, as earlier flatwiki did. Missing trailing fields are empty, as in 1.9.
        """
        fields = line.rstrip("\r\n").split("\t")
        if not 4 <= len(fields) <= 9:
            raise ValueError(f"expected 9 tab-separated fields, found {len(fields)}")
        fields += [""] * (9 - len(fields))
        stamp, revision, action, name = fields[:4]
        extra = fields[7]
        if action in ATTACHMENT_ACTIONS and "%" in extra:
            from urllib.parse import unquote  # attachment lines only: not on the cached-view path

            extra = unquote(extra, errors="replace")
        address, host, user_id = fields[4:7]
        return cls(int(stamp), int(revision), action, logged_name(name), address, host, user_id, extra, fields[8])


def logged_name(field: str) -> str:
    """The page name in an edit-log's name field: 1.9's quoted form, or earlier flatwiki's plain name."""
    if "(" not in field:
        return field  # the same in both forms: no character needed quoting
    try:
        return names.unquote_fs(field)
    except InvalidPageName:
        return field  # a plain name with a space or a parenthesis of its own


def quote_url(value: str) -> str:
    """1.9's url_quote: percent-encoding that keeps '/'."""
    from urllib.parse import quote

    return quote(value, safe="/")


def _one_line(value: str) -> str:
    # A tab or newline inside a field would break every reader of the log.
    return " ".join(value.replace("\t", " ").splitlines())


def is_revision(entry: LogEntry) -> bool:
    """Whether a log line records a revision (attachment lines share the log but are not)."""
    return entry.action not in ATTACHMENT_ACTIONS


def append_line(path: Path, line: str | bytes, *, locked: bool = False) -> None:
    """Append one line (or whole lines, as bytes) with one write(); start a fresh line if a
    crash left a partial one.

    `locked`: the caller holds the only right to append (a page's lock for its own log),
    so a failed write (a full disk) is cut back off: no half line is left for a later
    append to complete into a line that was never meant.

    Every append holds an flock on the log while it writes: a write the disk took only part
    of is finished by a second one, and without the lock another process's line could land
    between the two (the global log has no other lock).
    """
    import fcntl

    data = line.encode("utf-8") if isinstance(line, str) else line
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        try:
            written = 0
            while written < len(data):  # a full disk may take part of a write before refusing
                written += os.write(fd, data[written:])
            os.fsync(fd)
        except OSError:
            if locked:
                os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def read_log(path: Path) -> list[LogEntry]:
    """Every parseable, complete line of an edit-log (a crash's partial last line is skipped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    entries = []
    for raw in data.split(b"\n")[:-1]:
        try:
            entries.append(LogEntry.parse(raw.decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            continue
    return entries


def read_log_reversed(path: Path, block: int = 65536) -> Iterator[LogEntry]:
    """The parseable, complete lines of an edit-log, newest first, read from the end in blocks:
    the cost is what the caller consumes, not the length of the history."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    with handle:
        position = handle.seek(0, os.SEEK_END)
        remainder = b""
        first = True
        while position > 0:
            step = min(block, position)
            position -= step
            handle.seek(position)
            lines = (handle.read(step) + remainder).split(b"\n")
            remainder = lines[0] if position > 0 else b""
            complete = lines[1:] if position > 0 else lines
            if first:
                complete = complete[:-1]  # after the last newline: empty, or a crash's partial line
                first = False
            for raw in reversed(complete):
                try:
                    yield LogEntry.parse(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    continue
