"""`wiki import-moin19`: a 1.9 data dir taken over as it is, history, accounts, ACLs,
attachments and markup included; again, for only what changed; problems named."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from tests.moin19 import PASSWORDS, USER_IDS, build
from wiki.app import create_app
from wiki.config import load_config
from wiki.editlog import read_log
from wiki.storage import PageStore


def run_import(source: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wiki.cli", "import-moin19", str(source), "--data-dir", str(target)],
                          capture_output=True, text=True, env={**os.environ, "WIKI_CONFIG": os.devnull}, timeout=300)


@pytest.fixture
def imported(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "moin19" / "data", tmp_path / "flatwiki"
    build(source)
    result = run_import(source, target)
    assert result.returncode == 0, result.stderr
    assert "pages [####" in result.stderr and "link table" in result.stderr  # progress bars
    assert "9 pages brought over" in result.stdout
    return source, target


def client_for(target: Path) -> WikiClient:
    return WikiClient(create_app(load_config(environ={}, data_dir=target, rate_limits="")))


def test_revisions_are_the_same_files_byte_for_byte(imported: tuple[Path, Path]) -> None:
    source, target = imported
    for revision in (source / "pages").glob("*/revisions/*"):
        copy = target / revision.relative_to(source)
        assert copy.read_bytes() == revision.read_bytes()
        assert os.path.samefile(copy, revision)  # hard-linked: one file system here
    assert (target / "edit-log").read_bytes() == (source / "edit-log").read_bytes()
    assert (target / "intermap.txt").read_bytes() == (source / "intermap.txt").read_bytes()
    assert (target / "default-markup").read_text() == "wiki\n"


def test_history_deletions_renames_and_attachments_arrive(imported: tuple[Path, Path]) -> None:
    _, target = imported
    store = PageStore(target)
    assert store.read("FrontPage").text.startswith("= Welcome =\nThis is '''MoinMoin''' markup, edited.\n")
    assert [entry.revision for entry in store.history("FrontPage")] == [2, 1]
    assert store.history("FrontPage")[0].user_id == USER_IDS["Ann Example"]
    assert store.history("Help/Syntax")[0].extra == "read me.txt"  # ATTNEW, URL-quoted in the log
    assert not store.exists("Gone") and store.read("Gone", 1).text == "short-lived\n"
    assert not store.exists("Old Name") and store.read("New Name").text == "to be renamed\n"
    assert store.history("New Name")[0].action == "SAVE/RENAME" and store.history("New Name")[0].extra == "Old Name"
    assert store.exists("Café Menu")
    client = client_for(target)
    page = client.get("/FrontPage")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'This is <strong><a href="/+edit/MoinMoin" class="wikilink missing"' in text  # 1.9 markup rendered
    assert '<li>see <a href="/Help/Syntax" class="wikilink"' in text
    syntax = client.get("/Help/Syntax").get_data(as_text=True)
    assert '<img src="/+download/Help/Syntax?file=logo.png"' in syntax
    download = client.get("/+download/Help/Syntax?file=read%20me.txt")
    assert download.status_code == 200 and download.data == b"plain text attachment\n"
    markdown = client.get("/Markdown%20Page").get_data(as_text=True)
    assert "<strong>bold</strong>" in markdown  # its #format line wins
    history = client.get("/+history/FrontPage").get_data(as_text=True)
    assert "Ann Example" in history  # the 1.9 user id names its account
    recent = client.get("/+recent").get_data(as_text=True)
    assert "Help/Syntax" in recent and "Help(2f)Syntax" not in recent
    assert client.get("/+search?q=edited").get_data(as_text=True).count("FrontPage") >= 1  # indexed
    backlinks = client.get("/+backlinks/Help/Syntax").get_data(as_text=True)
    assert "FrontPage" in backlinks  # the link table was built from the moin markup


@pytest.mark.parametrize("name", list(PASSWORDS))
def test_every_1_9_hash_kind_signs_in_and_is_upgraded(imported: tuple[Path, Path], name: str) -> None:
    _, target = imported
    user_file = target / "user" / USER_IDS[name]
    assert user_file.stat().st_mode & 0o777 == 0o600
    client = client_for(target)
    wrong = client.post("/+login", data={**client.form("/+login"), "name": name, "password": "wrong"})
    assert wrong.status_code == 403
    client.sign_in(name, PASSWORDS[name])
    fields = dict(line.split("=", 1) for line in user_file.read_text("utf-8").splitlines())
    assert fields["enc_password"].startswith("{WERKZEUG}scrypt:")
    assert fields["theme_name"] == "modernized" and fields["quicklinks[]"] == "FrontPage"  # 1.9's keys kept
    again = client_for(target)
    again.sign_in(name, PASSWORDS[name])  # the new hash checks the same password


def test_acls_and_groups_take_effect(imported: tuple[Path, Path]) -> None:
    _, target = imported
    anonymous = client_for(target)
    assert anonymous.get("/Secret").status_code == 403
    member = client_for(target)
    member.sign_in("Ann Example", PASSWORDS["Ann Example"])
    assert "only for admins" in member.get("/Secret").get_data(as_text=True)
    other = client_for(target)
    other.sign_in("ShaUser", PASSWORDS["ShaUser"])
    assert other.get("/Secret").status_code == 403


def test_a_second_run_brings_over_only_what_changed(imported: tuple[Path, Path]) -> None:
    source, target = imported
    from tests.moin19 import Moin19Wiki

    wiki = Moin19Wiki.__new__(Moin19Wiki)
    wiki.root, wiki.clock = source, 1_300_000_000_000_000
    wiki.save("FrontPage", "third revision in 1.9\n")
    wiki.save("Brand New", "made in 1.9 after the first import\n")
    wiki.attach("Help/Syntax", "later.txt", b"later")
    # Meanwhile someone edits another page in flatwiki: it is kept.
    client = client_for(target)
    assert client.save("Café Menu", "edited in flatwiki").status_code == 303
    result = run_import(source, target)
    assert result.returncode == 0, result.stderr
    assert "3 pages brought over (7 unchanged" in result.stdout
    store = PageStore(target)
    assert store.read("FrontPage").text == "third revision in 1.9\n"
    assert store.read("Brand New").revision == 1
    assert store.read("Café Menu").text == "edited in flatwiki"
    assert (target / "pages" / "Help(2f)Syntax" / "attachments" / "later.txt").read_bytes() == b"later"
    log = read_log(target / "edit-log")
    assert [entry.name for entry in log].count("FrontPage") == 3
    assert log[-1].name in ("Brand New", "Help/Syntax")  # the 1.9 lines came after flatwiki's
    assert client_for(target).get("/+search?q=third").status_code == 200


def test_a_page_changed_on_both_sides_is_named_and_left_alone(imported: tuple[Path, Path]) -> None:
    source, target = imported
    from tests.moin19 import Moin19Wiki

    wiki = Moin19Wiki.__new__(Moin19Wiki)
    wiki.root, wiki.clock = source, 1_300_000_000_000_000
    wiki.save("FrontPage", "changed in 1.9\n")
    assert client_for(target).save("FrontPage", "changed in flatwiki").status_code == 303
    result = run_import(source, target)
    assert result.returncode == 1
    assert "FrontPage" in result.stderr and "changed here and in the 1.9 wiki" in result.stderr
    assert PageStore(target).read("FrontPage").text == "changed in flatwiki"


def test_what_cannot_be_read_is_named_and_the_rest_imported(tmp_path: Path) -> None:
    source, target = tmp_path / "data", tmp_path / "flatwiki"
    build(source)
    (source / "pages" / "not a quoted name").mkdir()
    (source / "pages" / "Broken" / "revisions").mkdir(parents=True)
    (source / "pages" / "Broken" / "current").write_text("garbage\n")
    result = run_import(source, target)
    assert result.returncode == 1
    assert "not a quoted name" in result.stderr and "Broken" in result.stderr and "garbage" in result.stderr
    assert PageStore(target).exists("FrontPage")
    missing = run_import(tmp_path / "nowhere", tmp_path / "other")
    assert missing.returncode == 2 and "nowhere" in missing.stderr and "pages/" in missing.stderr


def test_flatwiki_writes_what_1_9_reads(imported: tuple[Path, Path]) -> None:
    """After the import, a save in flatwiki is written exactly as 1.9 writes it."""
    _, target = imported
    client = client_for(target)
    assert client.save("Help/Syntax", "new ''text''\nline two").status_code == 303
    page_dir = target / "pages" / "Help(2f)Syntax"
    assert (page_dir / "revisions" / "00000002").read_bytes() == b"new ''text''\r\nline two"
    last = (page_dir / "edit-log").read_text().splitlines()[-1].split("\t")
    assert last[1:4] == ["00000002", "SAVE", "Help(2f)Syntax"]


def test_an_import_killed_before_its_state_was_written_goes_on(imported: tuple[Path, Path]) -> None:
    """Killed among the pages: their folders are there, the state file and the global log's lines
    are not. The next run recognises its own pages and finishes, duplicating nothing."""
    source, target = imported
    (target / "import-moin19.json").unlink()
    (target / "edit-log").write_bytes(b"")
    page_logs = {path: path.read_bytes() for path in (target / "pages").glob("*/edit-log")}
    result = run_import(source, target)
    assert result.returncode == 0, result.stderr
    assert {path: path.read_bytes() for path in page_logs} == page_logs
    assert (target / "edit-log").read_bytes() == (source / "edit-log").read_bytes()
    client_for(target).save("Café Menu", "edited after the resumed import")
    (target / "import-moin19.json").unlink()
    refused = run_import(source, target)  # a page changed here is no longer the import's own: named
    assert refused.returncode == 1 and "Caf" in refused.stderr and "exists in this wiki already" in refused.stderr
    assert (target / "edit-log").read_bytes().startswith((source / "edit-log").read_bytes())
    assert (target / "edit-log").read_bytes().count(b"\tSAVENEW\tFrontPage\t") == 1  # not appended twice
