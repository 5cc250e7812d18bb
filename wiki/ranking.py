"""How results are ranked: Whoosh's BM25F, with each index segment's field lengths in memory.

BM25F divides by the length of the field in every matching page. Whoosh reads that
length from the segment file for each match, which was a third of the time of a
search for a common word. A long-running process keeps the lengths as an array
instead; segments never change once written (deletions only hide pages), so the
array stays right for as long as the segment exists.
"""
from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from typing import Any

from whoosh import scoring

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

    def keep_only(self, segment_ids: Iterable[str]) -> None:
        """Forget the segments merged away (called when a new searcher opens)."""
        keep = set(segment_ids)
        for table in (self._loaded, self._wanted):
            for key in [key for key in table if key[0] not in keep]:
                del table[key]


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
