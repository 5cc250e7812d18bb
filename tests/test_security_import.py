"""F6, F17 and F18 of the second security review: imports and restores trust nothing.

A crafted 1.9 folder (built by tests/moin19.py, then given symbolic links, a hard link to a
file outside, a FIFO, bad folder names, an over-size page and a user file that makes itself an
administrator) is imported with the real command; a crafted backup is restored."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.moin19 import build
from wiki.cli import main as wiki_main
from wiki.config import load_config
from wiki.names import quote_fs
from wiki.storage import PageStore
from wiki.users import UserStore

REVISION = "00000001"


def add_page(data: Path, name: str, text: bytes = b"hello\r\n", folder_name: str = "") -> Path:
    folder = data / "pages" / (folder_name or quote_fs(name))
    (folder / "revisions").mkdir(parents=True)
    (folder / "revisions" / REVISION).write_bytes(text)
    (folder / "current").write_text(REVISION + "\n")
    return folder


@pytest.fixture
def crafted(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(the 1.9 data folder, a folder outside it with a secret, the flatwiki data dir)"""
    data, outside, target = tmp_path / "moin19" / "data", tmp_path / "outside", tmp_path / "flatwiki"
    build(data)
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET-OUTSIDE\n")
    (outside / "dir" / "revisions").mkdir(parents=True)
    (outside / "dir" / "revisions" / REVISION).write_text("from outside\n")
    (outside / "dir" / "current").write_text(REVISION + "\n")
    os.symlink(outside / "secret.txt", add_page(data, "SymRevision") / "revisions" / "00000002")
    (data / "pages" / "SymRevision" / "current").write_text("00000002\n")
    os.symlink("../../../secret-key", add_page(data, "KeyLeak") / "revisions" / "00000002")
    (data / "pages" / "KeyLeak" / "current").write_text("00000002\n")
    os.symlink(outside / "dir", data / "pages" / "SymDir")
    attachments = add_page(data, "AttSym") / "attachments"
    attachments.mkdir()
    os.symlink("/etc/passwd", attachments / "passwd.txt")
    hard = add_page(data, "HardLink") / "attachments"
    hard.mkdir()
    os.link(outside / "secret.txt", hard / "secret.txt")
    os.mkfifo(add_page(data, "Fifo") / "edit-log")
    for folder_name in ("Foo(0a)Bar", "Nul(00)x", "(2e2e)"):  # a newline, a NUL, '..': as the folder names hold them
        add_page(data, "", folder_name=folder_name)
    add_page(data, "Huge", b"x" * 300_000)
    users = data / "user"
    (users / "1300000000.1.1").write_text("name=Planted\nenc_password={SHA}x\nflatwiki_admin=1\naliasname=\n")
    (data / "intermap.txt").unlink()
    os.symlink(outside / "secret.txt", data / "intermap.txt")
    return data, outside, target


def test_a_crafted_folder_brings_nothing_from_outside_and_names_each_refusal(crafted: tuple[Path, Path, Path]) -> None:
    data, outside, target = crafted
    (target).mkdir()
    (target / "wiki.toml").write_text("max_page_bytes = 100000\n")
    result = subprocess.run([sys.executable, "-m", "wiki.cli", "import-moin19", str(data), "--data-dir", str(target)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "WIKI_CONFIG": os.devnull, "WIKI_MAX_PAGE_BYTES": "100000"})
    assert result.returncode == 1, result.stderr  # imported, with problems named
    refused = result.stderr
    for named in ("SymRevision", "KeyLeak", "SymDir", "passwd.txt", "HardLink", "Fifo", "Foo(0a)Bar", "Nul(00)x",
                  "(2e2e)", "Huge", "intermap.txt", "flatwiki_admin"):
        assert named in refused, named
    store = PageStore(target)
    for name in ("SymRevision", "KeyLeak", "SymDir", "AttSym", "HardLink", "Huge"):
        assert not store.exists(name), name
    assert store.exists("FrontPage")  # the rest came over
    everything = b"".join(path.read_bytes() for path in target.rglob("*") if path.is_file() and not path.is_symlink())
    assert b"SECRET-OUTSIDE" not in everything and b"from outside" not in everything
    assert not [path for path in target.rglob("*") if path.is_symlink()]
    planted = UserStore(target / "user").by_name("Planted")
    assert planted is not None and not planted.admin  # the account came, its flag did not
    listed = (target / "cache" / "page-list").read_text("utf-8") if (target / "cache" / "page-list").exists() else ""
    assert "Foo\nBar" not in listed


def test_wiki_check_reports_a_symbolic_link_in_the_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config(environ={}, data_dir=tmp_path / "data")
    assert wiki_main(["init", "--data-dir", str(config.data_dir)]) == 0
    page = next((config.data_dir / "pages").iterdir())
    os.symlink("/etc/passwd", page / "revisions" / "00000099")
    capsys.readouterr()
    assert wiki_main(["check", "--data-dir", str(config.data_dir)]) != 0
    assert "symbolic link" in capsys.readouterr().out


def test_restore_bounds_the_size_and_sets_the_wikis_modes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert wiki_main(["init", "--data-dir", str(data)]) == 0
    UserStore(data / "user").create("Someone", "a long enough password")
    archive = tmp_path / "wiki.tar.gz"
    assert wiki_main(["backup", str(archive), "--data-dir", str(data)]) == 0
    loose = tmp_path / "loose.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(loose, "w:gz") as target:
        for member in source.getmembers():
            member.mode = 0o4777 if member.isfile() else 0o777
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
    restored = tmp_path / "restored"
    assert wiki_main(["restore", str(loose), "--data-dir", str(restored)]) == 0
    for path in restored.rglob("*"):
        if path.is_file() and path.parts[len(restored.parts)] in ("pages", "user"):
            mode = path.stat().st_mode & 0o7777
            assert mode == (0o600 if path.parts[len(restored.parts)] == "user" else 0o644), (path, oct(mode))
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(bomb, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        big = tarfile.TarInfo("pages/Big/revisions/00000001")
        big.size = 200 * 1024 * 1024
        target.addfile(big, io.BytesIO(bytes(big.size)))
    assert bomb.stat().st_size < 1024 * 1024  # a small archive...
    assert wiki_main(["restore", str(bomb), "--data-dir", str(tmp_path / "new")]) == 2  # ...refused before unpacking
    assert not (tmp_path / "new" / "pages").exists()
