"""The search index's own postings layout: positions as numbers, blocks in the newest pickle."""
from __future__ import annotations

import io
import pickle
import random
import zlib

import pytest
from whoosh import index as whoosh_index

from wiki import ranking, searchlayout
from wiki.search import SearchIndex
from wiki.searchlayout import PackedPositions, has_position, positions_of
from wiki.storage import Author, PageStore


def test_positions_read_back_the_same_on_a_big_endian_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchlayout, "_BIG_ENDIAN", True)  # stored swapped, read back swapped
    packed = PackedPositions()
    for positions in ([0], [1, 2, 300], [7, 65_534], [3, 65_535, 70_000]):
        value = packed.encode(positions)
        assert list(positions_of(value)) == packed.decode_positions(value) == positions
        assert packed.decode_frequency(value) == len(positions)


def test_a_position_is_found_by_its_bytes_and_only_where_a_number_starts() -> None:
    rng = random.Random(3)
    packed = PackedPositions()
    for _round in range(300):
        positions = sorted(rng.sample(range(rng.choice([300, 65_536, 70_000, 2**32 - 1])), rng.randrange(0, 40)))
        value = packed.encode(positions)
        assert list(positions_of(value)) == packed.decode_positions(value) == positions
        assert packed.decode_frequency(value) == len(positions)
        for position in [*positions, -1, 0, 1, 255, 256, 65_536, *(rng.randrange(2**32) for _ in range(5))]:
            assert has_position(value, position) == (position in positions), (positions, position)
    # Neighbours holding another number's bytes across their boundary: 256 and 1 are 00 01 01 00
    # in two bytes each (257 is 01 01); with 70,000 they take four, 00 01 00 00 01 00 00 00 ...
    assert not has_position(packed.encode([256, 1]), 257) and has_position(packed.encode([256, 1]), 1)
    assert not has_position(packed.encode([256, 1, 70_000]), 65_536) and has_position(packed.encode([1, 70_000]), 1)
    assert not has_position(packed.encode([70_000]), 2**32 - 1)  # (the mark's own bytes)
    assert len(packed.encode([3, 65_534])) == 4 and len(packed.encode([3, 65_535])) == 12  # (4 bytes mark them)


def test_positions_are_stored_as_numbers_and_found_far_into_a_page(store: PageStore) -> None:
    author = Author(address="192.0.2.9")
    store.save("Long", "filler " * 70_000 + "far away", base_revision=0, author=author)  # past 65,535 words
    store.save("Short", "far away and away far", base_revision=0, author=author)
    index = SearchIndex(store.root / "index", store)
    index.rebuild()
    assert [hit.name for hit in index.search('"far away"').hits] == ["Short", "Long"]
    assert index.search('"away far"').total == 1
    assert index.search('"away and away far"').total == 1  # the rarest word twice, neither time first
    assert index.search('"away away"').total == index.search('"far away far"').total == 0
    assert [hit.name for hit in index.search('"filler far"').hits] == ["Long"]  # 70,001 positions, one looked for
    opened = whoosh_index.open_dir(str(index.directory))
    with opened.searcher() as searcher:
        postings = searcher.postings("words", "away")
        assert type(postings.format) is PackedPositions
        leaf = postings.child if hasattr(postings, "child") else postings
        (ids, weights, values), = ranking.postings_blocks(leaf)
        assert list(weights) == [1, 2] and all(type(weight) is int for weight in weights)  # (pickled as ints)
        far, near = (list(positions_of(value)) for value in values)  # (the words field starts with the title)
        assert len(far) == 1 and far[0] > 70_000 and len(near) == 2 and near[1] - near[0] == 2
        assert PackedPositions().decode_positions(values[0]) == far
        # Blocks are pickled with the newest protocol (Whoosh's own writer uses 2); positions
        # are left uncompressed, other postings are not.
        for field, word, compressed in (("words", "away", False), ("content", "far", True)):
            stored = searcher.postings(field, word)
            stored = stored.child if hasattr(stored, "child") else stored
            length = stored._length[0] if isinstance(stored._length, tuple) else stored._length  # noqa: SLF001
            block = io.BytesIO(stored._postfile.get(stored._startoffset, length)[8:])  # noqa: SLF001 (tag, size)
            facts = pickle.load(block)
            data = block.read()
            assert bool(facts[3]) is compressed
            assert (zlib.decompress(data) if compressed else data)[:2] == bytes([0x80, pickle.HIGHEST_PROTOCOL])
    opened.close()
