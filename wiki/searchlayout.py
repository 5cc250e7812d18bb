"""How the search index lays its postings out on disk: Whoosh 2.7's own codec and files, with
two changes that make a posting cheaper to read back (see ranking.py, which reads them):

- each block of postings is pickled with the newest protocol, where Whoosh uses protocol 2:
  there every posting's value (its word positions) is rebuilt by a call to `_codecs.encode`.
  Reading back the blocks of "project" (on 29,775 of 100,000 pages) took 15.7 ms with
  protocol 2 and 4.5 ms with protocol 4; Whoosh's own reader reads either.
- a word's positions in a page are stored as 4-byte numbers (`PackedPositions`), where Whoosh
  pickles their gaps: a page's positions come back in one copy, not a `pickle.loads` each.

Both are recorded in the index (the codec's and the format's names, in every segment and in
the schema): an index written before them has an older SCHEMA_VERSION and is rebuilt.
"""
from __future__ import annotations

import pickle
import sys
import zlib
from array import array
from collections import defaultdict
from typing import Any

from whoosh import fields, formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter
from whoosh.util.numeric import length_to_byte

_POSITION = "I"  # an unsigned 4-byte number, stored little-endian
assert array(_POSITION).itemsize == 4
_BIG_ENDIAN = sys.byteorder == "big"


class LeanCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's own codec without the lengths of each block's shortest and longest page: they
    serve only block skipping (optimize=True), which no search here uses, and making them
    reads back a field length for every posting written, a fifth of what a build takes
    (measured: 3,000 pages in 13.6 s with them, 10.7 s without). Its blocks are pickled with
    the newest protocol (LeanPostingsWriter). Its name is recorded in every segment, so it
    must keep it: an index whose codec is gone is rebuilt."""

    length_stats = False

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> LeanPostingsWriter:
        return LeanPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression, inlinelimit=self._inlinelimit)


class LeanPostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's postings writer, its blocks pickled with the newest protocol: the same block
    layout as Whoosh 2.7's `W3PostingsWriter._write_block` (a tag before the first block;
    each block's signed length, negative for the last; its facts; its data)."""

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), pickle.HIGHEST_PROTOCOL)
        if self._compression:
            data = zlib.compress(data, self._compression)
        facts = pickle.dumps((len(self._ids), self._ids[-1], self._maxweight, self._compression,
                              length_to_byte(self._minlength), length_to_byte(self._maxlength)),
                             pickle.HIGHEST_PROTOCOL)
        size = len(facts) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(facts)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class PackedPositions(formats.Positions):  # type: ignore[misc]
    """Whoosh's Positions format, a page's positions of a word stored as little-endian 4-byte
    numbers. Whoosh pickles their gaps: decoding them took 1.5 µs a page, and a phrase of
    two common words reads them on some 30,000 pages."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Any:
        positions: defaultdict[str, list[int]] = defaultdict(list)
        weights: defaultdict[str, float] = defaultdict(float)
        kwargs["positions"] = kwargs["boosts"] = True
        for token in formats.tokens(value, analyzer, kwargs):  # (as Whoosh's Positions does)
            positions[token.text].append(token.pos)
            weights[token.text] += token.boost
        for word, places in positions.items():
            yield word, len(places), weights[word] * self.field_boost, self.encode(places)

    def encode(self, poslist: list[int]) -> bytes:
        packed = array(_POSITION, poslist)
        if _BIG_ENDIAN:
            packed.byteswap()
        return packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return positions_of(valuestring).tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4

    def decode_weight(self, valuestring: bytes) -> float:
        return float(self.decode_frequency(valuestring) * self.field_boost)


def positions_of(value: bytes) -> array[int]:
    """A posting's word positions, as PackedPositions stores them."""
    positions = array(_POSITION)
    positions.frombytes(value)
    if _BIG_ENDIAN:
        positions.byteswap()
    return positions


def with_packed_positions(field: fields.FieldType) -> fields.FieldType:
    """The field, its positions stored as PackedPositions."""
    field.format = PackedPositions(field_boost=field.format.field_boost)
    return field
