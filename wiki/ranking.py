"""How results are ranked: Whoosh's BM25F, made cheaper per matching page.

BM25F divides by the length of the field in every matching page. Whoosh reads that
length from the segment file for each match, which was a third of the time of a
search for a common word. A long-running process keeps the lengths (one byte per page,
as Whoosh stores them) instead; segments never change once written (deletions only
hide pages), so they stay right for as long as the segment exists.

Most searches are a word, a prefix, a few words or a phrase: terms (or phrases) joined
by OR, and such unions joined by AND. For those, `rank_groups` reads each term's
postings in one piece and scores them inside map() and array methods, the rarest group
first; a phrase's word positions are compared as sets of numbers. That avoids a method
call or more per posting in Whoosh's matcher tree and collector (bench/scale.py has the
figures), with the same scores and order (tests/test_ranking.py compares them). A prefix's most frequent
words are found by reading the term tables in chunks (`prefix_frequencies`).

This reads Whoosh 2.7's file layouts (postings blocks, the lengths column, term tables
and term infos) and positions as searchlayout.PackedPositions stores them, each with a
fallback to the public way if what it finds is not what it expects; pyproject.toml keeps
Whoosh below 2.8.
"""
from __future__ import annotations

import functools
import heapq
import io
import pickle
import struct
import zlib
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, compress, filterfalse, repeat
from operator import add, le, lt, mul, not_, sub, truediv
from typing import Any, TypeAlias

from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermsReader
from whoosh.columns import NumericColumn
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

from wiki.searchlayout import PackedPositions, has_position, positions_of

Key = tuple[str, str]  # (segment id, field name)
LOAD_AT = 8  # a segment's lengths are loaded once 1/LOAD_AT of its pages' were asked for
_LENGTH_OF_BYTE = [(byte_to_length(byte) if byte else 0) or 1 for byte in range(256)]


class SegmentLengths:
    """Field lengths per segment, kept as Whoosh stores them (one byte per page, which
    `_LENGTH_OF_BYTE` turns into a length), loaded once a segment has been asked for an eighth
    as many lengths as it holds pages: loading (one read of a byte per page) costs about what
    that many single reads do, so a CGI process answering one search never pays for a load
    it cannot use up."""

    def __init__(self) -> None:
        self._loaded: dict[Key, bytes] = {}
        self._wanted: Counter[Key] = Counter()

    def lengths(self, reader: Any, fieldname: str, text: Any) -> bytes | None:
        """The loaded length bytes for `reader`'s segment, counting the pages matching `text` as wanted."""
        segment = reader.segment()
        if segment is None:  # not a single segment's reader
            return None
        key = (segment.segment_id(), fieldname)
        loaded = self._loaded.get(key)
        if loaded is None:
            self._wanted[key] += reader.doc_frequency(fieldname, text)
            if self._wanted[key] >= reader.doc_count_all() // LOAD_AT:
                loaded = self._loaded[key] = _all_length_bytes(reader, fieldname)
        return loaded

    def keep_only_segments_of(self, searcher: Any) -> None:
        """Forget the segments that `searcher` no longer has (merged away)."""
        keep = {segment.segment_id() for reader, _ in searcher.reader().leaf_readers()
                if (segment := reader.segment()) is not None}  # an empty index has a reader without one
        for table in (self._loaded, self._wanted):
            for key in list(table):  # a copy: other threads' searches may add keys meanwhile
                if key[0] not in keep:
                    table.pop(key, None)


def _all_length_bytes(reader: Any, fieldname: str) -> bytes:
    """Every page's length byte of the field in one segment (0 for a page without it): the
    lengths column read whole (at 100,000 pages asking page by page took 0.3 s, on the first
    searches of every process)."""
    pages = reader.doc_count_all()
    try:
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)  # noqa: SLF001
        if type(column) is not NumericColumn.Reader or column._fixedlen != 1:  # noqa: SLF001
            raise TypeError(column)
        raw: bytes = column._dbfile.get(column._basepos, column._count)  # noqa: SLF001
        return raw[:pages].ljust(pages, b"\0")  # pages after the last with the field have none
    except (AttributeError, TypeError):  # another codec: ask page by page
        return bytes(length_to_byte(reader.doc_field_length(docnum, fieldname, 0)) for docnum in range(pages))


