"""How results are ranked: Whoosh's BM25F, made cheaper per matching page.

BM25F divides by the length of the field in every matching page. Whoosh reads that
length from the segment file for each match, which was a third of the time of a
search for a common word. A long-running process keeps the lengths as an array
instead; segments never change once written (deletions only hide pages), so the
array stays right for as long as the segment exists.

Most searches are a word, a prefix or a few words: terms joined by OR, and such
unions joined by AND. For those, adding up each term's scores page by page cost half
of what Whoosh's matcher tree and collector do, and reading the postings a block at a
time halved that again (measured at 100,000 pages), with the same scores and order
(see `rank_groups`; tests/test_ranking.py compares them with Whoosh's). This reads a
few of Whoosh's internals (the block arrays of its postings and its lengths column),
each with a fallback to the public way if they are not what is expected.
"""
from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

Key = tuple[str, str]  # (segment id, field name)
LOAD_AT = 8  # a segment's lengths are loaded once 1/LOAD_AT of its pages' were asked for
_LENGTH_OF_BYTE = [(byte_to_length(byte) if byte else 0) or 1 for byte in range(256)]


class SegmentLengths:
    """Field lengths per segment, loaded once a segment has been asked for an eighth as many
    lengths as it holds pages: loading (one read of a byte per page) costs about what that
    many single reads do, so a CGI process answering one search never pays for a load it
    cannot use up."""

    def __init__(self) -> None:
        self._loaded: dict[Key, array[int]] = {}
        self._wanted: Counter[Key] = Counter()

    def lengths(self, reader: Any, fieldname: str, text: Any) -> array[int] | None:
        """The loaded lengths for `reader`'s segment, counting the pages matching `text` as wanted."""
        segment = reader.segment()
        if segment is None:  # not a single segment's reader
            return None
        key = (segment.segment_id(), fieldname)
        loaded = self._loaded.get(key)
        if loaded is None:
            self._wanted[key] += reader.doc_frequency(fieldname, text)
            if self._wanted[key] >= reader.doc_count_all() // LOAD_AT:
                loaded = self._loaded[key] = _all_lengths(reader, fieldname)
        return loaded

    def keep_only_segments_of(self, searcher: Any) -> None:
        """Forget the segments that `searcher` no longer has (merged away)."""
        keep = {segment.segment_id() for reader, _ in searcher.reader().leaf_readers()
                if (segment := reader.segment()) is not None}  # an empty index has a reader without one
        for table in (self._loaded, self._wanted):
            for key in list(table):  # a copy: other threads' searches may add keys meanwhile
                if key[0] not in keep:
                    table.pop(key, None)


def _all_lengths(reader: Any, fieldname: str) -> array[int]:
    """Every page's length of the field in one segment, as `doc_field_length(n, field, 1) or 1`
    gives them: read as the one byte per page Whoosh's lengths column holds (at 100,000 pages
    asking page by page took 0.3 s, on the first searches of every process)."""
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)  # noqa: SLF001
        if type(column) is not NumericColumn.Reader or column._fixedlen != 1:  # noqa: SLF001
            raise TypeError(column)
        raw = column._dbfile.get(column._basepos, column._count)  # noqa: SLF001
        lengths = array("I", [_LENGTH_OF_BYTE[byte] for byte in raw])
        lengths.extend([1] * (reader.doc_count_all() - len(lengths)))  # pages without the field
        return lengths
    except (AttributeError, TypeError):  # another codec: ask page by page
        return array("I", (reader.doc_field_length(docnum, fieldname, 1) or 1
                           for docnum in range(reader.doc_count_all())))


