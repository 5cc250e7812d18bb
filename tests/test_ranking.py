"""Ranking with field lengths held in memory scores exactly as Whoosh's BM25F does."""
from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh import query, scoring

from wiki import ranking
from wiki.search import SearchIndex, make_schema
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


def test_lengths_load_only_once_a_segment_was_asked_for_an_eighth_as_many_as_it_holds(opened: Any,
                                                                                      tmp_path: Path) -> None:
    lengths = ranking.SegmentLengths()
    with opened.searcher() as searcher:
        reader = searcher.reader()
        assert reader.doc_frequency("title", "17") == 1
        assert lengths.lengths(reader, "title", "17") is None
        assert lengths.lengths(reader, "title", "17") is None
        assert lengths.lengths(reader, "title", "17") is not None  # 3 of 30 asked for
        assert reader.doc_frequency("content", "word") == 29  # not Page0
        loaded = lengths.lengths(reader, "content", "word")
        assert loaded is not None
        assert [ranking.length_of(loaded, n) for n in range(30)] == [reader.doc_field_length(n, "content", 1) for n in range(30)]  # read whole, same
        assert len({*loaded}) > 5
        lengths.keep_only_segments_of(searcher)
        assert lengths.lengths(reader, "content", "nowhere") is loaded
        (tmp_path / "empty").mkdir()
        with whoosh_index.create_in(str(tmp_path / "empty"), make_schema()).searcher() as other:  # no segments
            lengths.keep_only_segments_of(other)
        assert lengths.lengths(reader, "content", "nowhere") is None  # its segment was forgotten


