"""Issue 25, point 5 (in part): a clock a day behind in one of two processes hides nothing from
recent changes and does not open the rate limits. The second process is this one with its
clock set back (time.time and time.time_ns, which the store and the rate limiter read)."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.acl import SYSTEM
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import load_config
from wiki.errors import TooManyRequests
from wiki.ratelimit import RateLimiter
from wiki.site import Site
from wiki.storage import Author

DAY = 86400
AUTHOR = Author(address="192.0.2.1")


def behind(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    real_time, real_ns = time.time, time.time_ns
    monkeypatch.setattr(time, "time", lambda: real_time() - seconds)
    monkeypatch.setattr(time, "time_ns", lambda: real_ns() - seconds * 1_000_000_000)


def test_recent_changes_follow_the_logs_order_not_the_clocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)
    for n in range(6):
        site.save(None, f"Right{n}", "saved by the right clock\n", base_revision=0, author=AUTHOR, reader=SYSTEM)
    with monkeypatch.context() as patched:
        behind(patched, DAY + 3600)
        site.save(None, "Behind", "saved by a clock a day behind\n", base_revision=0, author=AUTHOR, reader=SYSTEM)
    names = {entry.name for entry in site.store.recent_changes(100, since_us=(time.time_ns() // 1000) - DAY * 1_000_000)}
    assert names >= {f"Right{n}" for n in range(6)} | {"Behind"}
    client = WikiClient(create_app(config))
    listed = client.get("/+recent?days=1").get_data(as_text=True)
    assert all(f"Right{n}" in listed for n in range(6)) and "Behind" in listed


def test_rate_limits_hold_across_clocks_a_day_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ratelimit.sqlite"
    right, skewed = RateLimiter(path, {"save": (60, 600)}), RateLimiter(path, {"save": (60, 600)})
    accepted = 0
    for n in range(80):
        try:
            if n % 2:
                with monkeypatch.context() as patched:
                    behind(patched, DAY)
                    skewed.hit("save", "192.0.2.7")
            else:
                right.hit("save", "192.0.2.7")
            accepted += 1
        except TooManyRequests:
            pass
    assert accepted == 60  # as with both clocks right: 60 accepted, 20 refused


def test_a_page_changed_by_a_clock_behind_is_never_not_modified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If-Modified-Since with the last Last-Modified must get the page again after any change,
    whichever clock made it (it used to get 304 for a page a process a day behind had changed)."""
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="",
                         acl_rights_default="All:read,write,delete,revert")
    init_store(config, io.StringIO())
    client = WikiClient(create_app(config))
    assert client.save("Dated", "first words\n").status_code == 303
    client.get("/Dated")  # (the one view that says "Saved.", never cached)
    stamp = client.get("/Dated").headers["Last-Modified"]
    with monkeypatch.context() as patched:
        behind(patched, DAY)
        assert client.save("Dated", "second words, from a clock a day behind\n").status_code == 303
    client.get("/Dated")
    again = client.get("/Dated", headers={"If-Modified-Since": stamp})
    assert again.status_code == 200 and "second words" in again.get_data(as_text=True)
    assert again.headers["Last-Modified"] != stamp
