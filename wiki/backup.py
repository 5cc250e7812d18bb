"""`wiki backup` and `wiki restore`: a consistent snapshot of the primary data, taken while
the wiki serves and without stopping anyone's saves.

The snapshot is the wiki as of the global edit-log's end when the backup began (its last
complete line). Revision files are never rewritten and edit-logs only grow, so the pages
can be copied one by one while people keep saving: each page keeps exactly the log lines
that the global log had at that moment, and the revisions and `current` those lines
account for. A save, rename or delete that lands during the backup is simply after the
snapshot. Attachments are copied as they are when their page is copied (their bytes are
never rewritten either: a replaced file moves into .versions).

What is in a backup: the pages with their whole history and attachments, the accounts
(`user/`), and with `--drafts` the unsaved drafts. Everything derived (search index, link
table, caches, the page list, sessions, rate counts) is left out: `wiki restore` rebuilds
what `wiki check` expects, and the rest is rebuilt on first use.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from wiki import names
from wiki.atomic import TEMP_PREFIX
from wiki.editlog import LogEntry, is_revision
from wiki.recovery import revision_file
from wiki.storage import PageStore

FORMAT = "flatwiki-backup 1"
MANIFEST = "flatwiki-backup.json"
PRIMARY = ("pages", "edit-log", "user", "drafts")  # the only top-level names an archive may hold
Progress = Callable[[int, int], None]


def _snapshot_lines(store: PageStore) -> tuple[bytes, set[str]]:
    """The global edit-log up to its last complete line, and that set of lines."""
    try:
        data = store.global_log.read_bytes()
    except FileNotFoundError:
        data = b""
    data = data[:data.rfind(b"\n") + 1]
    return data, set(data.decode("utf-8", "replace").split("\n")[:-1])


def _page_state(page_dir: Path, name: str, logged: set[str]) -> tuple[bytes, int] | None:
    """(The page's edit-log as of the snapshot, its current revision then); None when the
    page did not exist yet (its first line came later)."""
    try:
        data = (page_dir / "edit-log").read_bytes()
    except FileNotFoundError:
        return None
    kept = [line for line in data.decode("utf-8", "replace").split("\n")[:-1] if line in logged]
    entries = []
    for line in kept:
        try:
            entries.append(LogEntry.parse(line))
        except ValueError:
            continue  # a damaged line (in both logs): copied as it is, read as nothing, as readers do
    # A rename copies the old name's history first: the copy belongs to the snapshot only
    # if the rename itself does (a line under this page's own name).
    if not any(entry.name in (name, names.quote_fs(name)) for entry in entries):
        return None
    revisions = [entry for entry in entries if is_revision(entry)]
    current = max((entry.revision for entry in revisions), default=0)
    return ("".join(line + "\n" for line in kept)).encode("utf-8"), current


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(mtime), 0o640
    archive.addfile(info, io.BytesIO(data))


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> None:
    """A file's bytes as a plain member. Never a hard link (a renamed page shares its revision
    files with its old name): each member restores on its own, whatever else is restored."""
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o640
        archive.addfile(info, handle)


def _add_tree(archive: tarfile.TarFile, folder: Path, prefix: str) -> int:
    """Every regular file under `folder` (temporary files aside); returns how many."""
    count = 0
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for filename in sorted(files):
            if filename.startswith((".", TEMP_PREFIX)):
                continue  # lock files, writes in progress
            path = Path(root) / filename
            try:
                _add_file(archive, path, f"{prefix}/{path.relative_to(folder).as_posix()}")
            except FileNotFoundError:
                continue  # removed meanwhile (a draft expiring): after the snapshot
            count += 1
    return count


def backup(store: PageStore, out: Path, *, drafts: bool = False, progress: Progress | None = None) -> dict[str, int]:
    """Write the snapshot to `out` (a .tar.gz), written aside and renamed into place whole."""
    started = time.time()
    global_log, logged = _snapshot_lines(store)
    folders = sorted(os.listdir(store.pages_dir)) if store.pages_dir.is_dir() else []
    partial = out.with_name(out.name + ".partial")
    counts = {"pages": 0, "revisions": 0, "attachments": 0, "users": 0, "drafts": 0}
    with tarfile.open(partial, "w:gz") as archive:
        for done, folder in enumerate(folders, 1):
            page_dir = store.pages_dir / folder
            try:
                name = names.unquote_fs(folder)
            except ValueError:
                continue  # not a page folder (`wiki check` names it)
            state = _page_state(page_dir, name, logged)
            if state is not None:
                log, current = state
                prefix = f"pages/{folder}"
                _add_bytes(archive, f"{prefix}/edit-log", log, started)
                _add_bytes(archive, f"{prefix}/current", f"{current:08d}\n".encode("ascii"), started)
                for number in range(1, current + 1):
                    path = page_dir / "revisions" / revision_file(number)
                    if path.is_file():  # a deletion has no file
                        _add_file(archive, path, f"{prefix}/revisions/{revision_file(number)}")
                        counts["revisions"] += 1
                counts["attachments"] += _add_tree(archive, page_dir / "attachments", f"{prefix}/attachments")
                counts["pages"] += 1
            if progress:
                progress(done, len(folders))
        _add_bytes(archive, "edit-log", global_log, started)
        counts["users"] = _add_tree(archive, store.root / "user", "user")
        if drafts:
            counts["drafts"] = _add_tree(archive, store.root / "drafts", "drafts")
        manifest = {"format": FORMAT, "taken": started, "global_log_bytes": len(global_log), **counts}
        _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"), started)
    os.replace(partial, out)
    return counts


def _wiki_modes(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo:
    """tarfile's `data` filter (no links out, no devices), then the modes the wiki writes."""
    member = tarfile.data_filter(member, path)
    private = Path(member.name).parts[:1] == ("user",)
    if member.isdir():
        mode = 0o700 if private else 0o755
    else:
        mode = 0o600 if private else 0o644
    return member.replace(mode=mode, deep=False)


