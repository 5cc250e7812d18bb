"""Issue 25, point 6: the render cache and the sessions folder are capped and expire, as
drafts are. Real files; the caps made small so that the test reaches them."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from wiki import rendercache, sessions
from wiki.rendercache import RenderCache
from wiki.sessions import SessionStore


def test_the_render_cache_keeps_the_newest_within_its_cap_and_drops_the_old(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendercache, "MIN_ENTRIES", 50)
    monkeypatch.setattr(rendercache, "SWEEP_EVERY", 1)  # every put sweeps
    cache = RenderCache(tmp_path / "html", lambda: 10)
    (tmp_path / "html").mkdir()
    for n in range(120):
        cache.put(f"Page{n}", 1, "key", "<p>x</p>", None, "anon")
        os.utime(cache._path(f"Page{n}", 1, "anon"), (time.time() - 1000 + n,) * 2)  # noqa: SLF001
    kept = sorted(os.listdir(tmp_path / "html"))
    assert len(kept) <= 51
    assert cache.get("Page119", 1, "key", 0, "anon") is not None and cache.get("Page0", 1, "key", 0, "anon") is None
    stale = cache._path("Page119", 1, "anon")  # noqa: SLF001
    os.utime(stale, (time.time() - 40 * 86400,) * 2)
    assert cache.sweep() >= 1 and not stale.exists()  # untouched for over 30 days


def test_sessions_past_the_cap_end_those_that_expire_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 30)
    store = SessionStore(tmp_path / "sessions", 3600)
    made = [store.create("1.2.3", "stamp") for _ in range(80)]
    store._sweep(every=1)  # noqa: SLF001
    assert len(os.listdir(tmp_path / "sessions")) == 30
    assert store.load(made[-1].token) is not None and store.load(made[0].token) is None
