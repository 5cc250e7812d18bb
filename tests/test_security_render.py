"""F5 and F2 of the second security review, in pages: one budget of time and work per render,
shared by every macro that searches, lists, includes or runs a regex, and by included pages;
and previews count against a rate limit.

The review's preview bombs go through the real editor form (live preview, as the editor
sends it). Each used to take 13 to 288 s; now the macros past the render's time are notices.
The bound asserted is loose (a few seconds, against the 1 s budget) so that a loaded machine
cannot make it flaky; bench/hostile_render.py prints the figures."""
from __future__ import annotations

import io
import random
import time
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.acl import SYSTEM
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import load_config
from wiki.macros import MAX_SEARCHES, RENDER_SECONDS, BudgetSpent
from wiki.site import Site
from wiki.storage import Author

AUTHOR = Author(address="192.0.2.9")
TIME_NOTICE = BudgetSpent.NOTICES["time"]
LOOSE_SECONDS = 6 * RENDER_SECONDS


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, WikiClient]:
    root = tmp_path_factory.mktemp("bombs")
    config = load_config(environ={}, data_dir=root / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)
    chance = random.Random(5)
    noise = " ".join("".join(chance.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(chance.randint(5, 9)))
                     for _ in range(8000))
    pages = {"Z" + "z" * 40 + "!": "a name to backtrack on\n", "NoiseOne": noise, "Bomb": "",
             "Inner": "<<PageList(regex:(\\w|\\w\\w)+$)>>\n" * 20}
    for name, text in pages.items():
        site.save(None, name, text or "x\n", base_revision=0, author=AUTHOR, reader=SYSTEM)
    return site, WikiClient(create_app(config))


def preview(client: WikiClient, text: str) -> tuple[float, int, str]:
    fields = {**client.form("/+edit/Bomb"), "text": text, "action": "preview", "fragment": "1"}
    started = time.monotonic()
    answer = client.post("/+edit/Bomb", data=fields)
    return time.monotonic() - started, answer.status_code, answer.get_data(as_text=True)


@pytest.mark.parametrize("bomb", [
    "<<PageList(regex:(\\w|\\w\\w)+$)>>\n" * 200,
    "<<FullSearch(*e*)>>\n" * 50,
    "<<FullSearch(a*)>>\n" * 200,
    "<<Include(Inner)>>\n" * 10,
    "#format moin\n" + "<<PageList(regex:(\\w|\\w\\w)+$)>>\n" * 200,
    "<<Include(^.*, from=(\\w|\\w\\w)+$)>>\n" * 20,
])
def test_a_preview_bomb_is_cut_at_the_renders_budget(wiki: tuple[Site, WikiClient], bomb: str) -> None:
    seconds, status, html = preview(wiki[1], bomb)
    assert status == 200
    assert seconds < LOOSE_SECONDS, f"{seconds:.1f} s"
    macros = bomb.count("<<")
    if macros > MAX_SEARCHES and "FullSearch" in bomb:
        assert "may run at most" in html or TIME_NOTICE in html
    elif "regex" in bomb and "Include" not in bomb:
        assert TIME_NOTICE in html


def test_a_quick_page_runs_all_its_macros(wiki: tuple[Site, WikiClient]) -> None:
    _, status, html = preview(wiki[1], "<<PageList(Z)>>\n<<FullSearch(backtrack)>>\n<<PageCount>>\n")
    assert status == 200 and TIME_NOTICE not in html and "not run" not in html
    assert html.count("Zzzzz") == 4  # listed by the prefix, found by the search (each link: address and text)


def test_previews_count_against_their_rate_limit(tmp_path: Path) -> None:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="preview=3/600")
    init_store(config, io.StringIO())
    client = WikiClient(create_app(config))
    answers = [preview(client, f"text {n}\n")[1:] for n in range(4)]
    assert [status for status, _ in answers] == [200, 200, 200, 429]
    fields = {**client.form("/+edit/FrontPage"), "text": "my words, kept\n", "action": "preview"}
    refused = client.post("/+edit/FrontPage", data=fields)
    assert refused.status_code == 429 and "my words, kept" in refused.get_data(as_text=True)
