"""The revision store on real files: layout, saves, conflicts, deletes, logs, and crashes."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wiki.cli import main
from wiki.editlog import ATTACHMENT_REVISION, ATTNEW, LogEntry, is_revision, read_log
from wiki.errors import EditConflict, PageDeleted, PageNotFound, RevisionNotFound
from wiki.links import LinkTable
from wiki.storage import Author, PageStore


def test_save_writes_moinmoin_layout(store: PageStore, author: Author) -> None:
    assert store.save("Help/Syntax", "hello\n", base_revision=0, author=author, comment="first") == 1
    page_dir = store.root / "pages" / "Help(2f)Syntax"
    assert (page_dir / "current").read_text() == "00000001\n"
    assert (page_dir / "revisions" / "00000001").read_bytes() == b"hello\r\n"  # 1.9 stores CRLF
    assert store.read("Help/Syntax").text == "hello\n"
    line = (page_dir / "edit-log").read_text()
    fields = line.rstrip("\n").split("\t")
    assert len(fields) == 9
    assert fields[1:5] == ["00000001", "SAVENEW", "Help(2f)Syntax", "192.0.2.1"]  # 1.9's quoteWikinameFS
    assert fields[8] == "first"
    assert store.global_log.read_text() == line
    assert store.history("Help/Syntax")[0].name == "Help/Syntax"


@pytest.mark.parametrize("field, name", [
    ("Help(2f)Syntax", "Help/Syntax"),  # 1.9 and flatwiki from now on
    ("Help/Syntax", "Help/Syntax"),  # flatwiki before: plain names keep working without a step
    ("Caf(c3a9)(20)Menu", "Café Menu"),
    ("Café Menu", "Café Menu"),
    ("Notes (draft)", "Notes (draft)"),  # a plain name with parentheses of its own
])
def test_log_name_field_is_read_in_both_forms(field: str, name: str) -> None:
    line = f"1700000000000000\t00000002\tSAVE\t{field}\t192.0.2.1\thost\t\t\tcomment\n"
    assert LogEntry.parse(line).name == name


def test_short_log_lines_are_padded_as_in_moinmoin() -> None:
    entry = LogEntry.parse("1700000000000000\t00000001\tSAVENEW\tFront(20)Page\t10.0.0.1\n")
    assert (entry.name, entry.address, entry.comment) == ("Front Page", "10.0.0.1", "")
    with pytest.raises(ValueError):
        LogEntry.parse("1700000000000000\t00000001\tSAVENEW")


def test_a_1_9_drawing_line_is_an_attachment_line_not_a_revision() -> None:
    entry = LogEntry.parse("1200000000000000\t99999999\tATTDRW\tFrontPage\t10.0.0.1\t\t\tmap%20one.tdraw\t\n")
    assert not is_revision(entry) and entry.extra == "map one.tdraw"


def test_attachment_lines_are_written_as_moinmoin_writes_them() -> None:
    entry = LogEntry(1700000000000000, ATTACHMENT_REVISION, ATTNEW, "A Page", "10.0.0.1", extra="my photo%.png")
    fields = entry.to_line().rstrip("\n").split("\t")
    assert fields[1:4] == ["99999999", "ATTNEW", "A(20)Page"]
    assert fields[7] == "my%20photo%25.png"
    assert LogEntry.parse(entry.to_line()) == entry


def test_revisions_accumulate_and_are_never_rewritten(store: PageStore, author: Author) -> None:
    for number, text in enumerate(["one", "two", "three"], 1):
        assert store.save("P", text, base_revision=number - 1, author=author) == number
    assert [store.read("P", n).text for n in (1, 2, 3)] == ["one", "two", "three"]
    assert store.read("P").revision == 3
    assert [e.revision for e in store.history("P")] == [3, 2, 1]
    assert [e.action for e in store.history("P")] == ["SAVE", "SAVE", "SAVENEW"]


def test_stale_base_revision_is_a_conflict_and_writes_nothing(store: PageStore, author: Author) -> None:
    store.save("P", "one", base_revision=0, author=author)
    store.save("P", "two", base_revision=1, author=author)
    log_before = store.global_log.read_bytes()
    with pytest.raises(EditConflict) as raised:
        store.save("P", "mine", base_revision=1, author=author)
    assert (raised.value.base_revision, raised.value.current_revision) == (1, 2)
    assert store.read("P").text == "two"
    assert store.global_log.read_bytes() == log_before


def test_unchanged_text_makes_no_revision(store: PageStore, author: Author) -> None:
    store.save("P", "same", base_revision=0, author=author)
    assert store.save("P", "same", base_revision=1, author=author) == 1
    assert len(store.history("P")) == 1


def test_line_endings_are_normalised(store: PageStore, author: Author) -> None:
    store.save("P", "a\r\nb\rc", base_revision=0, author=author)
    assert store.read("P").text == "a\nb\nc"


def test_delete_is_a_revision_and_history_stays(store: PageStore, author: Author) -> None:
    store.save("P", "text", base_revision=0, author=author)
    token = store.pageset_token()
    assert store.delete("P", base_revision=1, author=author, comment="gone") == 2
    assert not store.exists("P")
    assert store.pageset_token() != token
    with pytest.raises(PageDeleted):
        store.read("P")
    assert store.read("P", 1).text == "text"
    assert store.history("P")[0].action == "DELETE"
    assert "P" not in store.list_pages()
    assert store.save("P", "back", base_revision=2, author=author) == 3
    assert store.exists("P") and store.history("P")[0].action == "SAVENEW"


def test_missing_pages_and_revisions(store: PageStore, author: Author) -> None:
    with pytest.raises(PageNotFound):
        store.read("Nope")
    store.save("P", "x", base_revision=0, author=author)
    with pytest.raises(RevisionNotFound):
        store.read("P", 2)
    with pytest.raises(RevisionNotFound):
        store.read("P", 0)
    with pytest.raises(PageNotFound):
        store.delete("Nope", base_revision=0, author=author)


def test_list_pages_skips_deleted_and_foreign_folders(store: PageStore, author: Author) -> None:
    for name in ["b", "A/Sub", "a"]:
        store.save(name, "x", base_revision=0, author=author)
    store.save("gone", "x", base_revision=0, author=author)
    store.delete("gone", base_revision=1, author=author)
    (store.pages_dir / "not a quoted name").mkdir()
    assert store.list_pages() == ["a", "A/Sub", "b"]


def test_recent_changes_reads_newest_first_from_the_end(store: PageStore, author: Author) -> None:
    for i in range(300):
        store.save(f"Page{i % 7}", f"text {i}", base_revision=store.current_revision(f"Page{i % 7}"), author=author)
    recent = store.recent_changes(5)
    assert [e.name for e in recent] == [f"Page{i % 7}" for i in range(299, 294, -1)]
    assert len(store.recent_changes(1000)) == 300


def test_comments_cannot_break_log_lines(store: PageStore, author: Author) -> None:
    store.save("P", "x", base_revision=0, author=author, comment="tab\there\nnew line")
    entry = store.history("P")[0]
    assert entry.comment == "tab here new line"


def test_reading_tolerates_crlf_logs_as_moinmoin_writes(tmp_path: Path) -> None:
    log = tmp_path / "edit-log"
    log.write_bytes(b"1700000000000000\t00000001\tSAVENEW\tFrontPage\t10.0.0.1\thost\t\t\tcomment\r\n")
    [entry] = read_log(log)
    assert (entry.revision, entry.name, entry.comment) == (1, "FrontPage", "comment")
    assert LogEntry.parse(entry.to_line()) == entry


def test_a_partial_last_log_line_is_not_glued_to_the_next(store: PageStore, author: Author) -> None:
    store.save("P", "one", base_revision=0, author=author)
    with open(store.global_log, "ab") as handle:
        handle.write(b"1700000000000000\t0000")  # a crash mid-write
    store.save("Q", "two", base_revision=0, author=author)
    assert [e.name for e in read_log(store.global_log)] == ["P", "Q"]


WRITER = r"""
import sys
from wiki.errors import EditConflict
from wiki.storage import Author, PageStore
store, writer, count = PageStore(sys.argv[1]), sys.argv[2], int(sys.argv[3])
done = 0
while done < count:
    base = store.current_revision("Shared")
    try:
        store.save("Shared", f"{writer} {done}\n", base_revision=base, author=Author(user_id=writer))
    except EditConflict:
        continue
    done += 1
