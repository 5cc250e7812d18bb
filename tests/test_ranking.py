"""Ranking with field lengths held in memory scores exactly as Whoosh's BM25F does."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh import scoring

from wiki import ranking
from wiki.search import SearchIndex
from wiki.storage import Author, PageStore


@pytest.fixture
def index(store: PageStore) -> SearchIndex:
    author = Author(address="192.0.2.9")
    for i in range(30):
        # Pages of very different lengths, so that length normalisation changes the order.
        store.save(f"Page{i}", "garden " * (i % 7 + 1) + "filler words here " * (i * 3), base_revision=0, author=author)
    index = SearchIndex(store.root / "index", store)
    index.search("warm up")  # builds the index
    return index


@pytest.fixture
def opened(index: SearchIndex) -> Iterator[Any]:
    opened = whoosh_index.open_dir(str(index.directory))
    yield opened
    opened.close()


def scores(index: SearchIndex, searcher: Any, text: str) -> list[tuple[str, float]]:
    parsed, _ = index.parse(text)
    return [(hit["name"], round(hit.score, 9)) for hit in searcher.search(parsed, limit=None)]


def test_loaded_lengths_score_as_whoosh_does(index: SearchIndex, opened: Any) -> None:
    lengths = ranking.SegmentLengths()
    with opened.searcher(weighting=scoring.BM25F()) as plain, opened.searcher(weighting=ranking.BM25F(lengths)) as fast:
        reader = fast.reader()
        for field, word in (("title", "page"), ("content", "garden")):  # words on every page: loaded at once
            assert lengths.lengths(reader, field, word) is not None
        expected = scores(index, plain, "garden OR filler OR page*")
        assert len(expected) == 30 and len({score for _, score in expected}) > 10
        assert scores(index, fast, "garden OR filler OR page*") == expected


def test_lengths_load_only_once_a_segment_was_asked_for_as_many_as_it_holds(opened: Any) -> None:
    lengths = ranking.SegmentLengths()
    with opened.searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_frequency("content", "word") == 29  # not Page0
        assert lengths.lengths(reader, "content", "word") is None
        loaded = lengths.lengths(reader, "content", "word")
        assert loaded is not None
        assert list(loaded) == [reader.doc_field_length(n, "content", 1) for n in range(30)]
        segment = reader.segment().segment_id()
        lengths.keep_only([segment])
        assert lengths.lengths(reader, "content", "nowhere") is loaded
        lengths.keep_only(["merged-away"])
        assert lengths.lengths(reader, "content", "nowhere") is None
