"""`wiki check` on each state a crash can leave, and `--repair` keeping every revision."""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from wiki.cli import main
from wiki.config import PROJECT_ROOT, Config
from wiki.editlog import LogEntry, append_line
from wiki.links import LinkTable
from wiki.storage import Author, PageStore


@pytest.fixture
def page(store: PageStore, author: Author) -> Path:
    store.save("P", "one\n", base_revision=0, author=author)
    store.save("P", "two\n", base_revision=1, author=author)
    LinkTable(store.root / "links").record("P", ())  # what the app's after-change step does
    return store.page_dir("P")


def check(store: PageStore, *extra: str) -> int:
    return main(["check", "--data-dir", str(store.root), *extra])


def test_a_clean_store_passes(store: PageStore, page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(store) == 0
    assert "consistent" in capsys.readouterr().out


def test_killed_after_writing_the_file_before_the_log(store: PageStore, page: Path, author: Author,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (page / "revisions" / "00000003").write_text("never acknowledged\n")
    assert check(store) == 1
    assert "revision 3 was left half-saved" in capsys.readouterr().out
    assert check(store, "--repair") == 0
    assert store.current_revision("P") == 2
    kept = list((page / "unfinished").iterdir())
    assert [p.read_text() for p in kept] == ["never acknowledged\n"]  # set aside, not deleted
    assert store.save("P", "three\n", base_revision=2, author=author) == 3


def test_killed_after_the_logs_before_current(store: PageStore, page: Path) -> None:
    (page / "revisions" / "00000003").write_text("three\n")
    entry = LogEntry(1, 3, "SAVE", "P", comment="done but current not moved")
    append_line(page / "edit-log", entry.to_line())
    append_line(store.global_log, entry.to_line())
    assert check(store) == 1
    assert check(store, "--repair") == 0
    assert store.read("P").text == "three\n"  # the completed save is rolled forward
    assert sum(1 for line in store.global_log.read_text().splitlines() if "\t00000003\t" in line) == 1


def test_killed_between_the_page_log_and_the_global_log(store: PageStore, page: Path) -> None:
    (page / "revisions" / "00000003").write_text("three\n")
    append_line(page / "edit-log", LogEntry(1, 3, "SAVE", "P").to_line())
    assert check(store, "--repair") == 0
    assert store.read("P").revision == 3
    assert [e.revision for e in store.recent_changes(10) if e.name == "P"] == [3, 2, 1]


def test_stray_temporary_files_are_removed(store: PageStore, page: Path) -> None:
    (page / "revisions" / ".tmp-999-3").write_text("half")
    (page / ".tmp-current.999").write_text("00000003\n")
    assert check(store) == 1
    assert check(store, "--repair") == 0
    assert not list(page.rglob(".tmp-*"))
    assert store.read("P").text == "two\n"


def test_unfinished_log_line_is_set_aside(store: PageStore, page: Path) -> None:
    with open(page / "edit-log", "ab") as handle:
        handle.write(b"123\t0000")
    assert check(store) == 1
    assert check(store, "--repair") == 0
    assert (page / "unfinished" / "edit-log.partial").read_bytes() == b"123\t0000\n"


def test_what_cannot_be_repaired_is_named_and_left_alone(store: PageStore, page: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    (page / "current").write_text("00000009\n")
    with open(store.global_log, "ab") as handle:
        handle.write(b"garbage line\n")
    assert check(store, "--repair") == 1
    out = capsys.readouterr().out
    assert "points to revision 9" in out and "do not parse" in out
    assert (page / "revisions" / "00000002").read_text() == "two\n"


def test_missing_store_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data-dir", str(tmp_path / "none")]) == 1
    assert "wiki init" in capsys.readouterr().out


def test_garbage_in_current_is_derived_from_the_revisions(store: PageStore, page: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (page / "current").write_bytes(b"\x00garbage")
    assert store.read("P").text == "two\n"  # served meanwhile, from the highest revision file
    assert check(store) == 1
    assert "not a revision number; the revisions say 2" in capsys.readouterr().out
    assert check(store, "--repair") == 0
    assert (page / "current").read_text() == "00000002\n"


def test_a_missing_current_after_a_deletion_is_derived_from_the_log(store: PageStore, page: Path,
                                                                    author: Author) -> None:
    store.delete("P", base_revision=2, author=author)
    (page / "current").unlink()
    assert check(store) == 1
    assert check(store, "--repair") == 0
    assert store.current_revision("P") == 3 and not store.exists("P")


def test_one_unreadable_page_is_named_and_the_others_still_checked(store: PageStore, page: Path, author: Author,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    store.save("Q", "q\n", base_revision=0, author=author)
    LinkTable(store.root / "links").record("Q", ())
    (store.page_dir("Q") / "current").write_text("garbage\n")
    broken = store.page_dir("Broken")
    broken.mkdir()
    (broken / "revisions").write_text("a file where a folder must be")  # reading it fails as unreadable does
    (broken / "edit-log").write_bytes(b"")
    assert check(store) == 1
    out = capsys.readouterr().out
    assert f"{broken}: cannot be read" in out
    assert f"{store.page_dir('Q') / 'current'}: holds" in out  # the check went on past the broken page
    assert check(store, "--repair") == 1  # Q repaired; Broken named, left for a person
    out = capsys.readouterr().out
    assert "Broken" in out and "Q" not in out.replace("Broken", "")


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"),
                    reason="needs root (to run the check as another user) and /usr/bin/python3")
def test_a_page_folder_the_checker_may_not_read_is_named(store: PageStore, page: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    place = Path(tempfile.mkdtemp(prefix="flatwiki-unreadable-", dir="/tmp"))  # pytest's tmp is root-only
    try:
        place.chmod(0o755)
        data = place / "data"
        shutil.copytree(store.root, data)
        code = place / "code"  # `wiki check` needs only the standard library: a readable copy of the package
        shutil.copytree(PROJECT_ROOT / "wiki", code / "wiki", ignore=shutil.ignore_patterns("__pycache__"))
        for path in [place, *place.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
            path.chmod(0o755 if path.is_dir() else 0o644)
        unreadable = data / "pages" / page.name
        unreadable.chmod(0o000)
        done = subprocess.run(["/usr/bin/python3", "-m", "wiki.cli", "check", "--data-dir", str(data)],
                              capture_output=True, text=True, user=nobody.pw_uid, group=nobody.pw_gid, cwd=code,
                              env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"},
                              timeout=60)
        unreadable.chmod(0o755)
    finally:
        shutil.rmtree(place)
    assert done.returncode == 1, done.stderr
    assert f"{unreadable}" in done.stdout and "Permission denied" in done.stdout


def test_a_revision_cut_mid_character_is_named_and_still_served(seeded_config: Config,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import WikiClient
    from wiki.app import create_app

    store = PageStore(seeded_config.data_dir)
    store.save("Cut", "caf\u00e9 au lait\n", base_revision=0, author=Author())
    LinkTable(store.root / "links").record("Cut", ())
    revision = store.page_dir("Cut") / "revisions" / "00000001"
    revision.write_bytes(revision.read_bytes()[:4])  # b"caf\xc3": half of the é
    client = WikiClient(create_app(seeded_config))
    for url in ("/Cut", "/+raw/Cut", "/+edit/Cut", "/+diff/Cut", "/+history/Cut", "/+print/Cut"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "caf\ufffd" in client.get("/+raw/Cut").get_data(as_text=True)
    assert main(["reindex", "--data-dir", str(seeded_config.data_dir)]) == 0
    assert client.get("/+search?q=caf&fulltext=1").status_code == 200
    capsys.readouterr()
    assert check(store) == 1
    assert f"{revision}: is not valid UTF-8 (byte 3)" in capsys.readouterr().out


def test_a_kill_before_the_pageset_was_touched_is_found_and_repaired(seeded_config: Config,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    store = PageStore(seeded_config.data_dir)
    assert "Hidden" not in store.list_pages()
    token = store.pageset_file.read_bytes()
    store.save("Hidden", "new\n", base_revision=0, author=Author())
    LinkTable(store.root / "links").record("Hidden", ())
    store.pageset_file.write_bytes(token)  # as if killed just before touch_pageset()
    assert "Hidden" not in store.list_pages()
    assert check(store) == 1
    assert "page list differs" in capsys.readouterr().out
    assert check(store, "--repair") == 0
    assert "Hidden" in store.list_pages()


def test_leftovers_and_missing_link_entries_are_repaired(seeded_config: Config,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    store = PageStore(seeded_config.data_dir)
    root = seeded_config.data_dir
    (root / "index.new-999999999-abc").mkdir()  # a rebuild whose process is gone
    (root / "links.new-999999999").mkdir()
    (root / "cache").mkdir(exist_ok=True)
    (root / "cache" / ".tmp-page-list.123abc").write_text("half")
    (store.page_dir("SandBox") / "revisions" / ".tmp-9.abcdef").write_text("half a revision")
    (root / "links" / "out" / "SandBox").unlink()
    alive = root / f"index.new-{os.getpid()}-live"  # a rebuild still running: not ours to remove
    alive.mkdir()
    assert check(store) == 1
    out = capsys.readouterr().out
    for part in ("index.new-999999999-abc", "links.new-999999999", ".tmp-page-list", ".tmp-9.abcdef",
                 "'SandBox' has no entry in the link table"):
        assert part in out
    assert str(alive) not in out
    assert check(store, "--repair") == 0
    assert alive.exists()
    assert "FrontPage\n" in (root / "links" / "out" / "SandBox").read_text()  # re-recorded from the page


def test_a_kill_between_the_log_line_and_current_never_stalls_search(seeded_config: Config) -> None:
    """The global log line is written, `current` is not: later saves must still be found, and
    the half-saved page is found once recovery finishes it."""
    from wiki.site import Site

    site = Site(seeded_config)
    site.search_index.catch_up()
    store = site.store
    page_dir = store.page_dir("SandBox")
    current_file = (page_dir / "current").read_bytes()
    store.save("SandBox", "rhubarb fell out of the save\n", base_revision=store.current_revision("SandBox"),
               author=Author())
    (page_dir / "current").write_bytes(current_file)  # killed before `current` moved
    (store.pending_dir).mkdir(exist_ok=True)
    (store.pending_dir / "SandBox").write_bytes(b"")  # its pending mark, as the kill leaves it
    store.save("Later", "quince arrived after\n", base_revision=0, author=Author())
    site.search_index.catch_up()
    assert [hit.name for hit in site.search_index.search("quince").hits] == ["Later"]
    assert site.search_index.search("rhubarb").hits == []  # not published: not findable yet
    assert site.recover(force=True) == ["SandBox"]
    assert [hit.name for hit in site.search_index.search("rhubarb").hits] == ["SandBox"]
    site.search_index.close()


def test_garbage_current_of_a_deleted_page_reads_as_the_deletion(store: PageStore, page: Path, author: Author) -> None:
    store.delete("P", base_revision=2, author=author)
    (page / "current").write_bytes(b"\x00garbage")
    assert store.current_revision("P") == 3 and not store.exists("P")  # served as deleted, not as revision 2