"""


def test_two_processes_saving_one_page_lose_nothing(store: PageStore, author: Author) -> None:
    store.save("Shared", "start\n", base_revision=0, author=author)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(store.root), name, "200"])
        for name in ("alpha", "beta")
    ]
    for process in writers:
        assert process.wait(timeout=300) == 0
    assert store.current_revision("Shared") == 401
    texts = [store.read("Shared", n).text for n in range(2, 402)]
    for name in ("alpha", "beta"):
        mine = [int(t.split()[1]) for t in texts if t.startswith(name)]
        assert mine == list(range(200)), f"{name}'s saves are missing or out of order"
    assert [e.revision for e in read_log(store.page_dir("Shared") / "edit-log")] == list(range(1, 402))
    LinkTable(store.root / "links").record("Shared", ())  # what the app's after-change step does
    assert main(["check", "--data-dir", str(store.root)]) == 0


KILLED_WRITER = r"""
import sys
from wiki.storage import Author, PageStore
store = PageStore(sys.argv[1])
i = 0
while True:
    name = f"Page{i % 3}"
    revision = store.save(name, f"save {i}\n", base_revision=store.current_revision(name), author=Author())
    print(name, revision, i, flush=True)  # acknowledged: the save returned
    i += 1
"""


def test_writer_killed_mid_save_leaves_a_repairable_store(store: PageStore) -> None:
    acknowledged: list[tuple[str, int, int]] = []
    rng = random.Random(7)
    for _ in range(12):
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_WRITER, str(store.root)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        for _ in range(rng.randint(5, 40)):
            name, revision, i = process.stdout.readline().split()
            acknowledged.append((name, int(revision), int(i)))
        time.sleep(rng.random() * 0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        with process.stdout:
            complete_lines = process.stdout.read().split("\n")[:-1]  # the kill may cut the last one
            for line in complete_lines:
                name, revision, i = line.split()
                acknowledged.append((name, int(revision), int(i)))
        # A new writer must cope with whatever the killed one left: it starts by repairing.
        assert main(["check", "--data-dir", str(store.root), "--repair"]) == 0
    assert main(["check", "--data-dir", str(store.root)]) == 0
    for name, revision, i in acknowledged:
        assert store.read(name, revision).text == f"save {i}\n"