def length_of(length_bytes: bytes, docnum: int) -> int:
    """A page's field length as `doc_field_length(docnum, field, 1) or 1` gives it."""
    return _LENGTH_OF_BYTE[length_bytes[docnum]]


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
                scorer.dfl = functools.partial(length_of, loaded)
                scorer.loaded_lengths = loaded  # for rank_groups' block-at-a-time reading
        return scorer


def union_terms(node: Any, boost: float = 1.0) -> list[tuple[str, Any, float]] | None:
    """The (field, term, boost) of a query made only of terms joined by OR, else None."""
    if isinstance(node, query.Term):
        return [(node.fieldname, node.text, boost * node.boost)]
    if type(node) is query.Phrase and node.slop == 1 and len(node.words) > 1:  # words side by side, in order
        return [(node.fieldname, tuple(node.words), boost * node.boost)]
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
    # Every loop over postings below runs inside map(), bytearray and array methods: a Python
    # loop doing the same took 0.5 µs a posting, 90 ms for a word on all of 100,000 pages. Pages
    # are marked in a byte per page rather than gathered in sets: a set of 100,000 numbers took
    # 7 MB at its peak, and a server kept much of that for good.
    pages = searcher.doc_count_all()
    scores = array("d", bytes(8 * pages))
    found = array("q")  # the pages the last group matched (so every group), each once, in no particular order
    deleted: set[int] = set()
    plans = sorted((_plan(searcher, group) for group in groups), key=lambda plan: plan[0])
    # The first group needs no marks when its boosts are above 0: a page it matched has a score
    # above 0 (so does Whoosh's idf, log(N / (n + 1)) + 1, and a weight), and the groups after
    # it add to no other page's (a word on 25,000 pages of 100,000 took 1.5 ms to mark). When
    # it is the only one and has many postings, its pages are counted and the best found
    # afterwards by their scores, with a few calls over the whole array (_best_scores), rather
    # than gathered as they come.
    boosts = [boost for _, _, terms in plans[0][2] for *_, boost in terms] if plans else []
    single = len(plans) == 1 and all(boost > 0 for boost in boosts)
    # (A boost below 1e-250 could make a score too small for _pages_above_zero.)
    scan = single and plans[0][1] > pages // 4 and all(boost >= 1e-250 for boost in boosts)
    matched: Marks | None = None  # the pages that matched every group so far (those with a mark above 0)
    # The rarest group first: each later one scores only the pages all before it matched, so
    # the pages the last one matches are those that match them all.
    for group_number, (_, _, segments) in enumerate(plans):
        unmarked = group_number == 0 and all(boost > 0 for boost in boosts)
        in_group = bytearray(0 if unmarked else pages)
        seen = scores.__getitem__ if unmarked else in_group.__getitem__
        last = group_number == len(plans) - 1
        for subsearcher, offset, terms in segments:
            for number, (fieldname, btext, boost) in enumerate(terms):
                fresh = group_number == 0 and number == 0
                blocks = (_phrase_blocks(subsearcher, fieldname, btext, offset, deleted, matched)
                          if isinstance(btext, tuple)
                          else _scored_blocks(subsearcher.postings(fieldname, btext), offset, deleted, matched))
                for docnums, term_scores in blocks:
                    if last and not scan:  # (a segment's first term in the group: all its pages are new)
                        found.extend(docnums if number == 0 else compress(docnums, map(not_, map(seen, docnums))))
                    if not unmarked:
                        _consume(map(in_group.__setitem__, docnums, repeat(1)))
                    if boost != 1.0:
                        term_scores = map(mul, term_scores, repeat(boost))
                    if not fresh:
                        term_scores = map(add, map(scores.__getitem__, docnums), term_scores)
                    _consume(map(scores.__setitem__, docnums, term_scores))
        matched = scores if unmarked else in_group
    excluded = deleted.union(hidden)
    if scan:
        _consume(map(scores.__setitem__, excluded, repeat(0.0)))
        whole = scores.tobytes()
        shown_count = _pages_above_zero(whole)
        return shown_count, _best_scores(scores, whole, min(count, shown_count))
    shown = array("q", filterfalse(excluded.__contains__, found)) if excluded else found
    if not shown or count <= 0:
        return len(shown), []
    lowest = heapq.nlargest(count, map(scores.__getitem__, shown))[-1]  # the score the last shown one has
    candidates = sorted(compress(shown, map(le, repeat(lowest), map(scores.__getitem__, shown))))
    ranked = sorted(candidates, key=scores.__getitem__, reverse=True)[:count]  # stable: ties in document order
    return len(shown), [(docnum, scores[docnum]) for docnum in ranked]


