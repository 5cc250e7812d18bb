"""A missing, outdated or damaged search index is built in slices by the requests themselves:
no request waits for a whole build, and searches meanwhile answer from the part built so far
and say how far along it is."""
from __future__ import annotations

import shutil

import pytest

from tests.conftest import WikiClient
from wiki import search
from wiki.app import create_app
from wiki.config import Config
from wiki.search import SearchIndex
from wiki.storage import Author, PageStore

AUTHOR = Author(address="192.0.2.9")
PAGES = 240


@pytest.fixture
def big(store: PageStore, monkeypatch: pytest.MonkeyPatch) -> SearchIndex:
    """240 pages, each with the word 'zebra', and slices small enough to need many requests."""
    for number in range(PAGES):
        store.save(f"Stripe {number:03d}", f"zebra number {number} walks", base_revision=0, author=AUTHOR)
    monkeypatch.setattr(search, "BUILD_SLICE_SECONDS", 0.01)
    return SearchIndex(store.root / "index", store)


def test_searches_answer_from_the_part_built_and_say_how_far_it_is(big: SearchIndex) -> None:
    seen: list[tuple[int, int]] = []
    while True:
        results = big.search("zebra")
        if results.building is None:
            break
        done, total = results.building
        assert total == PAGES and 0 <= done < PAGES
        assert results.total == done  # every page taken so far is found, and no other
        seen.append(results.building)
        assert len(seen) < PAGES, "the build does not advance"
    assert len(seen) >= 3  # it took several requests: none did the whole build
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert results.total == PAGES
    assert not big.building.exists()


def test_changes_saved_during_a_build_are_in_the_finished_index(big: SearchIndex, store: PageStore) -> None:
    results = big.search("zebra")
    assert results.building is not None
    store.save("Stripe 000", "an okapi now", base_revision=1, author=AUTHOR)
    store.save("Late Arrival", "a zebra arrived late", base_revision=0, author=AUTHOR)
    while big.search("zebra").building is not None:
        big.catch_up()  # saves drive the build too
    assert big.search("okapi").total == 1
    assert big.search("zebra").total == PAGES  # one page lost the word, one gained it


def test_a_killed_slice_is_redone(big: SearchIndex) -> None:
    big.search("zebra")
    big.search("zebra")
    done = int((big.building / search.BUILD_DONE_FILE).read_text())
    (big.building / search.BUILD_DONE_FILE).write_text("0\n")  # killed after committing, before counting
    while big.search("zebra").building is not None:
        pass
    assert big.search("zebra").total == PAGES and done > 0  # nothing twice, nothing missing


def test_a_damaged_index_is_built_again_in_slices(big: SearchIndex) -> None:
    while big.search("zebra").building is not None:
        pass
    for segment in big.directory.glob("*.seg"):
        segment.write_bytes(b"\0" * segment.stat().st_size)
    results = big.search("zebra")
    assert results.building is not None and results.building[1] == PAGES
    while big.search("zebra").building is not None:
        pass
    assert big.search("zebra").total == PAGES


def test_the_results_page_says_the_index_is_being_built(seeded_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    store = PageStore(seeded_config.data_dir)
    for number in range(PAGES):
        store.save(f"Stripe {number:03d}", f"zebra number {number}", base_revision=0, author=AUTHOR)
    shutil.rmtree(seeded_config.data_dir / "index", ignore_errors=True)
    monkeypatch.setattr(search, "BUILD_SLICE_SECONDS", 0.01)
    client = WikiClient(create_app(seeded_config))
    html = client.get("/+search?q=zebra&fulltext=1").get_data(as_text=True)
    assert "The search index is being built:" in html and f"of {PAGES + len(list(store.list_pages())) - PAGES} pages" in html
    for _ in range(PAGES):
        html = client.get("/+search?q=zebra&fulltext=1").get_data(as_text=True)
        if "being built" not in html:
            break
    assert "being built" not in html and f"{PAGES} pages found" in html
