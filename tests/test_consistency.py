"""`wiki check` on each state a crash can leave, and `--repair` keeping every revision."""
from __future__ import annotations

from pathlib import Path

import pytest

from wiki.cli import main
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
