"""Files that readers and crashes never see half of: private temporary names, whole-file
replacement, best-effort writes for derived data, and flock with a bounded wait.

Standard library only: the CGI fast path reads through this.
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from wiki.errors import PageBusy

TEMP_PREFIX = ".tmp-"
FILE_MODE = 0o640  # data is the wiki's business: readable by its group (backups), by no one else
PRIVATE_UMASK = 0o027  # the same for files made by libraries (Whoosh) and for folders (0750)


def make_private() -> None:
    """Make what this process creates from now on private to its user and group (keeping any
    stricter umask it was given): called by every entry point before it touches a data dir."""
    os.umask(os.umask(0) | PRIVATE_UMASK)


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_file(folder: Path | str, label: str, mode: int = FILE_MODE) -> tuple[int, str]:
    """(fd, path) of a new file in `folder` whose name no other thread or process can have:
    O_EXCL on a random name, as tempfile.mkstemp, without importing tempfile (CGI pays per import)."""
    for _ in range(100):
        path = os.path.join(folder, f"{TEMP_PREFIX}{label}.{os.urandom(6).hex()}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def write_atomically(path: Path | str, data: bytes, *, durable: bool = True, mode: int = FILE_MODE) -> None:
    """Replace a file whole: a temporary file of its own in the same folder, fsync, rename.
    `durable=False` skips the fsync, for derived files that a crash may lose."""
    folder, name = os.path.split(os.fspath(path))
    fd, temp = temp_file(folder, name, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def write_best_effort(path: Path | str, data: bytes) -> bool:
    """Write a derived file (a cache) if the disk lets us; reads must never depend on writing."""
    try:
        os.makedirs(os.path.dirname(os.fspath(path)), exist_ok=True)
        write_atomically(path, data, durable=False)
        return True
    except OSError:
        return False


def read_small(path: str | Path) -> bytes:
    """A small file's bytes without a Python file object: `current` and `pageset` are read
    on every page view, and raw os calls cost a fraction of open().read()."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 4096)
    finally:
        os.close(fd)


def remove_quietly(paths: list[str]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass  # left behind: the next recovery pass removes it


def still_linked(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def flock_within(fd: int, name: str, timeout: float, reported: float | None = None) -> None:
    """flock with a bounded wait (flock itself has no timeout): poll, backing off to 50 ms."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise PageBusy(name, timeout if reported is None else reported) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
