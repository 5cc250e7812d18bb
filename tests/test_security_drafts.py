"""F15 of the second security review: nobody can push out anyone else's drafts, and keeping
them within bounds never reads every draft. Real files under a real data dir; the signed-in
person's draft is made through the editor, as a browser does."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki import drafts
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import load_config
from wiki.drafts import DraftStore
from wiki.users import UserStore

PASSWORD = "correct horse battery"


def test_one_address_minting_cookies_evicts_only_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="")
    init_store(config, io.StringIO())
    UserStore(config.data_dir / "user").create("Alice", PASSWORD)
    alice = WikiClient(create_app(config))
    alice.sign_in("Alice", PASSWORD)
    fields = {**alice.form("/+edit/Notes"), "text": "alice's unsaved words\n", "action": "preview"}
    assert alice.post("/+edit/Notes", data=fields).status_code == 200
    store = DraftStore(config.data_dir / "drafts")
    assert store.save("cookie-of-bob", "Plans", 0, "bob's words", "198.51.100.7")  # someone else, not signed in

    monkeypatch.setattr(drafts, "BROWSERS_IN_ALL", 50)  # the attacker alone would pass it many times over
    reads = []
    real = drafts._drafts_in
    monkeypatch.setattr(drafts, "_drafts_in", lambda folder: reads.append(folder) or real(folder))
    for cookie in range(260):
        for page in range(3):
            reads.clear()
            assert store.save(f"attacker-{cookie}", f"Spam{page}", 0, "x" * 100, "203.0.113.66")
            assert len(reads) <= 2, reads  # its own folder, and at most one folder it evicts
    assert store.load("user:" + UserStore(config.data_dir / "user").by_name("Alice").id, "Notes") is not None  # type: ignore[union-attr]
    assert store.load("cookie-of-bob", "Plans") is not None
    kept = [cookie for cookie in range(260) if store.load(f"attacker-{cookie}", "Spam0") is not None]
    assert kept == list(range(260 - drafts.BROWSERS_PER_ADDRESS, 260))  # its newest few, no more
    editor = alice.get("/+edit/Notes").get_data(as_text=True)
    assert "draft" in editor.lower()  # the editor still offers alice her draft


def test_many_addresses_push_out_the_longest_untouched_browser_first(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    monkeypatch.setattr(drafts, "BROWSERS_IN_ALL", 5)
    store = DraftStore(tmp_path / "drafts")
    store.save("user:1.2.3", "Mine", 0, "an account's draft")
    for n in range(5):
        store.save(f"browser-{n}", "Page", 0, "words", f"192.0.2.{n}")
        folder = store._folder(f"browser-{n}")  # noqa: SLF001
        os.utime(folder, (time.time() - 1000 + n,) * 2)
    store.save("browser-new", "Page", 0, "words", "192.0.2.99")
    assert store.load("browser-0", "Page") is None  # the one untouched longest
    assert all(store.load(f"browser-{n}", "Page") is not None for n in range(1, 5))
    assert store.load("user:1.2.3", "Mine") is not None  # an account's drafts are never anyone else's to push out
