"""`wiki reindex` rebuilds the search index, the link table and the ACL table from one read of
every page, and each comes out as a rebuild from the pages alone would make it."""
from __future__ import annotations

import io
import sys
from collections import Counter
from pathlib import Path

import pytest

from wiki.acl import ANONYMOUS, SYSTEM
from wiki.acltable import AclTable
from wiki.cli import init_store
from wiki.config import Config, load_config
from wiki.links import LinkTable
from wiki.reindex import reindex
from wiki.site import Site
from wiki.stamps import PageStamps
from wiki.storage import Author, PageStore

AUTHOR = Author(user_id="test")
_opened: Counter[str] = Counter()
_counting = [False]


def _count_opens(event: str, args: tuple[object, ...]) -> None:
    if _counting[0] and event == "open" and isinstance(args[0], (str, Path)) and "/revisions/" in str(args[0]):
        _opened[str(args[0]).split("/pages/", 1)[1].split("/", 1)[0]] += 1


sys.addaudithook(_count_opens)  # audit hooks cannot be removed: it counts only while _counting[0]


@pytest.fixture
def wiki(tmp_path: Path) -> Config:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)

    def save(name: str, text: str) -> None:
        site.save(None, name, text, base_revision=site.store.current_revision(name), author=AUTHOR, reader=SYSTEM)

    save("Vault", "#acl TeamGroup:read All:\nsecret, see [[Missing]]\n")
    save("TeamGroup", " * MaryMember\n")
    save("Gone", "#acl Known:read All:\nonce here\n")
    site.delete(None, "Gone", base_revision=site.store.current_revision("Gone"), author=AUTHOR, reader=SYSTEM)
    save("Linker", "see [[Vault]] and [[Gone]]\n")
    return config


def test_reindex_reads_every_page_once_for_all_three_tables(wiki: Config) -> None:
    store = PageStore(wiki.data_dir)
    _opened.clear()
    _counting[0] = True
    try:
        assert reindex(wiki, out=io.StringIO()) == 0
    finally:
        _counting[0] = False
    pages = store.list_pages()
    assert {name: _opened[store.page_dir(name).name] for name in pages} == {name: 1 for name in pages}
    assert _opened[store.page_dir("Gone").name] == 1  # a deleted page's last text: its history's ACL


def test_reindex_makes_the_tables_a_rebuild_from_the_pages_would(wiki: Config) -> None:
    store = PageStore(wiki.data_dir)
    (wiki.data_dir / "cache" / "acl-table").unlink(missing_ok=True)
    stamps = PageStamps(wiki.data_dir / "cache" / "stamps")
    before = {name: stamps.read(name) for name in store.list_pages()}
    assert reindex(wiki, out=io.StringIO()) == 0
    table = AclTable.stored(store)
    assert table is not None and table.matches_pages()
    assert table.acls["Gone"] == ["Known:read All:"] and table.groups["TeamGroup"] == ["MaryMember"]
    site = Site(wiki)
    assert not site.may(ANONYMOUS, "read", "Vault") and not site.may(ANONYMOUS, "read", "Gone")
    assert site.may(site.permissions().reader("MaryMember"), "read", "Vault")
    links = LinkTable(wiki.data_dir / "links", store.exists)
    assert links.incoming("Vault") == {"Linker"} and links.incoming("Missing") == {"Vault"}
    assert ("Missing", 1) in links.wanted()
    assert links._copy is not None and links._copy.snapshot_offset == 0  # the table came with its lists' snapshot
    after = {name: stamps.read(name) for name in store.list_pages()}
    assert all(after[name] != before[name] for name in after)  # every cached view is made again
    assert len(set(after.values())) == 1
