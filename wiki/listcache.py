"""Stored bodies of the long machine-read lists (the sitemap's parts), kept current per
range of pages instead of being made again whenever any page changes.

The sorted list of pages is cut into ranges of RANGE pages; each range has a generation
(a file under cache/lists/ranges), changed after a page in it was saved. A stored part
is keyed on the set of pages (so creating or deleting a page, which moves every later
page to another position, makes the parts after it again), and on the generations of
the ranges its pages span, read before it was made: a save during its making leaves
it stale, never wrong for long.
"""
from __future__ import annotations

import bisect
import os
from pathlib import Path

from wiki.atomic import read_small, write_atomically, write_best_effort
from wiki.names import page_order
from wiki.storage import PageStore

RANGE = 1000


class ListCache:
    def __init__(self, directory: Path, store: PageStore) -> None:
        self.directory = directory
        self.store = store

    def _range_file(self, number: int) -> Path:
        return self.directory / "ranges" / str(number)

    def page_changed(self, name: str) -> None:
        """After `name` was saved: the stored parts showing its range are made again."""
        number = bisect.bisect_left(self.store.list_pages(), page_order(name), key=page_order) // RANGE
        os.makedirs(self.directory / "ranges", exist_ok=True)
        write_atomically(self._range_file(number), os.urandom(8).hex().encode("ascii"), durable=False)

    def generations(self, first: str, last: str) -> str:
        """The generations of the ranges that pages `first` to `last` fall in (with the page set)."""
        pages = self.store.list_pages()
        low = bisect.bisect_left(pages, page_order(first), key=page_order) // RANGE
        high = bisect.bisect_left(pages, page_order(last), key=page_order) // RANGE
        found = [self.store.pageset_token()]
        for number in range(low, high + 1):
            try:
                found.append(read_small(self._range_file(number)).decode("ascii", "replace"))
            except FileNotFoundError:
                found.append("0")
        return ",".join(found)

    def get(self, slot: str, key: str) -> bytes | None:
        try:
            with open(self.directory / slot, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        stored, _, body = data.partition(b"\n")
        return body if stored.decode("ascii", "replace") == key else None

    def put(self, slot: str, key: str, body: bytes) -> None:
        write_best_effort(self.directory / slot, key.encode("ascii") + b"\n" + body)
