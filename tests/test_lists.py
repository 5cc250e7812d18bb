"""Lists that stay bounded however large the wiki: the page index a letter (and a page of
names) at a time, and the sitemap as a sitemap index of parts. The limits are made small here."""
from __future__ import annotations

import os
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


def test_sitemap_parts_are_stored_and_only_a_changed_range_is_made_again(
        client: WikiClient, many: list[str], seeded_config: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from wiki import listcache

    monkeypatch.setattr(listcache, "RANGE", 4)  # parts of 4 pages, ranges of 4 pages: one range per part
    pages = etree.fromstring(client.get("/sitemap.xml").data).findall("s:sitemap/s:loc", NS)
    count = len(pages)
    for number in range(1, count + 1):
        assert client.get(f"/sitemap.xml?part={number}").status_code == 200
    stored = seeded_config.data_dir / "cache" / "lists"  # type: ignore[attr-defined]

    def mark_all() -> None:
        for path in stored.glob("sitemap.*"):
            path.write_bytes(path.read_bytes().replace(b"<urlset", b"<urlset data-stored='1'", 1))

    def served_from_store() -> list[int]:
        return [number for number in range(1, count + 1)
                if b"data-stored" in client.get(f"/sitemap.xml?part={number}").data]

    mark_all()
    assert served_from_store() == list(range(1, count + 1))
    order = PageStore(seeded_config.data_dir).list_pages()  # type: ignore[attr-defined]
    client.save(order[5], "changed")  # the second part's
    assert served_from_store() == [number for number in range(1, count + 1) if number != 2]
    mark_all()
    client.save("Zz New Last Page", "new")  # a new page: the set changed, every part is made again
    assert served_from_store() == []


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


def full_recount(site: object) -> tuple[list[str], list[tuple[str, int]]]:
    """The orphaned and wanted pages worked out from the whole link table, as before they were kept."""
    linked = site.links.linked_targets()  # type: ignore[attr-defined]
    pages = site.store.list_pages()  # type: ignore[attr-defined]
    orphans = sorted((name for name in pages if name not in linked), key=lambda n: (n.casefold(), n))
    wanted = sorted(((target, len(sources)) for target, sources in linked.items()
                     if not site.store.exists(target)), key=lambda item: (-item[1], item[0].casefold(), item[0]))  # type: ignore[attr-defined]
    return orphans, wanted


def test_orphaned_and_wanted_lists_stay_true_through_every_kind_of_change(seeded_config: object,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept incrementally (never recomputed), they equal a full recount after each of 120 random
    saves, creations, deletions and renames: in the process making them, in another one that
    read the lists before they began (it catches up from the lists' log), and in fresh ones
    (they start from the latest snapshot, left every few changes here)."""
    import random

    from wiki import links
    from wiki.acl import SYSTEM
    from wiki.errors import WikiError
    from wiki.site import Site
    from wiki.storage import Author

    monkeypatch.setattr(links, "SNAPSHOT_EVERY", 300)  # bytes of log: a snapshot every few changes
    site = Site(seeded_config)  # type: ignore[arg-type]
    other = Site(seeded_config)  # type: ignore[arg-type]
    other.links.orphans()
    author = Author(address="192.0.2.7")
    snapshots = set()
    rng = random.Random(15)
    pool = [f"Page {letter}" for letter in "ABCDEFGHIJ"]
    for step in range(120):
        name = rng.choice(pool)
        revision = site.store.current_revision(name)
        exists = site.store.exists(name)
        action = rng.random()
        try:
            if exists and action < 0.15:
                site.delete(None, name, base_revision=revision, author=author, reader=SYSTEM)
            elif exists and action < 0.25:
                site.rename(None, name, rng.choice(pool), base_revision=revision, author=author, reader=SYSTEM)
            else:
                text = " ".join(f"[[{target}]]" for target in rng.sample(pool, rng.randrange(4)))
                site.save(None, name, text or "no links", base_revision=revision, author=author, reader=SYSTEM)
        except WikiError:
            continue  # a rename onto a page that exists: refused, nothing changed
        assert (site.links.orphans(), site.links.wanted()) == full_recount(site), step
        assert (other.links.orphans(), other.links.wanted()) == full_recount(site), step
        fresh = Site(seeded_config).links  # type: ignore[arg-type]
        assert (fresh.orphans(), fresh.wanted()) == full_recount(site), step
        assert fresh._copy is not None and fresh._copy.snapshot_offset >= 0  # started from a snapshot
        snapshots.add(fresh._copy.snapshot_offset)
    assert other.links._copy is not None and other.links._copy.offset > 0  # caught up, not read again
    assert len(snapshots) > 5  # taken again and again as the log grew


def test_a_fresh_process_reads_the_lists_snapshot_not_the_markers(client: WikiClient, seeded_config: object) -> None:
    import shutil

    from wiki.links import LISTS_SNAPSHOT
    from wiki.site import Site

    for number in range(3):
        client.save(f"Wanting{number}", "[[Nowhere]] [[Elsewhere]]")
    site = Site(seeded_config)  # type: ignore[arg-type]
    expected = site.links.orphans(), site.links.wanted()
    assert ("Nowhere", 3) in expected[1] and "Wanting0" in expected[0]
    links_dir = site.links.directory
    for folder in ("orphans", "wanted"):
        shutil.move(links_dir / folder, links_dir / f"{folder}.away")
        (links_dir / folder).mkdir()
    fresh = Site(seeded_config).links  # type: ignore[arg-type]
    assert (fresh.orphans(), fresh.wanted()) == expected  # no marker was there to read
    (links_dir / LISTS_SNAPSHOT).write_bytes(b"flatwiki-lists 1\tdamaged")
    for folder in ("orphans", "wanted"):
        shutil.rmtree(links_dir / folder)
        shutil.move(links_dir / f"{folder}.away", links_dir / folder)
    fresh = Site(seeded_config).links  # type: ignore[arg-type]
    assert (fresh.orphans(), fresh.wanted()) == expected  # read from the markers again
    assert (links_dir / LISTS_SNAPSHOT).read_bytes().startswith(b"flatwiki-lists 1\t")
    assert Site(seeded_config).links._read_snapshot(  # type: ignore[arg-type]
        os.stat(links_dir / "lists-log").st_ino, os.path.getsize(links_dir / "lists-log")) is not None


def test_a_table_of_the_older_layout_gets_its_lists_on_first_use(client: WikiClient, seeded_config: object) -> None:
    import shutil

    from wiki.site import Site

    client.save("Lonely", "I want [[Dream Page]]")
    links = seeded_config.data_dir / "links"  # type: ignore[attr-defined]
    for part in ("orphans", "wanted"):
        shutil.rmtree(links / part)
    (links / "lists-ready").unlink(missing_ok=True)
    assert not (links / "orphans").exists()
    site = Site(seeded_config)  # type: ignore[arg-type]
    assert (site.links.orphans(), site.links.wanted()) == full_recount(site)
    assert "Lonely" in site.links.orphans() and ("Dream Page", 1) in site.links.wanted()


def test_pages_a_reader_may_not_read_neither_link_nor_count(client: WikiClient, store: PageStore,
                                                          author: object) -> None:
    """A link from a hidden page is not shown to exist; a hidden page looks missing."""
    store.save("Secret", "#acl All:\n[[Only From Secret]] [[Wished For]]", base_revision=0, author=author)  # type: ignore[arg-type]
    store.save("Only From Secret", "exists, linked only from Secret", base_revision=0, author=author)  # type: ignore[arg-type]
    store.save("Open", "[[Secret]] [[Also Wished]]", base_revision=0, author=author)  # type: ignore[arg-type]
    from wiki.cli import main as wiki_main

    assert wiki_main(["reindex", "--data-dir", str(store.root)]) == 0
    orphans = client.get("/+orphans").get_data(as_text=True)
    assert ">Only From Secret<" in orphans and ">Secret<" not in orphans
    wanted = client.get("/+wanted").get_data(as_text=True)
    assert "Also Wished" in wanted and "Wished For" not in wanted  # wanted only by a page they may not read
    assert "/+edit/Secret" in wanted  # a page they may not read looks missing, as its link does
