"""Real servers under real load: two `wiki serve` processes of 8 threads each on one data
directory (as mod_wsgi `processes=2` runs it), driven over HTTP by concurrent browsers."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for_http
from tests.traffic import SHARED, Browser, Tally, editor_session, editors_text, mixed_load
from wiki.config import Config
from wiki.storage import PageStore

LOAD_SECONDS = 30
# Many people, one address (127.0.0.1): the rate limits would refuse most saves (they are
# tested in test_accounts.py); these tests load the store, not the limits.
UNLIMITED = {**os.environ, "WIKI_RATE_LIMITS": ""}


def serve(data: Path, log: Path, threads: int = 8) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with open(log, "wb") as errors:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--threads", str(threads),
             "--data-dir", str(data)],
            stdout=subprocess.DEVNULL, stderr=errors, env=UNLIMITED,
        )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/", process)
    return process, base


@pytest.fixture
def two_servers(seeded_config: Config, tmp_path: Path) -> Iterator[list[str]]:
    logs = [tmp_path / "server-a.log", tmp_path / "server-b.log"]
    started = [serve(seeded_config.data_dir, log) for log in logs]
    try:
        yield [base for _, base in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=30)
    for log in logs:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, f"{log.name}:\n{text[-4000:]}"


def test_mixed_load_on_two_processes_gives_no_server_error(two_servers: list[str], seeded_config: Config) -> None:
    pages = ["FrontPage", "SandBox", "HelpOnEditing", "Help/Searching", "MeetingNotesTemplate"]
    tally = mixed_load(two_servers, LOAD_SECONDS, connections=8, pages=pages)
    assert tally.total() > 200, tally.statuses  # it really was load
    for kind in ("view", "search", "recent", "save", "new page", "merge", "upload"):
        assert tally.latencies.get(kind), f"no {kind} requests were made"
    assert tally.server_errors() == 0 and not tally.failures, (tally.statuses, tally.failures[:5])
    assert not any(429 in counts for counts in tally.statuses.values()), tally.statuses  # nothing was refused
    # Every page created under load exists, is listed, and is findable.
    store = PageStore(seeded_config.data_dir)
    created = [name for name in store.list_pages() if name.startswith("Load")]
    assert created
    browser = Browser(two_servers[0])
    index = browser.get("/+index").text
    browser.close()
    assert all(f">{name}<" in index for name in created)
    assert main_check(seeded_config) == 0


def main_check(config: Config) -> int:
    from wiki.cli import main

    return main(["check", "--data-dir", str(config.data_dir)])


def test_four_editors_on_two_processes_lose_no_acknowledged_line(two_servers: list[str],
                                                                  seeded_config: Config) -> None:
    editors = 4
    first = Browser(two_servers[0])
    assert first.save(SHARED, editors_text(editors)).status == 303
    first.close()
    tally = Tally()
    acknowledged: list[list[int]] = [[] for _ in range(editors)]
    threads = [threading.Thread(target=editor_session,
                                args=(two_servers[i % 2], i, LOAD_SECONDS, acknowledged[i], tally))
               for i in range(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_SECONDS + 120)
    assert tally.server_errors() == 0, tally.failures[:5]
    assert not any(429 in counts for counts in tally.statuses.values()), tally.statuses
    assert all(len(values) > 10 for values in acknowledged), [len(v) for v in acknowledged]
    store = PageStore(seeded_config.data_dir)
    final = store.read(SHARED).text
    merged = sum(1 for entry in store.history(SHARED) if "merged with revision" in entry.comment.lower())
    assert merged > 0, "no save had to be merged: the test did not exercise the race"
    for number, values in enumerate(acknowledged):
        assert f"editor {number} wrote {values[-1]}\n" in final, f"editor {number}'s last acknowledged line is gone"
    # No revision may take an editor's line back to an older value: that would undo an acknowledged save.
    highest = [0] * editors
    for revision in range(1, store.current_revision(SHARED) + 1):
        text = store.read(SHARED, revision).text
        for number in range(editors):
            found = re.search(rf"^editor {number} wrote (\d+)$", text, re.M)
            assert found, f"revision {revision} lost editor {number}'s line"
            value = int(found.group(1))
            assert value >= highest[number], f"revision {revision} reverted editor {number} from {highest[number]}"
            highest[number] = value
