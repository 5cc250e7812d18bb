"""Issue 25, points 1 to 3: every answer tells the truth under any disk error.

An OSError of one errno a disk can return is raised at the N-th I/O call of a change made
through the real app (every os.open, write, fsync, link, rename, replace, unlink and mkdir,
and every Python open, reads included), for N from 1 until the change completes without
reaching it. After each, a fresh Site on the same data dir (a restarted server) runs its
recovery, and what it serves must be what the answer said: 303 if and only if the change is
there; any other answer is never a 500, says what failed, and gives the text back.
"""
from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import WikiClient
from wiki.acl import SYSTEM
from wiki.app import create_app
from wiki.config import load_config
from wiki.errors import PageNotFound
from wiki.site import Site
from wiki.storage import Author, PageStore

ERRNOS = [errno.EIO, errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EFBIG, errno.EMFILE, errno.ENOMEM]
CALLS = ("open", "write", "fsync", "link", "rename", "replace", "unlink", "mkdir")
MAX_CALLS = 300
WIKI_CODE = str(Path(__import__("wiki").__file__).parent)
TYPED = "words typed under a failing disk\n"
OLD_TEXT = "the page as it was\n"


class Injected(Exception):
    pass


@contextmanager
def failing_at(at: int, code: int) -> Iterator[list[int]]:
    """The `at`-th I/O call made by the wiki's own code raises OSError(code); yields [calls made]."""
    count = [0]
    originals: list[tuple[Any, str, Any]] = []

    def wrap(module: Any, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not sys._getframe(1).f_code.co_filename.startswith(WIKI_CODE):
                return real(*args, **kwargs)  # Mako's, Whoosh's, Python's own: theirs to test
            count[0] += 1
            if count[0] == at:
                raise OSError(code, os.strerror(code), str(args[0]) if args and isinstance(args[0], (str, Path)) else None)
            return real(*args, **kwargs)

        originals.append((module, name, real))
        setattr(module, name, wrapper)

    for name in CALLS:
        wrap(os, name)
    wrap(builtins, "open")
    wrap(io, "open")
    try:
        yield count
    finally:
        for module, name, real in reversed(originals):
            setattr(module, name, real)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("template") / "data"
    config = config_of(data)
    PageStore(data).create()  # no starter pages: each attempt copies the folder
    site = Site(config)
    site.save(None, "Target", OLD_TEXT, base_revision=0, author=Author(address="192.0.2.1"), reader=SYSTEM)
    site.attach(None, "Target", "kept.txt", io.BytesIO(b"old bytes"), author=Author(address="192.0.2.1"),
                reader=SYSTEM, limit=1024)
    return data


def fresh_copy(template: Path, tmp_path: Path, n: int) -> Path:
    data = tmp_path / f"d{n}"
    shutil.copytree(template, data)
    return data


def config_of(data: Path) -> Any:
    return load_config(environ={}, data_dir=data, rate_limits="", acl_rights_default="All:read,write,delete,revert")


def text_of(site: Site, name: str) -> str | None:
    try:
        return site.store.read(name).text
    except PageNotFound:
        return None


def save(client: WikiClient) -> Any:
    fields = {**client.form("/+edit/Target"), "text": TYPED, "action": "save"}
    return lambda: client.post("/+edit/Target", data=fields)


def rename(client: WikiClient) -> Any:
    fields = {**client.form("/+rename/Target"), "new_name": "Moved"}
    return lambda: client.post("/+rename/Target", data=fields)


def create(client: WikiClient) -> Any:
    fields = {**client.form("/+edit/BrandNew"), "text": TYPED, "action": "save"}
    return lambda: client.post("/+edit/BrandNew", data=fields)


def delete(client: WikiClient) -> Any:
    fields = {**client.form("/+delete/Target"), "comment": "gone"}
    return lambda: client.post("/+delete/Target", data=fields)


def upload(client: WikiClient) -> Any:
    token = client.form("/+edit/Target")["csrf_token"]

    def send() -> Any:
        return client.post("/+attachments/Target", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(b"new bytes"), "kept.txt")})
    return send


def detach(client: WikiClient) -> Any:
    token = client.form("/+edit/Target")["csrf_token"]
    return lambda: client.post("/+attachments/Target", data={"csrf_token": token, "action": "delete", "file": "kept.txt"},
                               content_type="multipart/form-data")


def created(site: Site) -> bool:
    return text_of(site, "BrandNew") == TYPED


def deleted(site: Site) -> bool:
    text = text_of(site, "Target")
    assert text in (None, OLD_TEXT)
    return text is None


def attachment_of(site: Site) -> bytes | None:
    from wiki.attachments import AttachmentStore

    try:
        return AttachmentStore(site.store).path("Target", "kept.txt").read_bytes()
    except Exception:  # noqa: BLE001 - missing, in whatever way it says so
        return None


def uploaded(site: Site) -> bool:
    found = attachment_of(site)
    assert found in (b"old bytes", b"new bytes"), found  # never neither: the old file is never hidden
    return found == b"new bytes"


def detached(site: Site) -> bool:
    found = attachment_of(site)
    assert found in (None, b"old bytes"), found
    return found is None


def saved(site: Site) -> bool:
    return text_of(site, "Target") == TYPED


def renamed(site: Site) -> bool:
    old, new = text_of(site, "Target"), text_of(site, "Moved")
    assert (old is None) != (new is None), f"both or neither after a rename: {old!r}, {new!r}"
    assert (old or new) == OLD_TEXT
    return new is not None


CHANGES: dict[str, tuple[Callable[[WikiClient], Any], Callable[[Site], bool], str]] = {
    "save": (save, saved, TYPED.strip()),
    "rename": (rename, renamed, "Moved"),
    "new page": (create, created, TYPED.strip()),
    "delete": (delete, deleted, "Target"),
    "upload": (upload, uploaded, "kept.txt"),
    "detach": (detach, detached, "kept.txt"),
}
# Saves and renames under every errno; the other changes take the same paths through the store
# (and the same mapping of errnos), so under the two that differ in answer: 503 and 507.
MATRIX = [(change, code) for change in sorted(CHANGES) for code in ERRNOS
          if change in ("save", "rename") or code in (errno.EIO, errno.ENOSPC)]


@pytest.mark.parametrize("change,code", MATRIX, ids=[f"{change}-{errno.errorcode[code]}" for change, code in MATRIX])
def test_the_answer_is_the_truth(template: Path, tmp_path: Path, change: str, code: int) -> None:
    prepare, happened, given_back = CHANGES[change]
    outcomes: dict[str, int] = {}
    for at in range(1, MAX_CALLS):
        data = fresh_copy(template, tmp_path, at)
        client = WikiClient(create_app(config_of(data)))
        request = prepare(client)
        with failing_at(at, code) as count:
            answer = request()
        restarted = Site(config_of(data))
        restarted.recover(force=True)
        body = answer.get_data(as_text=True)
        assert answer.status_code != 500, (at, body[:300])
        done = happened(restarted)
        assert done == (answer.status_code == 303), (at, answer.status_code, done)
        if answer.status_code != 303:
            assert answer.status_code in (503, 507), (at, answer.status_code)
            assert given_back in body, (at, answer.status_code)
            assert "Nothing was changed" in body or "not" in body, at
        outcomes[str(answer.status_code)] = outcomes.get(str(answer.status_code), 0) + 1
        shutil.rmtree(data)
        if count[0] < at:  # the change made fewer calls than `at`: every call has had its turn
            break
    else:
        pytest.fail(f"the change made over {MAX_CALLS} calls")
    assert outcomes.get("303", 0) >= 1 and len(outcomes) >= 2, outcomes
