"""Issue 25, point 7 (in part): appends to the global edit-log from several processes never
interleave, even when the disk takes only part of each write (as a nearly full disk, NFS or
FUSE may): every line read back is one process's whole line. Real processes, a real file."""
from __future__ import annotations

import os
from pathlib import Path

from wiki.editlog import LogEntry, append_line, read_log

LINES = 300


def short_writes() -> None:
    """Make every os.write in this process take at most 7 bytes, returning how many it took."""
    real = os.write

    def write(fd: int, data: bytes) -> int:
        return real(fd, bytes(data[:7]))

    os.write = write  # type: ignore[assignment]


def appender(path: Path, who: int) -> None:
    short_writes()
    for n in range(LINES):
        entry = LogEntry(1_700_000_000_000_000 + n, 1, "SAVE", f"Page{who}x{n}", f"192.0.2.{who}", "", "", "",
                         "a comment long enough to take several short writes")
        append_line(path, entry.to_line())


def test_concurrent_appends_with_short_writes_never_interleave(tmp_path: Path) -> None:
    log = tmp_path / "edit-log"
    children = []
    for who in (1, 2, 3):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                appender(log, who)
            except BaseException:  # noqa: BLE001 - reported through the exit code
                code = 1
            os._exit(code)
        children.append(pid)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    entries = read_log(log)
    assert len(entries) == 3 * LINES
    assert {entry.name for entry in entries} == {f"Page{who}x{n}" for who in (1, 2, 3) for n in range(LINES)}
    assert len(log.read_bytes().splitlines()) == 3 * LINES  # no line cut in two
