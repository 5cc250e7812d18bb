"""How results are ranked: Whoosh's BM25F, made cheaper per matching page.

BM25F divides by the length of the field in every matching page. Whoosh reads that
length from the segment file for each match, which was a third of the time of a
search for a common word. A long-running process keeps the lengths as an array
instead; segments never change once written (deletions only hide pages), so the
array stays right for as long as the segment exists.

Most searches are one word or a prefix: terms joined by OR. For those, adding up
each term's scores page by page costs half of what Whoosh's matcher tree and
collector do, with the same scores and order (see `rank_union`).
"""
from __future__ import annotations

import heapq
from array import array
from collections import Counter
from typing import Any

from whoosh import query, scoring

Key = tuple[str, str]  # (segment id, field name)


class SegmentLengths:
    """Field lengths per segment, loaded once a segment has been asked for as many lengths
    as it holds pages: loading costs about what that many single reads do, so a CGI
    process answering one search never pays for a load it cannot use up."""

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
            if self._wanted[key] >= reader.doc_count_all():
                loaded = self._loaded[key] = array(
                    "I", (reader.doc_field_length(docnum, fieldname, 1) or 1 for docnum in range(reader.doc_count_all())))
        return loaded

    def keep_only_segments_of(self, searcher: Any) -> None:
        """Forget the segments that `searcher` no longer has (merged away)."""
        keep = {segment.segment_id() for reader, _ in searcher.reader().leaf_readers()
                if (segment := reader.segment()) is not None}  # an empty index has a reader without one
        for table in (self._loaded, self._wanted):
            for key in list(table):  # a copy: other threads' searches may add keys meanwhile
                if key[0] not in keep:
                    table.pop(key, None)


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


def rank_union(searcher: Any, terms: list[tuple[str, Any, float]], count: int,
               hidden: frozenset[int] = frozenset()) -> tuple[int, list[tuple[int, float]]]:
    """How many pages match any of the terms, and the best `count` of them: (document number, score).

    Scores and ties are Whoosh's: each term's BM25F score (its postings skip deleted
    pages) times its boost, summed per page; equal scores in document order.
    """
    # Scores in one array over every document and the matches in another: a dict of 30,000
    # scores (a common word at 100,000 pages) took 13 MB at its peak, and left the process that
    # much bigger for good; two flat blocks are handed back whole.
    scores = array("d", bytes(8 * searcher.doc_count_all()))
    seen = bytearray(len(scores))
    matched = array("q")
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        for fieldname, text, boost in terms:
            try:
                btext = searcher.schema[fieldname].to_bytes(text)
            except (KeyError, ValueError):  # as Whoosh's Term: no such field, or not a value of it
                continue
            if (fieldname, btext) not in reader:
                continue
            postings = subsearcher.postings(fieldname, btext)
            score = postings.score
            while postings.is_active():
                docnum = offset + postings.id()
                if not seen[docnum]:
                    seen[docnum] = 1
                    matched.append(docnum)
                scores[docnum] += score() * boost
                postings.next()
    shown = [docnum for docnum in matched if docnum not in hidden] if hidden else matched  # pages this reader may read
    best = heapq.nlargest(count, shown, key=lambda docnum: (scores[docnum], -docnum))
    return len(shown), [(docnum, scores[docnum]) for docnum in best]