class BM25F(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F scores, reading field lengths from a SegmentLengths once it has them."""

    def __init__(self, lengths: SegmentLengths) -> None:
        super().__init__()
        self.segment_lengths = lengths

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            reader = searcher.reader()
            loaded = self.segment_lengths.lengths(reader, fieldname, text)
            if loaded is not None:
                scorer.dfl = loaded.__getitem__
                scorer.loaded_lengths = loaded  # for rank_groups' block-at-a-time reading
        return scorer


def union_terms(node: Any, boost: float = 1.0) -> list[tuple[str, Any, float]] | None:
    """The (field, term, boost) of a query made only of terms joined by OR, else None."""
    if isinstance(node, query.Term):
        return [(node.fieldname, node.text, boost * node.boost)]
    if node is query.NullQuery:
        return []
    if type(node) is query.Or and not node.scale and not node.minmatch:
        terms: list[tuple[str, Any, float]] = []
        for child in node.subqueries:
            found = union_terms(child, boost * node.boost)
            if found is None:
                return None
            terms.extend(found)
        return terms
    return None


def query_groups(node: Any, boost: float = 1.0) -> list[list[tuple[str, Any, float]]] | None:
    """A query of terms joined by OR (one group), or of such unions joined by AND (one group each:
    a page matches when it matches a term of every group), as groups of (field, term, boost);
    None for any other query (Whoosh runs it)."""
    terms = union_terms(node, boost)
    if terms is not None:
        return [terms]
    if type(node) is query.And:
        groups: list[list[tuple[str, Any, float]]] = []
        for child in node.subqueries:
            found = query_groups(child, boost * node.boost)
            if found is None or not all(found):  # (an empty group: left to Whoosh's own rules)
                return None
            groups.extend(found)
        return groups if len(groups) < 255 else None
    return None


def rank_groups(searcher: Any, groups: list[list[tuple[str, Any, float]]], count: int,
                hidden: frozenset[int] = frozenset()) -> tuple[int, list[tuple[int, float]]]:
    """How many pages match a term of every group, and the best `count` of them: (document
    number, score). Scores and ties are Whoosh's: each term's BM25F score (its postings skip
    deleted pages) times its boost, summed per page; equal scores in document order.
    """
    # Scores in one array over every document and the matches in another: a dict of 30,000
    # scores (a common word at 100,000 pages) took 13 MB at its peak, and left the process that
    # much bigger for good; two flat blocks are handed back whole.
    scores = array("d", bytes(8 * searcher.doc_count_all()))
    groups_met = bytearray(len(scores))  # per document: how many groups, in order, it has matched
    matched = array("q")
    for group_number, group in enumerate(groups, 1):
        for subsearcher, offset in searcher.leaf_searchers():
            reader = subsearcher.reader()
            for fieldname, text, boost in group:
                try:
                    btext = searcher.schema[fieldname].to_bytes(text)
                except (KeyError, ValueError):  # as Whoosh's Term: no such field, or not a value of it
                    continue
                if (fieldname, btext) not in reader:
                    continue
                for docnum, score in _scored_postings(subsearcher.postings(fieldname, btext), offset):
                    if groups_met[docnum] == group_number - 1:
                        groups_met[docnum] = group_number
                        if group_number == 1:
                            matched.append(docnum)
                    scores[docnum] += score * boost
    every = len(groups)
    shown = [docnum for docnum in matched if groups_met[docnum] == every and docnum not in hidden]
    best = heapq.nlargest(count, shown, key=lambda docnum: (scores[docnum], -docnum))
    return len(shown), [(docnum, scores[docnum]) for docnum in best]


def _scored_postings(postings: Any, offset: int) -> Iterator[tuple[int, float]]:
    """(document number, BM25F score) of each posting. A term's postings on disk with field
    lengths loaded (see BM25F) are read a block at a time and scored by the same arithmetic as
    Whoosh's `bm25`, instead of through four method calls per posting."""
    deleted: frozenset[int] = frozenset()
    leaf = postings
    if type(leaf) is FilterMatcher and leaf._exclude and leaf.boost == 1.0:  # noqa: SLF001
        deleted, leaf = frozenset(leaf._ids), leaf.child  # noqa: SLF001 (the segment's deleted pages)
    scorer: Any = getattr(leaf, "scorer", None)
    lengths = getattr(scorer, "loaded_lengths", None)
    if type(leaf) is not W3LeafMatcher or type(scorer) is not scoring.BM25FScorer or lengths is None:
        score = postings.score
        while postings.is_active():
            yield offset + postings.id(), score()
            postings.next()
        return
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    k1_plus_1, one_minus_b = k1 + 1, 1 - b  # as bm25() works them out, so the sums come out the same
    leaf.reset()
    while leaf.is_active():
        leaf._read_ids()  # noqa: SLF001
        leaf._read_weights()  # noqa: SLF001
        for docid, tf in zip(leaf._ids, leaf._weights, strict=True):  # noqa: SLF001
            if docid not in deleted:
                yield offset + docid, idf * ((tf * k1_plus_1) / (tf + k1 * (one_minus_b + b * lengths[docid] / avgfl)))
        leaf._next_block()  # noqa: SLF001
