"""Issue 25, point 4 (first part) and point 2's check: derived files heal themselves, and a
rename left half done is named and finished. Real files, the real app, the real commands."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.acl import SYSTEM
from wiki.app import create_app
from wiki.cli import init_store
from wiki.cli import main as wiki_main
from wiki.config import Config, load_config
from wiki.ratelimit import RateLimiter
from wiki.site import Site
from wiki.storage import Author
from wiki.users import UserStore

PASSWORD = "correct horse battery"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = load_config(environ={}, data_dir=tmp_path / "data", acl_rights_default="All:read,write,delete,revert")
    init_store(config, io.StringIO())
    UserStore(config.data_dir / "user").create("Jane", PASSWORD)
    return config


def damage(path: Path) -> None:
    """SQLite's own kind of damage: 16 bytes of every KB after the header overwritten."""
    data = bytearray(path.read_bytes())
    for at in range(100, len(data), 1024):
        data[at:at + 16] = b"\xde\xad\xbe\xef" * 4
    path.write_bytes(bytes(data))


def used_rate_limits(config: Config) -> Path:
    """A rate-count file with some thousand hits in it, its connection closed (a stopped server)."""
    path = config.data_dir / "ratelimit.sqlite"
    limiter = RateLimiter(path, {"save": (100_000, 600)})
    for n in range(3000):
        limiter.hit("save", f"192.0.2.{n % 250}")
    limiter._forget_connection()  # noqa: SLF001
    assert path.stat().st_size > 20_000
    return path


def test_a_damaged_rate_count_file_never_stops_a_save_or_a_sign_in(config: Config,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = used_rate_limits(config)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    damage(path)
    client = WikiClient(create_app(config))  # a server started on the damaged file
    client.sign_in("Jane", PASSWORD)
    assert client.save("SandBox", "saved beside a damaged file\n").status_code == 303
    assert [p.name for p in config.data_dir.iterdir() if ".damaged-" in p.name]  # set aside, kept to look at
    assert "damaged" in capsys.readouterr().err  # told once


def test_wiki_check_names_a_damaged_rate_count_file_and_repair_begins_it_afresh(config: Config,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = used_rate_limits(config)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    damage(path)
    data = ["--data-dir", str(config.data_dir)]
    capsys.readouterr()
    assert wiki_main(["check", *data]) == 1
    assert "ratelimit.sqlite" in capsys.readouterr().out
    wiki_main(["check", "--repair", *data])
    capsys.readouterr()
    assert wiki_main(["check", *data]) == 0, capsys.readouterr().out


def test_a_rename_left_half_done_is_named_and_finished_never_invented(config: Config,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    site = Site(config)
    author = Author(address="192.0.2.1")
    site.save(None, "Before", "moving text\n", base_revision=0, author=author, reader=SYSTEM)
    site.rename(None, "Before", "After", base_revision=1, author=author, reader=SYSTEM)
    # As a process killed between the rename's commit and the old name's DELETE, its mark lost:
    old = site.store.page_dir("Before")
    log = (old / "edit-log").read_bytes().splitlines(keepends=True)
    (old / "edit-log").write_bytes(b"".join(log[:-1]))
    (old / "current").write_text("00000001\n")
    global_log = (config.data_dir / "edit-log").read_bytes().splitlines(keepends=True)
    (config.data_dir / "edit-log").write_bytes(b"".join(line for line in global_log if b"Renamed to After" not in line))
    data = ["--data-dir", str(config.data_dir)]
    capsys.readouterr()
    assert wiki_main(["check", *data]) == 1
    assert "rename left half done" in capsys.readouterr().out
    wiki_main(["check", "--repair", *data])
    capsys.readouterr()
    assert wiki_main(["check", *data]) == 0, capsys.readouterr().out
    fresh = Site(config)
    assert not fresh.store.exists("Before") and fresh.store.read("After").text == "moving text\n"


def test_a_copy_a_refused_rename_left_is_set_aside_not_made_a_page(config: Config,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    site = Site(config)
    author = Author(address="192.0.2.1")
    site.save(None, "Source", "the text\n", base_revision=0, author=author, reader=SYSTEM)
    copy = site.store.page_dir("Copied")  # as a rename refused at its commit left it, marks gone
    (copy / "revisions").mkdir(parents=True)
    os.link(site.store.page_dir("Source") / "revisions" / "00000001", copy / "revisions" / "00000001")
    (copy / "edit-log").write_bytes((site.store.page_dir("Source") / "edit-log").read_bytes())
    data = ["--data-dir", str(config.data_dir)]
    capsys.readouterr()
    assert wiki_main(["check", *data]) == 1
    assert "a rename copied from 'Source'" in capsys.readouterr().out
    wiki_main(["check", "--repair", *data])
    assert not Site(config).store.exists("Copied")
    capsys.readouterr()
    assert wiki_main(["check", *data]) == 0, capsys.readouterr().out


DERIVED = ["links/out/SandBox", "links/in/FrontPage", "links/lists-snapshot", "links/lists-log", "cache/acl-table",
           "cache/page-list", "cache/stamps/SandBox", "cache/html/*", "cache/lists/*", "index/*", "pageset",
           "ratelimit.sqlite"]
VIEWS = ["/SandBox", "/FrontPage", "/+index", "/sitemap.xml", "/+search?q=page&fulltext=1", "/+orphans", "/+wanted",
         "/+backlinks/FrontPage", "/+recent"]


@pytest.mark.parametrize("derived", DERIVED)
def test_a_damaged_derived_file_never_fails_a_view_or_a_save(tmp_path: Path, derived: str) -> None:
    """Each derived file in turn overwritten with random bytes under a running app (warmed: its
    caches and connections open), then every list and a save and a new page through it."""
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="save=1000/60",
                         acl_rights_default="All:read,write,delete,revert")
    init_store(config, io.StringIO())
    client = WikiClient(create_app(config))
    for url in VIEWS:
        assert client.get(url).status_code == 200, url
    assert client.save("SandBox", "links to [[FrontPage]] and [[Nowhere]]\n").status_code == 303
    damaged = [path for path in config.data_dir.glob(derived) if path.is_file()]
    assert damaged, derived
    for path in damaged:
        path.write_bytes(os.urandom(max(64, path.stat().st_size)))
    for url in VIEWS:
        assert client.get(url).status_code == 200, url
    assert client.save("SandBox", "changed after the damage, [[FrontPage]]\n").status_code == 303
    assert client.save("NewOne", "a new page\n").status_code == 303
    assert "changed after the damage" in client.get("/SandBox").get_data(as_text=True)
