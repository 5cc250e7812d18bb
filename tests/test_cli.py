"""The command line, called as main(argv) and, for serve, as a real process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import fetch, free_port, wait_for_http
from wiki.cli import main, starter_pages
from wiki.config import PROJECT_ROOT, Config
from wiki.storage import Author, PageStore

STARTERS = starter_pages(PROJECT_ROOT / "pages")


def test_starter_pages_include_the_promised_ones() -> None:
    names = {name for name, _ in STARTERS}
    assert {"FrontPage", "HelpOnEditing", "SandBox"} <= names
    assert any(name.startswith("Help/") for name in names)


def test_init_imports_every_starter_page_as_revision_1(tmp_path: Path) -> None:
    assert main(["init", "--data-dir", str(tmp_path / "d")]) == 0
    store = PageStore(tmp_path / "d")
    assert store.list_pages() == sorted((n for n, _ in STARTERS), key=lambda n: (n.casefold(), n))
    for name, path in STARTERS:
        page = store.read(name)
        assert (page.revision, page.text) == (1, path.read_text("utf-8"))


def test_init_is_idempotent_and_never_touches_an_existing_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    main(["init", "--data-dir", str(data)])
    store = PageStore(data)
    store.save("FrontPage", "ours now", base_revision=1, author=Author())
    log = store.global_log.read_bytes()
    capsys.readouterr()
    assert main(["init", "--data-dir", str(data)]) == 0
    assert "0 starter page(s) added" in capsys.readouterr().out
    assert store.read("FrontPage").text == "ours now"
    assert store.global_log.read_bytes() == log


def test_wiki_data_dir_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIKI_DATA_DIR", str(tmp_path / "from-env"))
    assert main(["init"]) == 0
    assert PageStore(tmp_path / "from-env").exists("FrontPage")


def test_wiki_config_file_with_paths_relative_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "wiki.toml").write_text('data_dir = "data"\nsite_name = "Team"\n')
    monkeypatch.setenv("WIKI_CONFIG", str(tmp_path / "site" / "wiki.toml"))
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert PageStore(tmp_path / "site" / "data").exists("FrontPage")


def test_check_exit_codes(tmp_path: Path) -> None:
    data = tmp_path / "d"
    main(["init", "--data-dir", str(data)])
    assert main(["check", "--data-dir", str(data)]) == 0
    (data / "pages" / "FrontPage" / "revisions" / ".tmp-1-2").write_text("x")
    assert main(["check", "--data-dir", str(data)]) == 1
    assert main(["check", "--data-dir", str(data), "--repair"]) == 0


def test_reindex_shows_progress_and_makes_pages_findable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d"
    main(["init", "--data-dir", str(data)])
    assert main(["reindex", "--data-dir", str(data)]) == 0
    captured = capsys.readouterr()
    assert f"{len(STARTERS)}/{len(STARTERS)} pages" in captured.err and "pages/s" in captured.err
    assert "rebuilt" in captured.out
    from wiki.search import SearchIndex

    assert [hit.name for hit in SearchIndex(data / "index", PageStore(data)).search("footnotes").hits] == ["HelpOnEditing"]


def test_unknown_config_option_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 'blue'\n")
    assert main(["init", "--config", str(bad)]) == 2
    assert "unknown option 'colour'" in capsys.readouterr().err


def run_server(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIKI_")}
    return subprocess.Popen([sys.executable, "-m", "wiki.cli", *args], cwd=cwd, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.parametrize("debug", [False, True], ids=["waitress", "debug-reloader"])
def test_serve_initialises_an_empty_data_dir_and_serves(tmp_path: Path, debug: bool) -> None:
    port = free_port()
    process = run_server(["serve", "--port", str(port), "--data-dir", str(tmp_path / "d")] + (["--debug"] if debug else []),
                         tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process)
        status, headers, _ = fetch(f"http://127.0.0.1:{port}/")
        assert status == 302 and headers["Location"] == "/FrontPage"
        status, headers, body = fetch(f"http://127.0.0.1:{port}/FrontPage")
        assert status == 200 and b"Welcome to your wiki" in body
        if not debug:
            assert headers["Server"] == "flatwiki"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def test_reindex_names_a_page_it_cannot_read_and_does_the_rest(seeded_config: Config,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from wiki.search import SearchIndex

    store = PageStore(seeded_config.data_dir)
    store.save("Unreadable", "fine text", base_revision=0, author=Author())
    store.save("Readable", "findable kumquat", base_revision=0, author=Author())
    revision = store.page_dir("Unreadable") / "revisions" / "00000001"
    revision.unlink()
    revision.mkdir()  # reading it fails: no bad input can do this, but disks and people can
    assert main(["reindex", "--data-dir", str(seeded_config.data_dir)]) == 0
    err = capsys.readouterr().err
    assert "skipped 'Unreadable'" in err
    index = SearchIndex(seeded_config.data_dir / "index", store)
    assert [hit.name for hit in index.search("kumquat").hits] == ["Readable"]
    index.close()