def _members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The archive's files, refusing anything a backup never holds (links, devices, paths
    outside the data directory, other top-level names)."""
    for member in archive.getmembers():
        parts = Path(member.name).parts
        if member.name == MANIFEST:
            continue
        if not (member.isfile() or member.isdir()) or not parts or parts[0] not in PRIMARY \
                or member.name.startswith("/") or ".." in parts:
            raise ValueError(f"{member.name!r} is not something a flatwiki backup holds")
        yield member


def restore(archive_path: Path, data_dir: Path, largest_file: int | None = None,
            most_bytes: int | None = None) -> dict[str, object]:
    """Unpack a backup into an empty (or new) data directory; returns its manifest. What is
    derived is rebuilt by the caller (`wiki restore` runs the repair `wiki check` would).

    Bounded before a byte is written: no file over `largest_file` (edit-logs aside), and all of them together at most
    `most_bytes` (by default, 90% of the free space where they go): a 204 KB archive once unpacked
    a 200 MB revision. Modes are the wiki's own, not the archive's: account files 0600, the rest
    0644 (folders 0755), whatever the archive says (a member marked 04777 came back 0755)."""
    if data_dir.exists() and any(data_dir.iterdir()):
        raise ValueError(f"{data_dir} is not empty: restore into a new or empty folder")
    with tarfile.open(archive_path, "r:gz") as archive:
        try:
            manifest = json.loads(archive.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        except (KeyError, AttributeError, ValueError) as error:
            raise ValueError(f"{archive_path} is not a flatwiki backup (no {MANIFEST})") from error
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{archive_path}: backup format {manifest.get('format')!r} is not {FORMAT!r}")
        members = list(_members(archive))
        data_dir.mkdir(parents=True, exist_ok=True)
        if most_bytes is None:
            most_bytes = int(shutil.disk_usage(data_dir).free * 0.9)
        total = 0
        for member in members:
            log = Path(member.name).name == "edit-log"  # grows with the history: only the total bounds it
            if largest_file is not None and member.size > largest_file and not log:
                raise ValueError(f"{archive_path}: {member.name} unpacks to {member.size} bytes, over the "
                                 f"{largest_file} a file of a wiki may have; nothing was restored")
            total += member.size
        if total > most_bytes:
            raise ValueError(f"{archive_path} unpacks to {total} bytes, over the {most_bytes} allowed here "
                             "(90% of the free space); nothing was restored")
        archive.extractall(data_dir, members=members, filter=_wiki_modes)
    store = PageStore(data_dir)
    store.create()
    for entry in os.scandir(store.pages_dir):  # a deletion's `current` may name a revision without a file
        if entry.is_dir():
            (Path(entry.path) / "revisions").mkdir(exist_ok=True)
    return dict(manifest)

