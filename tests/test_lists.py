"""Lists that stay bounded however large the wiki: the page index a letter (and a page of
names) at a time, and the sitemap as a sitemap index of parts. The limits are made small here."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import pytest

from tests.conftest import WikiClient
from wiki.storage import PageStore
from wiki.views import feeds, listing

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def many(client: WikiClient, store: PageStore, author: object, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names = [f"Alpha{i}" for i in range(7)] + ["Beta One", "Beta Two", "Gamma", "1984 Notes"]
    for name in names:
        store.save(name, "text", base_revision=0, author=author)  # type: ignore[arg-type]
    monkeypatch.setattr(listing, "INDEX_ALL", 5)
    monkeypatch.setattr(listing, "INDEX_PAGE", 3)
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 4)
    return store.list_pages()


def shown_names(html: str) -> list[str]:
    return re.findall(r'<li class="depth-\d"><a href="/[^"]*">([^<]+)</a></li>', html)


def test_a_large_index_goes_a_letter_and_a_page_at_a_time(client: WikiClient, many: list[str]) -> None:
    first = client.get("/+index").get_data(as_text=True)
    assert f"{len(many)} pages." in first
    assert shown_names(first) == ["1984 Notes"]  # the first letter: '#'
    assert 'href="/+index?letter=A">A <span class="hint">(7)</span></a>' in first
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"/+index?letter=A&page={number}").get_data(as_text=True)
        seen += shown_names(page)
        assert len(shown_names(page)) <= 3
    assert seen == [f"Alpha{i}" for i in range(7)]
    last = client.get("/+index?letter=A&page=3").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last and "Page 3 of 3" in last
    assert client.get("/+index?letter=Q").status_code == 400
    assert client.get("/+index?letter=A&page=9").status_code == 400
    assert client.get("/+index?letter=A&page=x").status_code == 400


def test_a_small_index_is_one_page(client: WikiClient) -> None:
    html = client.get("/+index").get_data(as_text=True)
    assert 'href="#letter-F"' in html and "FrontPage" in html and "Page 1 of" not in html


def test_a_large_sitemap_is_an_index_of_parts(client: WikiClient, many: list[str]) -> None:
    index = etree.fromstring(client.get("/sitemap.xml").data)
    assert index.tag.endswith("sitemapindex")
    parts = [loc.text or "" for loc in index.findall("s:sitemap/s:loc", NS)]
    listed = []
    for url in parts:
        part = etree.fromstring(client.get(url.replace("http://localhost", "")).data)
        urls = [loc.text or "" for loc in part.findall("s:url/s:loc", NS)]
        assert 1 <= len(urls) <= 4
        listed += urls
    assert len(parts) == -(-len(many) // 4) and len(listed) == len(many)
    assert client.get(f"/sitemap.xml?part={len(parts) + 1}").status_code == 400


def test_a_small_sitemap_is_one_file(client: WikiClient) -> None:
    assert etree.fromstring(client.get("/sitemap.xml").data).tag.endswith("urlset")


def test_orphaned_and_wanted_pages_come_a_page_at_a_time(client: WikiClient, many: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "LIST_PAGE", 4)
    monkeypatch.setattr(listing, "WANTED_BY", 2)
    for number in range(3):
        client.save(f"Wanting{number}", "[[Nowhere]] [[Elsewhere]]")
    orphans = []
    for number in (1, 2, 3, 4):
        page = client.get(f"/+orphans?page={number}")
        if page.status_code == 400:
            break
        found = re.findall(r'<li><a href="/[^"]*">([^<]+)</a></li>', page.get_data(as_text=True))
        assert 1 <= len(found) <= 4
        orphans += found
    assert "Alpha0" in orphans and "Wanting2" in orphans and len(orphans) == len(set(orphans))
    wanted = client.get("/+wanted").get_data(as_text=True)
    assert "Nowhere" in wanted and "and 1 more" in wanted  # three pages want it: two are named
    pages = re.search(r"Page 1 of (\d+)", wanted)
    last = int(pages.group(1)) if pages else 1
    assert client.get(f"/+wanted?page={last + 1}").status_code == 400
