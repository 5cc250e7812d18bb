"""How the search index lays its postings out on disk: Whoosh 2.7's own codec and files, with
changes that make a posting cheaper to read back (see ranking.py, which reads them):

- each block of postings is pickled with the newest protocol, where Whoosh uses protocol 2:
  there every posting's value (its word positions) is rebuilt by a call to `_codecs.encode`.
  Reading back the blocks of "project" (on 29,775 of 100,000 pages) took 15.7 ms with
  protocol 2 and 4.5 ms with protocol 4; Whoosh's own reader reads either.
- a word's positions in a page are stored as 2-byte numbers (`PackedPositions`), where Whoosh
  pickles their gaps: a page's positions are read in place, not by a `pickle.loads` each,
  and a position is looked for by searching for its bytes (`has_position`). Blocks of
  positions are not compressed.

Whole-number weights are pickled as ints, too. The codec's and the format's names are
recorded in every segment and in the schema: an index written before them has an older
SCHEMA_VERSION and is rebuilt. Whoosh's own reader reads all of it.
"""
from __future__ import annotations

import pickle
import sys
import zlib
from array import array
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from whoosh import fields, formats
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter
from whoosh.util.numeric import length_to_byte

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

    def _mini_weights(self) -> Any:
        """The block's weights, whole numbers (a word's count on a page, times its field's
        boost) pickled as ints: 2 or 3 bytes each, not 9. Reading back the blocks of a word
        on every page took 4.9 ms rather than 6.8. Whoosh's reader takes either."""
        weights = super()._mini_weights()
        if isinstance(weights, tuple) and all(map(float.is_integer, weights)):
            return tuple(map(int, weights))
        return weights

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), pickle.HIGHEST_PROTOCOL)
        # Word positions are left uncompressed: unpacking those of "the" (on every page) took
        # 47 ms of the 143 a search for "the project" took at 100,000 pages.
        compression = 0 if isinstance(self._format, PackedPositions) else self._compression
        if compression:
            data = zlib.compress(data, compression)
        facts = pickle.dumps((len(self._ids), self._ids[-1], self._maxweight, compression,
                              length_to_byte(self._minlength), length_to_byte(self._maxlength)),
                             pickle.HIGHEST_PROTOCOL)
        size = len(facts) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(facts)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class PackedPositions(formats.Positions):  # type: ignore[misc]
    """Whoosh's Positions format, a page's positions of a word stored as little-endian 2-byte
    numbers, or after _WIDE as 4-byte ones when one is 65,535 or more. Whoosh pickles their
    gaps: decoding them took 1.5 µs a page, and a phrase of a common word and another reads
    them on some 30,000 pages."""

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
        wide = max(poslist, default=0) >= _NARROW_LIMIT
        packed = array("I" if wide else "H", poslist)
        if _BIG_ENDIAN:
            packed.byteswap()
        return _WIDE + packed.tobytes() if wide else packed.tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(positions_of(valuestring))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(positions_of(valuestring))

    def decode_weight(self, valuestring: bytes) -> float:
        return float(self.decode_frequency(valuestring) * self.field_boost)


_NARROW_LIMIT = 0xFFFF  # narrow positions stay below it, so that _WIDE never begins narrow ones
_WIDE = b"\xff\xff\xff\xff"  # before 4-byte positions (it keeps them 4-byte aligned)
assert array("H").itemsize == 2 and array("I").itemsize == 4


def positions_of(value: bytes) -> Sequence[int]:
    """A posting's word positions, as PackedPositions stores them: on a little-endian machine
    the value's own bytes seen as numbers, without a copy."""
    if value[:4] == _WIDE:
        return _numbers(memoryview(value)[4:], "I")
    return _numbers(memoryview(value), "H")


def _numbers(stored: memoryview, typecode: str) -> Sequence[int]:
    if not _BIG_ENDIAN:
        return stored.cast(typecode)  # type: ignore[call-overload,no-any-return]
    numbers = array(typecode)
    numbers.frombytes(stored)  # (array(typecode, a memoryview) would take each byte for a number)
    numbers.byteswap()
    return numbers


def has_position(value: bytes, position: int) -> bool:
    """Whether a posting's positions (as PackedPositions stores them) hold `position`: its
    bytes are searched for, where decoding a page's positions of "the" took 1–2 µs."""
    if value[:4] == _WIDE:
        return _holds(value, position.to_bytes(4, "little"), 4, 4) if 0 <= position < 2**32 else False
    return _holds(value, position.to_bytes(2, "little"), 2, 0) if 0 <= position < _NARROW_LIMIT else False


def _holds(value: bytes, pattern: bytes, width: int, start: int) -> bool:
    """Whether `pattern` is one of the numbers of `width` bytes in `value` from `start` (a
    multiple of `width`): found where a number starts."""
    at = value.find(pattern, start)
    while at % width:  # the bytes of two neighbouring numbers (or -1: not found)
        if at < 0:
            return False
        at = value.find(pattern, at + 1)
    return True


def with_packed_positions(field: fields.FieldType) -> fields.FieldType:
    """The field, its positions stored as PackedPositions."""
    field.format = PackedPositions(field_boost=field.format.field_boost)
    return field
