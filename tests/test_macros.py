"""Macros: what each shows, errors inline, no include loops, and caches that notice change."""
from __future__ import annotations

import re

import pytest

from tests.conftest import WikiClient
from tests.test_views import main_part


def shown(client: WikiClient, text: str, page: str = "SandBox") -> str:
    client.save(page, text)
    return main_part(client.get(f"/{page}").get_data(as_text=True))


def test_table_of_contents(client: WikiClient) -> None:
    html = shown(client, "<<TableOfContents>>\n\n# One\n\n## Two")
    assert '<div class="toc">' in html and 'href="#two"' in html


def test_page_list_by_prefix_and_regex(client: WikiClient) -> None:
    html = shown(client, "<<PageList(Help/)>>")
    assert 'href="/Help/History"' in html and 'href="/Help/Searching"' in html and 'href="/FrontPage"' not in html
    html = shown(client, "<<PageList(regex:^(Front|Sand))>>")
    assert 'href="/FrontPage"' in html and 'href="/Help/History"' not in html
    assert "not valid" in shown(client, "<<PageList(regex:([)>>")


def test_recent_changes_macro_stays_current(client: WikiClient) -> None:
    html = shown(client, "<<RecentChanges(3)>>")
    assert html.count("<li>") == 3 and 'href="/SandBox"' in html
    before = client.get("/SandBox")
    client.save("Brand New", "x")
    after = client.get("/SandBox", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # not a stale 304: the list changed
    assert 'href="/Brand%20New"' in main_part(after.get_data(as_text=True))
    assert "from 1 to 100" in shown(client, "<<RecentChanges(x)>>")


def test_include_renders_another_page_and_follows_its_changes(client: WikiClient) -> None:
    client.save("Snippet", "**included words**")
    html = shown(client, "Before <<Include(Snippet)>> after")
    assert '<div class="include"><p><strong>included words</strong></p></div>' in html
    client.save("Snippet", "**changed words**")
    assert "changed words" in main_part(client.get("/SandBox").get_data(as_text=True))


def test_include_loops_and_depth_are_stopped(client: WikiClient) -> None:
    client.save("LoopA", "A <<Include(LoopB)>>")
    client.save("LoopB", "B <<Include(LoopA)>>")
    html = main_part(client.get("/LoopA").get_data(as_text=True))
    assert "already being included" in html and html.count('class="include"') == 1
    for level in range(5):
        client.save(f"Level{level}", f"L{level} <<Include(Level{level + 1})>>")
    html = main_part(client.get("/Level0").get_data(as_text=True))
    assert "nested at most 3 deep" in html
    assert "there is no page Nowhere" in shown(client, "<<Include(Nowhere)>>")


def test_dates_and_anchors(client: WikiClient) -> None:
    html = shown(client, "<<Date(2026-11-25T10:30:00Z)>> <<DateTime(2026-11-25T10:30:00Z)>> <<Anchor(here)>>")
    assert '<time datetime="2026-11-25T10:30:00Z">2026-11-25</time>' in html
    assert ">2026-11-25 10:30 UTC</time>" in html and '<span class="anchor" id="here"></span>' in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', shown(client, "today: <<Date>>"))
    assert "give a date" in shown(client, "<<Date(yesterday)>>")
    assert "anchor name" in shown(client, '<<Anchor("><script>)>>')


@pytest.mark.parametrize("text", ["<<NoSuchMacro>>", "<<NoSuchMacro(1,2)>>"])
def test_unknown_macros_say_so_inline(client: WikiClient, text: str) -> None:
    assert '<span class="macro-error">Unknown macro NoSuchMacro' in shown(client, text)


def test_macros_in_code_are_left_alone(client: WikiClient) -> None:
    html = shown(client, "`<<RecentChanges>>`")
    assert "<code>&lt;&lt;RecentChanges&gt;&gt;</code>" in html