def test_unions_are_counted_and_ordered_as_whoosh_does(index: SearchIndex) -> None:
    author = Author(address="192.0.2.9")
    for i in range(0, 30, 3):  # edits leave deleted documents behind, in a second segment
        index.store.save(f"Page{i}", "garden filler " * i, base_revision=1, author=author)
    for twin in ("Twin", "Twain"):  # equal scores: Whoosh lists them in document order
        index.store.save(twin, "garden word", base_revision=0, author=author)
    for number, text in enumerate(("one of the garden words", "of the garden, of the words, of the filler")):
        index.store.save(f"Common{number}", text, base_revision=0, author=author)  # pairs of common words
    index.store.save("Dense", "filler " * 40 + "seldom filler", base_revision=0, author=author)
    index.search("catch up")
    opened = whoosh_index.open_dir(str(index.directory))
    assert len(opened._segments()) > 1 and opened.doc_count_all() > opened.doc_count()  # noqa: SLF001
    queries = [
        query.Or([query.Term("content", "garden"), query.Term("title", "page3")]),
        query.Or([query.Term("content", "filler"), query.Or([query.Term("content", "word"), query.Term("title", "page")],
                                                             boost=2.0)]),
        query.Or([query.Term("content", "garden"), query.Term("content", "word")]),
        query.Term("content", "nowhere"),
        query.Or([query.Term("title", "twin"), query.Term("content", "word", boost=2.0), query.Term("title", "twain")]),
        query.Or([query.Term("title", "twain"), query.Term("title", "twin"), query.Term("title", "page3")]),  # few
        query.Or([query.Term("title", "0"), query.Term("pairs", "of_the")]),  # few; Common0 has both
        query.Or([query.Term("revision", "not a number"), query.Term("no_such_field", "x"), query.Term("content", "word")]),
    ]
    queries += [  # unions joined by AND
        query.And([query.Or([query.Term("content", "garden"), query.Term("title", "page3")]),
                   query.Or([query.Term("content", "filler"), query.Term("content", "word")])]),
        query.And([query.Term("content", "garden"), query.Term("content", "word")], boost=1.5),
        query.And([query.Term("content", "garden"), query.Term("content", "nowhere")]),
        query.Or([query.Term("pairs", "of_the"), query.Term("content", "filler")]),  # a field without lengths
        query.And([query.Term("content", "garden"), query.Term("content", "filler"), query.Term("content", "word"),
                   query.Term("title", "twin", boost=3.0)]),  # Twin has all but filler
        query.And([query.Term("content", "garden"), query.Term("content", "filler"), query.Term("content", "word")]),
        query.And([query.Term("title", "twin", boost=0.0), query.Term("content", "garden")]),  # rarest first, scored 0
    ]
    queries += [  # a word many times on a page, beside a rare one: its positions searched for one by one
        query.Phrase("words", ["seldom", "filler"]),
        query.Phrase("words", ["filler", "seldom"]),
        query.Phrase("words", ["filler", "seldom", "seldom"]),
        query.Or([query.Phrase("words", ["seldom", "filler"]), query.Term("content", "garden")]),  # on every page
    ]
    queries += [  # phrases: words side by side, in order (positions compared as sets, not by Whoosh)
        query.Or([query.Phrase("title", ["page", "3"]), query.Phrase("words", ["filler", "words"])]),
        query.Phrase("words", ["words", "here", "filler"]),  # across the repeats of "filler words here"
        query.Phrase("words", ["garden", "garden"]),  # a word twice: only where it is written twice
        query.Phrase("words", ["garden", "garden", "garden", "filler"]),
        query.Phrase("words", ["here", "words"]),  # both words on the page, never in this order
        query.Phrase("words", ["word", "filler"]),  # never on one page
        query.Phrase("words", ["garden", "nowhere"]),
        query.And([query.Term("content", "garden"), query.Phrase("words", ["filler", "words"], boost=2.0)]),
    ]
    ties, totals = 0, {}
    lengths = ranking.SegmentLengths()
    with opened.searcher(weighting=ranking.BM25F(lengths)) as searcher:
        for _round in ("lengths read one by one", "lengths loaded: postings read a block at a time"):
            for asked in queries:
                whoosh_says = searcher.search(asked, limit=None, optimize=False)
                groups = ranking.query_groups(asked)
                assert groups is not None
                total, best = ranking.rank_groups(searcher, groups, 1000)
                totals[repr(asked)] = total
                assert total == len(whoosh_says)
                assert [(docnum, round(score, 9)) for docnum, score in best] == [(hit.docnum, round(hit.score, 9))
                                                                                 for hit in whoosh_says]
                ties += len(best) - len({round(score, 9) for _, score in best})
        assert lengths._loaded  # noqa: SLF001 (the second round took the block-at-a-time way)
    assert ties  # equal scores were there to be ordered
    phrases = [totals[repr(asked)] for asked in queries[-8:]]
    assert all(phrases[:4]) and phrases[4:7] == [0, 0, 0] and phrases[7], phrases  # found, and not found
    opened.close()


def test_only_plain_unions_take_the_short_way() -> None:
    assert ranking.union_terms(query.And([query.Term("content", "a"), query.Term("content", "b")])) is None
    assert ranking.query_groups(query.And([query.Term("content", "a"), query.Term("content", "b")])) == [
        [("content", "a", 1.0)], [("content", "b", 1.0)]]
    assert ranking.query_groups(query.And([query.Term("content", "a"), query.Phrase("words", ["b", "c"], slop=2)])) is None
    assert ranking.query_groups(query.AndNot(query.Term("content", "a"), query.Term("content", "b"))) is None
    assert ranking.union_terms(query.Or([query.Term("content", "a"), query.Not(query.Term("content", "b"))])) is None
    assert ranking.union_terms(query.Or([query.Term("content", "a"), query.Phrase("words", ["b", "c"])])) == [
        ("content", "a", 1.0), ("words", ("b", "c"), 1.0)]
    assert ranking.union_terms(query.Or([query.Term("content", "a"), query.Phrase("words", ["b"])])) is None
    assert ranking.union_terms(query.Or([query.Term("content", "a")], boost=3.0)) == [("content", "a", 3.0)]


