"""`wiki backup` while people save, and `wiki restore`: the snapshot is the wiki as of one
moment (a prefix of the global edit-log), every revision in it is byte-for-byte the
original, and a restored data directory passes `wiki check`."""
from __future__ import annotations

import io
import tarfile
import threading
import time
from pathlib import Path

import pytest

from wiki.acl import SYSTEM
from wiki.backup import backup
from wiki.cli import init_store
from wiki.cli import main as wiki_main
from wiki.config import Config, load_config
from wiki.errors import WikiError
from wiki.site import Site
from wiki.storage import Author, PageStore
from wiki.users import UserStore

AUTHOR = Author(address="192.0.2.7")


@pytest.fixture
def wiki_config(tmp_path: Path) -> Config:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="")
    init_store(config, io.StringIO())
    UserStore(config.data_dir / "user").create("JaneDoe", "a password here")
    return config


def writer(config: Config, stop: threading.Event, done: list[int]) -> None:
    """Saves, new pages, attachments, renames and deletes, as fast as they go."""
    site = Site(config)
    number = 0
    while not stop.is_set():
        number += 1
        try:
            page = f"Busy{number % 7}"
            site.save(None, page, f"text {number}\n" * (number % 5 + 1),
                      base_revision=site.store.current_revision(page), author=AUTHOR, reader=SYSTEM)
            if number % 5 == 0:
                site.attach(None, page, f"file{number % 3}.txt", io.BytesIO(f"bytes {number}".encode()),
                            author=AUTHOR, reader=SYSTEM, limit=10_000)
            if number % 11 == 0:
                site.rename(None, page, f"Moved{number}", base_revision=site.store.current_revision(page),
                            author=AUTHOR, reader=SYSTEM)
            if number % 13 == 0 and site.store.exists("SandBox"):
                site.delete(None, "SandBox", base_revision=site.store.current_revision("SandBox"), author=AUTHOR,
                            reader=SYSTEM)
        except WikiError:
            continue
        done.append(number)


def test_a_backup_taken_during_saves_restores_to_a_consistent_wiki(wiki_config: Config, tmp_path: Path) -> None:
    stop, done = threading.Event(), []
    threads = [threading.Thread(target=writer, args=(wiki_config, stop, done)) for _ in range(2)]
    for thread in threads:
        thread.start()
    archive = tmp_path / "wiki.tar.gz"
    try:
        deadline = time.monotonic() + 60
        while len(done) < 25 and time.monotonic() < deadline:  # a history worth restoring, however loaded the machine
            time.sleep(0.05)
        before = len(done)
        # A slow backup (as of a big wiki): saves certainly land between its pages.
        backup(PageStore(wiki_config.data_dir), archive, progress=lambda *_: time.sleep(0.05))
        during = len(done) - before
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert during > 10, "the writers did not really write during the backup"

    # The archive itself, before any repair: every page's lines are lines of its global log.
    with tarfile.open(archive) as opened:
        files = {member.name: opened.extractfile(member).read() for member in opened.getmembers()  # type: ignore[union-attr]
                 if member.isfile()}
    snapshot_lines = set(files["edit-log"].decode().splitlines())
    for name, data in files.items():
        if name.endswith("/edit-log") and name != "edit-log":
            assert set(data.decode().splitlines()) <= snapshot_lines, f"{name} holds lines after the snapshot"
            current = int(files[name.replace("edit-log", "current")])
            for revision_name in (n for n in files if n.startswith(name.replace("edit-log", "revisions/"))):
                assert int(revision_name.rsplit("/", 1)[1]) <= current, f"{revision_name} is after the snapshot"

    restored = tmp_path / "restored"
    assert wiki_main(["restore", str(archive), "--data-dir", str(restored)]) == 0
    assert wiki_main(["check", "--data-dir", str(restored)]) == 0
    original_log = (wiki_config.data_dir / "edit-log").read_bytes()
    restored_log = (restored / "edit-log").read_bytes()
    assert original_log.startswith(restored_log) and len(restored_log) < len(original_log)  # a moment, mid-stream
    revisions = 0
    for path in (restored / "pages").glob("*/revisions/*"):
        original = wiki_config.data_dir / path.relative_to(restored)
        assert path.read_bytes() == original.read_bytes(), path
        revisions += 1
    assert revisions > 20
    for folder in (restored / "pages").iterdir():
        for line in (folder / "edit-log").read_text().splitlines():
            assert line + "\n" in restored_log.decode(), f"{folder.name}: a line the snapshot does not have"
    site = Site(load_config(environ={}, data_dir=restored))
    assert site.store.read("FrontPage").text.startswith("# Welcome")
    assert site.users.by_name("JaneDoe") is not None  # accounts come along
    assert site.search_index.search("Welcome").total >= 1  # derived data is rebuilt


def test_what_a_backup_holds_and_leaves_out(wiki_config: Config, tmp_path: Path) -> None:
    site = Site(wiki_config)
    site.drafts.save("someone", "SandBox", 1, "unsaved words")
    site.search_index.search("anything")  # an index and caches exist
    plain, with_drafts = tmp_path / "plain.tar.gz", tmp_path / "drafts.tar.gz"
    assert wiki_main(["backup", str(plain), "--data-dir", str(wiki_config.data_dir)]) == 0
    assert wiki_main(["backup", str(with_drafts), "--drafts", "--data-dir", str(wiki_config.data_dir)]) == 0
    with tarfile.open(plain) as archive:
        tops = {name.split("/")[0] for name in archive.getnames()}
    assert tops == {"pages", "edit-log", "user", "flatwiki-backup.json"}  # no index, cache, links, sessions
    with tarfile.open(with_drafts) as archive:
        assert any(name.startswith("drafts/") for name in archive.getnames())


def test_restore_refuses_a_used_folder_and_a_hostile_archive(wiki_config: Config, tmp_path: Path) -> None:
    archive = tmp_path / "wiki.tar.gz"
    assert wiki_main(["backup", str(archive), "--data-dir", str(wiki_config.data_dir)]) == 0
    assert wiki_main(["restore", str(archive), "--data-dir", str(wiki_config.data_dir)]) == 2  # not empty
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(hostile, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))
        escape = tarfile.TarInfo("pages/../../escaped")
        escape.size = 2
        target.addfile(escape, io.BytesIO(b"hi"))
    assert wiki_main(["restore", str(hostile), "--data-dir", str(tmp_path / "new")]) == 2
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "new" / "pages").exists()


def test_a_damaged_log_line_does_not_stop_a_backup(wiki_config: Config, tmp_path: Path) -> None:
    line = b"not\ta\tlog\tline\n"  # as a crash or a hand edit may leave in both logs
    with open(wiki_config.data_dir / "pages" / "SandBox" / "edit-log", "ab") as page_log:
        page_log.write(line)
    with open(wiki_config.data_dir / "edit-log", "ab") as global_log:
        global_log.write(line)
    archive = tmp_path / "wiki.tar.gz"
    assert wiki_main(["backup", str(archive), "--data-dir", str(wiki_config.data_dir)]) == 0
    # The restored wiki names the damaged line as `wiki check` names it in the original.
    original = wiki_main(["check", "--data-dir", str(wiki_config.data_dir)])
    assert wiki_main(["restore", str(archive), "--data-dir", str(tmp_path / "restored")]) == original
    assert (tmp_path / "restored" / "pages" / "SandBox" / "revisions" / "00000001").is_file()
