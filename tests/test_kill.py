"""kill -9 anywhere: a child process is killed before each mutating call of a change — every
write, fsync, link, rename, unlink, mkdir and open for writing — and after the automatic
recovery that the next request runs, nothing acknowledged is lost, every page is served,
search, the index and the sitemap list every page, and `wiki check` is clean after at most
one `--repair`.

The child is forked from this process (so it needs no imports of its own), installs
counting wrappers over the os and io functions, and SIGKILLs itself at the N-th call.
N runs from 1 until the change completes without reaching it.
"""
from __future__ import annotations

import builtins
import io
import os
import shutil
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Urls, WikiClient
from wiki.app import create_app
from wiki.attachments import AttachmentStore
from wiki.cli import main
from wiki.site import Site
from wiki.storage import Author

AUTHOR = Author(address="192.0.2.66")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
MAX_CALLS = 400


def install_killer(at: int) -> None:
    """Wrap the mutating os/io functions: the `at`-th call kills this process first."""
    count = [0]

    def tick() -> None:
        count[0] += 1
        if count[0] == at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(module: Any, name: str, mutating: Callable[..., bool] = lambda *a, **k: True) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if mutating(*args, **kwargs):
                tick()
            return real(*args, **kwargs)

        setattr(module, name, wrapper)

    for name in ("write", "fsync", "link", "rename", "replace", "unlink", "mkdir", "ftruncate", "truncate",
                 "rmdir"):
        wrap(os, name)
    wrap(os, "open", lambda path, flags, *a, **k: bool(flags & WRITE_FLAGS))

    def writes(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> bool:
        return any(flag in mode for flag in "wax+")

    for module in (builtins, io):
        wrap(module, "open", writes)


def in_child(at: int, work: Callable[[Path, Path], None], data: Path, acked: Path) -> str:
    """Run work(data, acked) in a forked child killed at mutating call `at`: 'killed' or 'completed'."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            install_killer(at)
            work(data, acked)
        except BaseException:  # noqa: BLE001 - reported through the exit code and stderr
            traceback.print_exc()
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return "killed"
    assert os.WEXITSTATUS(status) == 0, f"the change failed (not killed) at call {at}"
    return "completed"


def acknowledge(acked: Path, what: str) -> None:
    """Record that the change returned (as a server answering the browser would); os calls made
    before the killer was installed are used, so this never counts as a call of the change."""
    fd = REAL_OPEN(str(acked), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    REAL_WRITE(fd, what.encode())
    os.close(fd)


REAL_OPEN, REAL_WRITE = os.open, os.write


def site_of(data: Path) -> Site:
    from wiki.config import load_config

    return Site(load_config(environ={}, data_dir=data))


def _edit(data: Path, acked: Path) -> None:
    site = site_of(data)
    revision = site.store.save("SandBox", "edited under fire\n", base_revision=site.store.current_revision("SandBox"),
                               author=AUTHOR)
    acknowledge(acked, f"SandBox {revision}")
    site.after_change(Urls(), "SandBox")


def _create(data: Path, acked: Path) -> None:
    site = site_of(data)
    site.store.save("Fresh", "a new page linking [[SandBox]]\n", base_revision=0, author=AUTHOR)
    acknowledge(acked, "Fresh")
    site.after_change(Urls(), "Fresh")


def _rename(data: Path, acked: Path) -> None:
    site = site_of(data)
    site.store.rename("SandBox", "Playground", base_revision=site.store.current_revision("SandBox"), author=AUTHOR)
    acknowledge(acked, "renamed")
    site.after_change(Urls(), "SandBox", "Playground")


def _delete(data: Path, acked: Path) -> None:
    site = site_of(data)
    site.store.delete("SandBox", base_revision=site.store.current_revision("SandBox"), author=AUTHOR)
    acknowledge(acked, "deleted")
    site.after_change(Urls(), "SandBox")


def _upload(data: Path, acked: Path) -> None:
    site = site_of(data)
    AttachmentStore(site.store).add("SandBox", "notes.txt", io.BytesIO(b"attached bytes"), author=AUTHOR, limit=1000)
    acknowledge(acked, "attached")
    site.after_change(Urls(), "SandBox")


def _catch_up(data: Path, acked: Path) -> None:
    site_of(data).search_index.catch_up()
    acknowledge(acked, "caught up")


WORK = {"edit": _edit, "create": _create, "rename": _rename, "delete": _delete, "upload": _upload,
        "catch-up": _catch_up}


def verify(data: Path, kind: str, acked: Path) -> None:
    """What must hold after any kill, once the next request's recovery has run."""
    site = site_of(data)
    site.recover(force=True)  # what every server request (and the CGI fast check) does
    acknowledged = acked.read_text() if acked.exists() else ""
    store = site.store
    if kind == "edit" and acknowledged:
        revision = int(acknowledged.split()[1])
        assert store.read("SandBox").text == "edited under fire\n" and store.current_revision("SandBox") == revision
    if kind == "create" and acknowledged:
        assert store.read("Fresh").text.startswith("a new page")
    if kind == "rename" and acknowledged:
        assert store.exists("Playground") and not store.exists("SandBox")
    if kind == "rename":
        assert store.exists("Playground") or store.exists("SandBox"), "the page is gone under both names"
    if kind == "delete" and acknowledged:
        assert not store.exists("SandBox")
    if kind == "upload" and acknowledged:
        assert AttachmentStore(store).path("SandBox", "notes.txt").read_bytes() == b"attached bytes"
    pages = store.list_pages()
    assert pages == store._scan_pages(), "the page list misses a page (pageset not touched)"
    client = WikiClient(create_app(site.config))
    for name in pages:
        response = client.get("/" + name)
        assert response.status_code == 200, (name, response.status_code)
    index_html = client.get("/+index").get_data(as_text=True)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    site.search_index.catch_up()
    searcher = site.search_index._searcher(site.search_index.directory)
    indexed = {fields["name"] for fields in searcher.all_stored_fields()}
    for name in pages:
        assert f">{name}<" in index_html, f"{name} missing from /+index"
        assert f"/{name}</loc>" in sitemap, f"{name} missing from the sitemap"
        assert name in indexed, f"{name} missing from search"
    site.search_index.close()
    if main(["check", "--data-dir", str(data)]) != 0:
        assert main(["check", "--data-dir", str(data), "--repair"]) == 0
        assert main(["check", "--data-dir", str(data)]) == 0


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wiki as `wiki init` and a first request leave it: pages, links, search index."""
    from io import StringIO

    from wiki.cli import init_store
    from wiki.config import load_config

    data = tmp_path_factory.mktemp("template") / "data"
    config = load_config(environ={}, data_dir=data)
    init_store(config, StringIO())
    site = Site(config)
    site.search_index.catch_up()
    site.search_index.close()
    return data


@pytest.mark.parametrize("kind", list(WORK))
def test_killed_before_every_mutating_call(kind: str, template: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    if kind == "catch-up":  # saves the index has not taken in yet
        source = tmp_path / "source"
        shutil.copytree(template, source)
        site = site_of(source)
        for i in range(3):
            site.store.save(f"Unindexed{i}", f"words {i}\n", base_revision=0, author=AUTHOR)
            site.links.record(f"Unindexed{i}", ())
        template = source
    killed = 0
    for at in range(1, MAX_CALLS):
        data = tmp_path / f"run{at}"
        shutil.copytree(template, data)
        acked = tmp_path / f"acked{at}"
        outcome = in_child(at, WORK[kind], data, acked)
        verify(data, kind, acked)
        shutil.rmtree(data)
        if outcome == "completed":
            break
        killed += 1
    else:
        pytest.fail(f"{kind} did not complete within {MAX_CALLS} calls")
    capsys.readouterr()
    assert killed >= 5, f"only {killed} kill points: the wrappers did not see the change's calls"