@pytest.mark.parametrize("chunk", [ranking.TABLE_CHUNK, 40, 4])  # 4: shorter than any entry
def test_a_prefix_s_terms_are_counted_as_whoosh_counts_them(index: SearchIndex, monkeypatch: pytest.MonkeyPatch,
                                                            chunk: int) -> None:
    author = Author(address="192.0.2.9")
    for i in range(0, 30, 4):  # a second segment, with deleted documents
        index.store.save(f"Page{i}", f"gardening gardener garden{i} filler", base_revision=1, author=author)
    index.search("catch up")
    monkeypatch.setattr(ranking, "TABLE_CHUNK", chunk)
    opened = whoosh_index.open_dir(str(index.directory))
    with opened.searcher() as searcher:
        reader = searcher.reader()
        assert len(list(reader.leaf_readers())) > 1
        for fieldname, prefix in (("content", "gard"), ("content", "fill"), ("title", "page"), ("content", "zz"),
                                  ("words", "g"), ("pairs", "of")):
            expected = {text: reader.doc_frequency(fieldname, text)
                        for _, text in query.Prefix(fieldname, prefix).expanded_terms(reader)}
            assert ranking.prefix_frequencies(reader, fieldname, prefix.encode()) == expected
            if fieldname == "content" and prefix == "gard":
                assert len(expected) > 8 and len(set(expected.values())) > 1
    opened.close()


def test_a_damaged_term_table_is_refused_rather_than_read_for_ever() -> None:
    import struct

    class Table:  # a term table's file: one good entry, then one whose key length is negative
        data = struct.pack("!ii", 3, 2) + b"\x00\x01a" + b"xy" + struct.pack("!ii", -8, 0) + b"rest of file"
        endofdata = len(data)

        class dbfile:  # noqa: N801 (as OrderedHashReader names it)
            @staticmethod
            def get(position: int, length: int) -> bytes:
                return Table.data[position:position + length]

    entries = ranking._table_entries(Table(), 0)  # type: ignore[arg-type]
    assert next(entries) == (b"\x00\x01a", b"xy")
    with pytest.raises(ValueError, match="damaged term table"):
        list(entries)


def test_the_best_scores_are_found_in_the_array_s_bytes_ties_in_page_order() -> None:
    rng = random.Random(7)
    one = array("d", [1.0]).tobytes()
    # Two neighbouring numbers whose bytes hold 1.0's eight across their boundary: not a page of 1.0.
    straddling = array("d")
    straddling.frombytes(b"\x01\x00\x00\x00" + one[:4] + one[4:] + b"\x02\x00\x00\x00")
    for _round in range(200):
        scores = array("d", (rng.choice([0.0, 0.0, 0.5, 1.0, 1.0, 2.0, rng.random()]) for _ in range(rng.randrange(1, 60))))
        at = rng.randrange(len(scores))
        scores[at:at + 2] = straddling
        positive = sum(1 for score in scores if score > 0)
        for count in (0, 1, 3, 20, positive):
            expected = sorted(((docnum, score) for docnum, score in enumerate(scores) if score > 0),
                              key=lambda pair: (-pair[1], pair[0]))[:min(count, positive)]
            assert ranking._best_scores(scores, scores.tobytes(), min(count, positive)) == expected  # noqa: SLF001


def test_scores_above_zero_are_counted_by_the_zero_bytes_between_them() -> None:
    rng = random.Random(5)
    # Numbers whose lower bytes are all 0 (1.0 is 00 00 00 00 00 00 f0 3f), beside 0s either side.
    values = [0.0, 1.0, 2.0, 0.5, 1e-300, 3.0e8, rng.random()]
    for _round in range(500):
        scores = array("d", (rng.choice(values) for _ in range(rng.randrange(0, 40))))
        assert ranking._pages_above_zero(scores.tobytes()) == sum(1 for score in scores if score)  # noqa: SLF001
