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


def test_repair_cuts_an_unfinished_line_only_under_the_appenders_lock(tmp_path: Path) -> None:
    """`wiki check --repair` sets aside a partial last line of the global log under the same
    flock every append holds: while a server holds it, the log is left alone."""
    import fcntl
    import threading

    from wiki.consistency import _finish_partial_line

    log = tmp_path / "edit-log"
    whole = LogEntry(1_700_000_000_000_000, 1, "SAVE", "Whole", "192.0.2.1").to_line()
    log.write_bytes(whole.encode() + b"1700000000000001\t00000001\tSAV")  # a line a killed process left
    holder = open(log, "rb")  # noqa: SIM115 - held across the thread below
    fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
    repair = threading.Thread(target=_finish_partial_line, args=(log,))
    repair.start()
    repair.join(0.5)
    assert repair.is_alive() and log.read_bytes().endswith(b"SAV")  # waiting for the lock
    fcntl.flock(holder.fileno(), fcntl.LOCK_UN)
    holder.close()
    repair.join(5)
    assert not repair.is_alive() and log.read_bytes() == whole.encode()
    assert (tmp_path / "unfinished" / "edit-log.partial").read_bytes().startswith(b"1700000000000001")