_ZERO = bytes(8)  # 0.0 as a float's 8 bytes


def _pages_above_zero(whole: bytes) -> int:
    """How many of the scores in `whole` (an array('d')'s bytes) are above 0, all being 0 or
    at least 1e-300: counting the 0s as runs of eight 0 bytes takes 0.1 ms at 100,000 pages,
    array.count(0.0) 2.3 ms. A run can hold no part of a number above 1e-300: the byte with
    its sign and exponent is never 0, and a run that starts inside one ends before it."""
    return len(whole) // 8 - whole.count(_ZERO)


def _best_scores(scores: array[float], whole: bytes, count: int) -> list[tuple[int, float]]:
    """The `count` pages of highest score (all of them above 0), ties in page order; `whole`
    is the array's bytes. Each step is one call over the whole array, where a pass through
    map() or compress() took 3–5 ms at 100,000 pages: a page of a given score is found by
    searching the bytes for that number's 8."""
    if count <= 0:
        return []
    best = heapq.nlargest(count, scores)
    lowest = best[-1]
    candidates = []
    for value in set(best):
        wanted = len(whole) if value > lowest else count - sum(map(lt, repeat(lowest), best))
        pattern = array("d", [value]).tobytes()
        at = whole.find(pattern)
        while at >= 0 and wanted:
            if at % 8:  # the bytes of two neighbouring numbers
                at = whole.find(pattern, at + 1)
                continue
            candidates.append(at // 8)
            wanted -= 1
            at = whole.find(pattern, at + 8)
    ranked = sorted(candidates, key=lambda docnum: (-scores[docnum], docnum))
    return [(docnum, scores[docnum]) for docnum in ranked[:count]]


Terms = list[tuple[str, Any, float]]  # (field, term or a phrase's words as bytes, boost)
Marks: TypeAlias = "bytearray | array[float]"  # per page: above 0 where it matched (a mark, or a score)


def _plan(searcher: Any, group: list[tuple[str, Any, float]]) -> tuple[int, int, list[tuple[Any, int, Terms]]]:
    """How many postings a group has in all (a phrase counted by its rarest word), how many of
    them are of terms rather than phrases (whose pages are few, however common their words),
    and its terms in each segment that has them, its commonest first (on the first group its
    pages have no score yet, so theirs is set rather than added to: adding in another order
    than Whoosh's can change a sum of three scores in its last bit, far below the 9 places the
    tests compare)."""
    postings, of_terms, segments = 0, 0, []
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        terms = []
        for fieldname, text, boost in group:
            words = text if isinstance(text, tuple) else (text,)
            try:
                field = searcher.schema[fieldname]
                bwords = tuple(field.to_bytes(word) for word in words)
            except (KeyError, ValueError):  # as Whoosh's Term: no such field, or not a value of it
                continue
            if all((fieldname, bword) in reader for bword in bwords):
                frequency = min(reader.doc_frequency(fieldname, bword) for bword in bwords)
                terms.append((frequency, fieldname, bwords if isinstance(text, tuple) else bwords[0], boost))
        terms.sort(key=lambda term: -term[0])
        postings += sum(term[0] for term in terms)
        of_terms += sum(term[0] for term in terms if not isinstance(term[2], tuple))
        segments.append((subsearcher, offset, [term[1:] for term in terms]))
    return postings, of_terms, segments


def _scored_blocks(postings: Any, offset: int, deleted: set[int],
                   keep: Marks | None = None) -> Iterator[tuple[list[int], Iterable[float]]]:
    """A term's postings, a block at a time: (document numbers, their BM25F scores), the
    segment's deleted pages left in and added to `deleted`. On disk, with the segment's field
    lengths loaded (see BM25F), a block is scored by the same arithmetic as Whoosh's `bm25`
    without a method call per posting; anything else is read through the matcher."""
    leaf = postings
    if type(leaf) is FilterMatcher and leaf._exclude and leaf.boost == 1.0:  # noqa: SLF001
        deleted.update(map(add, leaf._ids, repeat(offset)))  # noqa: SLF001 (the segment's deleted pages)
        leaf = leaf.child
    scorer: Any = getattr(leaf, "scorer", None)
    lengths: bytes = getattr(scorer, "loaded_lengths", b"")
    if type(leaf) is W3LeafMatcher and (type(scorer) is scoring.WeightScorer or
                                        (type(scorer) is scoring.BM25FScorer and lengths)):
        if type(scorer) is scoring.BM25FScorer:
            idf, k1_plus_1, norm_of_byte = _bm25_parts(scorer)
        for ids, weights, _values in postings_blocks(leaf):
            docnums = list(map(add, ids, repeat(offset))) if offset else ids
            if keep is not None:  # only these pages can match: the others are not scored
                kept = list(map(keep.__getitem__, docnums))
                ids, docnums = list(compress(ids, kept)), list(compress(docnums, kept))
                weights = list(compress(weights, kept))
            if type(scorer) is scoring.WeightScorer:  # a field without lengths (pairs): the weight is the score
                yield docnums, weights
            else:
                norms = map(norm_of_byte.__getitem__, map(lengths.__getitem__, ids))
                yield docnums, map(mul, repeat(idf), map(truediv, map(mul, weights, repeat(k1_plus_1)),
                                                           map(add, weights, norms)))
        return
    while postings.is_active():  # through the matcher, which skips deleted pages itself
        docnums, term_scores = [], []
        for _ in range(128):  # Whoosh's block size
            docnum = offset + postings.id()
            if keep is None or keep[docnum]:
                docnums.append(docnum)
                term_scores.append(postings.score())
            postings.next()
            if not postings.is_active():
                break
        yield docnums, term_scores


def _phrase_blocks(subsearcher: Any, fieldname: str, words: tuple[bytes, ...], offset: int,
                   deleted: set[int], keep: Marks | None = None) -> Iterator[tuple[list[int], Iterable[float]]]:
    """The pages of one segment with the words side by side in this order, and Whoosh's score
    for them (the sum of each word's BM25F score, added up as its matcher tree does), in one
    block. Whoosh checks word positions through a tree of span objects, about 25 µs a page
    with all the words: 0.78 s for "the project" at 100,000 pages. Here the rarest word's
    positions are a set of numbers, and the others' are searched for (see below)."""
    distinct = list(dict.fromkeys(words))
    leaves: dict[bytes, Any] = {}
    scorers: dict[bytes, tuple[tuple[float, float, list[float]], bytes]] = {}
    for word in distinct:
        postings = subsearcher.postings(fieldname, word)
        leaf = postings.child if type(postings) is FilterMatcher and postings._exclude else postings  # noqa: SLF001
        scorer: Any = getattr(leaf, "scorer", None)
        if (type(leaf) is not W3LeafMatcher or type(scorer) is not scoring.BM25FScorer
                or not getattr(scorer, "loaded_lengths", b"") or type(leaf.format) is not PackedPositions):
            matcher = query.Phrase(fieldname, [subsearcher.schema[fieldname].from_bytes(w) for w in words]
                                   ).matcher(subsearcher)  # Whoosh's own way, which skips deleted pages
            yield from _scored_blocks(matcher, offset, deleted, keep)
            return
        if postings is not leaf:
            deleted.update(map(add, postings._ids, repeat(offset)))  # noqa: SLF001
        leaves[word], scorers[word] = leaf, (_bm25_parts(scorer), scorer.loaded_lengths)
    # The rarest word's pages are the candidates, and its positions there the places where
    # the phrase may start. Each other word, rarer first, is read a block at a time: on the
    # candidates in the block, the starts it is not found after are dropped. Its positions
    # are read in place, not copied into a set; where it is on the page far more often than
    # the starts are ("the" some 35 times, "project" twice), each start is looked for.
    distinct.sort(key=lambda word: subsearcher.reader().doc_frequency(fieldname, word))
    anchor, anchor_place = distinct[0], words.index(distinct[0])
    anchor_on: dict[int, tuple[float, bytes]] = {}
    for ids, weights, values in postings_blocks(leaves[anchor]):
        pairs = zip(ids, zip(weights, values, strict=True), strict=True)
        if keep is not None:  # only these pages can match
            anchor_on.update(compress(pairs, map(keep.__getitem__, map(add, ids, repeat(offset)))))
        else:
            anchor_on.update(pairs)
    repeats = [place for place, word in enumerate(words) if word == anchor and place != anchor_place]

    def anchor_starts(value: bytes) -> set[int]:
        positions = positions_of(value)
        starts = set(map(sub, positions, repeat(anchor_place)))
        for place in repeats:  # the word again, elsewhere in the phrase
            starts.intersection_update(map(sub, positions, repeat(place)))
        return starts

    weight_of: dict[bytes, dict[int, float]] = {word: {} for word in distinct}
    starts_of: dict[int, set[int]] | None = None  # after the first other word: a candidate's starts
    for word in distinct[1:]:
        places = [place for place, each in enumerate(words) if each == word]
        # The last word, once in the phrase: whether the phrase is on the page, not where.
        final = word == distinct[-1] and len(places) == 1
        kept: dict[int, set[int]] = {}
        weights_on = weight_of[word]
        candidates: dict[int, Any] = anchor_on if starts_of is None else starts_of
        for ids, weights, values in postings_blocks(leaves[word]):
            for at in compress(range(len(ids)), map(candidates.__contains__, ids)):
                docnum, value = ids[at], values[at]
                if starts_of is not None:
                    starts = starts_of[docnum]
                elif repeats:
                    starts = anchor_starts(anchor_on[docnum][1])
                else:  # (anchor_starts, without a call: this runs on every candidate)
                    starts = set(map(sub, positions_of(anchor_on[docnum][1]), repeat(anchor_place)))
                many = len(value) > 16 * len(starts)  # (2 bytes a position): each start looked for
                if final:
                    place = places[0]
                    if (any(map(has_position, repeat(value), map(add, starts, repeat(place)))) if many
                            else not starts.isdisjoint(map(sub, positions_of(value), repeat(place)))):
                        kept[docnum] = starts
                        weights_on[docnum] = weights[at]
                    continue
                for place in places:
                    if many:
                        starts = set(compress(starts, map(has_position, repeat(value), map(add, starts, repeat(place)))))
                    else:
                        starts = starts.intersection(map(sub, positions_of(value), repeat(place)))
                if starts:
                    kept[docnum] = starts
                    weights_on[docnum] = weights[at]
        if not kept:  # no page has the words so far in this order: the others need not be read
            return
        starts_of = kept
    if starts_of is None:  # one word, repeated ("garden garden")
        starts_of = {docnum: starts for docnum, (_, value) in anchor_on.items() if (starts := anchor_starts(value))}
    docnums, phrase_scores = [], []
    for docnum in sorted(starts_of):
        weight_of[anchor][docnum] = anchor_on[docnum][0]
        docnums.append(offset + docnum)
        phrase_scores.append(_tree_sum([_bm25(*scorers[word], weight_of[word][docnum], docnum) for word in words]))
    yield docnums, phrase_scores


def _bm25_parts(scorer: Any) -> tuple[float, float, list[float]]:
    """A term's score is idf * ((weight * k1_plus_1) / (weight + norm_of_byte[length byte])):
    the arithmetic of Whoosh's `bm25`, worked out in its order so the sums come out the same."""
    idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    return idf, k1 + 1, [k1 * ((1 - b) + b * length / avgfl) for length in _LENGTH_OF_BYTE]


def _bm25(parts: tuple[float, float, list[float]], lengths: bytes, weight: float, docnum: int) -> float:
    """One posting's score (see _bm25_parts)."""
    idf, k1_plus_1, norm_of_byte = parts
    return idf * ((weight * k1_plus_1) / (weight + norm_of_byte[lengths[docnum]]))


def _tree_sum(values: list[float]) -> float:
    """A sum added up in the order of Whoosh's binary tree of matchers (make_binary_tree)."""
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def postings_blocks(leaf: W3LeafMatcher) -> Iterator[tuple[list[int], Sequence[float], Sequence[Any]]]:
    """A term's postings on disk a block at a time: (document numbers, weights, values).

    The term's postings are one stretch of the file: a 4-byte tag, then blocks of a signed
    4-byte length (negative for the last), a pickled tuple of block facts (its first item
    the number of postings, its fourth the compression) and the pickled, maybe zlib-packed,
    (ids as gaps, weights, values). Read here in one piece: Whoosh's matcher reads a block
    with some 20 small reads, more than its postings cost to score."""
    length = leaf._length  # noqa: SLF001
    if isinstance(length, tuple):  # as Whoosh's term info holds it, read from disk (its matcher never uses it)
        (length,) = length
    whole = leaf._postfile.get(leaf._startoffset, length)  # noqa: SLF001
    if whole[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"postings without their tag at {leaf._startoffset}")  # noqa: SLF001
    stream = io.BytesIO(whole)
    position, last = 4, False  # after the tag
    while not last:
        size = int.from_bytes(whole[position:position + 4], "big", signed=True)
        last, size = size < 0, abs(size)
        stream.seek(position + 4)
        count, _max_id, _max_weight, compression, *_lengths = pickle.load(stream)
        packed = whole[stream.tell():position + 4 + size]
        ids, weights, values = pickle.loads(zlib.decompress(packed) if compression else packed)
        ids = list(ids) if leaf._byteids else list(accumulate(ids))  # noqa: SLF001
        if weights is None:
            weights = [1.0] * count
        elif isinstance(weights, float):
            weights = [weights] * count
        yield ids, weights, values
        position += 4 + size


_ENTRY_HEAD = struct.Struct("!ii")  # a term table entry's key and value lengths (whoosh.filedb.filetables)
_FIELD_NUMBER = struct.Struct("!H")  # a term's key: its field's number, then the term
_PAGE_COUNT = struct.Struct("!I")
_PAGE_COUNT_AT = 5  # in a W3TermInfo: flags (1 byte), total weight (4), then the page count
TABLE_CHUNK = 1 << 16


def prefix_frequencies(reader: Any, fieldname: str, prefix: bytes, limit: int | None = None) -> dict[bytes, int] | None:
    """Every term of the field that starts with `prefix`, and on how many pages (deleted ones
    included, as `doc_frequency` counts them), from each segment's term table read in
    chunks; None if a segment is not of the layout expected. A prefix like `con` stands for
    4,457 terms at 100,000 pages (identifiers of code blocks among them): asking Whoosh for
    each one's count took 50 ms, and listing them through its reader 78 ms. With `limit`, each
    segment's table is read for at most limit + 1 terms (more than `limit` found: there are more)."""
    found: dict[bytes, int] = {}
    for leaf, _ in reader.leaf_readers():
        terms: Any = getattr(leaf, "_terms", None)
        table: Any = getattr(terms, "_tindex", None)
        if type(terms) is not W3TermsReader or type(table) is not OrderedHashReader:
            return None
        number = terms._fieldmap.get(fieldname)  # noqa: SLF001
        if number is None:  # no page of this segment has the field
            continue
        start = _FIELD_NUMBER.pack(number) + prefix
        for read, (key, value) in enumerate(_table_entries(table, table.closest_key_pos(start))):
            if not key.startswith(start) or (limit is not None and read > limit):
                break
            term = key[_FIELD_NUMBER.size:]
            found[term] = found.get(term, 0) + _PAGE_COUNT.unpack_from(value, _PAGE_COUNT_AT)[0]
    return found


def _table_entries(table: OrderedHashReader, position: int | None) -> Iterator[tuple[bytes, bytes]]:
    """A term table's (key, value) entries in order from `position`, read a chunk at a time
    (Whoosh reads each entry's lengths, key and value with a call apiece)."""
    end = table.endofdata
    while position is not None and position < end:
        chunk = table.dbfile.get(position, min(TABLE_CHUNK, end - position))
        at = 0
        while at + _ENTRY_HEAD.size <= len(chunk):
            key_length, value_length = _ENTRY_HEAD.unpack_from(chunk, at)
            if key_length < 0 or value_length < 0:  # (it would read the same entry for ever)
                raise ValueError(f"a damaged term table: entry at {position + at}")
            key_at = at + _ENTRY_HEAD.size
            value_at = key_at + key_length
            if value_at + value_length > len(chunk):
                break
            yield chunk[key_at:value_at], chunk[value_at:value_at + value_length]
            at = value_at + value_length
        if at == 0:  # an entry longer than a chunk: read it alone
            key_length, value_length = _ENTRY_HEAD.unpack(table.dbfile.get(position, _ENTRY_HEAD.size))
            if key_length < 0 or value_length < 0:
                raise ValueError(f"a damaged term table: entry at {position}")
            entry = table.dbfile.get(position + _ENTRY_HEAD.size, key_length + value_length)
            yield entry[:key_length], entry[key_length:]
            at = _ENTRY_HEAD.size + key_length + value_length
        position += at


def _consume(iterator: Iterator[Any]) -> None:
    """Run an iterator to its end (the loop runs in C)."""
    deque(iterator, maxlen=0)
