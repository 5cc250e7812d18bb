"""The link table: backlinks, orphans and wanted pages, kept current on save, rebuilt by reindex."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from tests.test_views import main_part
from wiki.cli import main
from wiki.config import Config
from wiki.links import LinkTable


def table(config: Config) -> LinkTable:
    return LinkTable(config.data_dir / "links")


def test_init_records_the_starter_pages_links(seeded_config: Config) -> None:
    assert "FrontPage" in table(seeded_config).incoming("HelpOnEditing")
    assert {"HelpOnEditing", "SandBox", "Help/History"} <= table(seeded_config).outgoing("FrontPage")


def test_saves_keep_backlinks_current(client: WikiClient, seeded_config: Config) -> None:
    client.save("Alpha", "see [[Beta]] and `[[NotInCode]]`")
    assert table(seeded_config).incoming("Beta") == {"Alpha"}
    assert table(seeded_config).incoming("NotInCode") == set()
    html = main_part(client.get("/+backlinks/Beta").get_data(as_text=True))
    assert 'href="/Alpha"' in html
    client.save("Alpha", "no links now")
    assert table(seeded_config).incoming("Beta") == set()
    assert "No page links here" in client.get("/+backlinks/Beta").get_data(as_text=True)


def test_deleting_a_page_drops_its_links(client: WikiClient, seeded_config: Config) -> None:
    client.save("Alpha", "[[Beta]]")
    fields = client.form("/+delete/Alpha")
    client.post("/+delete/Alpha", data=fields)
    assert table(seeded_config).incoming("Beta") == set()


def test_orphaned_and_wanted_pages(client: WikiClient) -> None:
    client.save("Lonely", "nobody links here, but I want [[Dream Page]]")
    orphans = main_part(client.get("/+orphans").get_data(as_text=True))
    assert 'href="/Lonely"' in orphans and 'href="/FrontPage"' not in orphans
    wanted = main_part(client.get("/+wanted").get_data(as_text=True))
    assert 'href="/+edit/Dream%20Page"' in wanted and 'href="/Lonely"' in wanted
    client.save("SandBox", "[[Lonely]]")
    client.save("Dream Page", "real now")
    assert 'href="/Lonely"' not in main_part(client.get("/+orphans").get_data(as_text=True))
    assert "Dream Page" not in main_part(client.get("/+wanted").get_data(as_text=True))


def test_page_info(client: WikiClient) -> None:
    client.save("SandBox", "12345", comment="short")
    html = main_part(client.get("/+info/SandBox").get_data(as_text=True))
    for needle in ("5 bytes", ">2</a>", "flatwiki (1)", "anonymous (1)", "Created", "Last modified"):
        assert needle in html
    assert client.get("/+info/Nope").status_code == 404


def test_reindex_rebuilds_the_link_table(client: WikiClient, seeded_config: Config) -> None:
    client.save("Alpha", "[[Beta]]")
    shutil.rmtree(seeded_config.data_dir / "links")
    assert main(["reindex", "--data-dir", str(seeded_config.data_dir)]) == 0
    assert table(seeded_config).incoming("Beta") == {"Alpha"}
    assert "FrontPage" in table(seeded_config).incoming("SandBox")


RECORDER = r"""
import sys
from wiki.links import LinkTable
links = LinkTable(sys.argv[1])
for i in range(100):
    links.record(f"{sys.argv[2]}{i}", ["Target"])
"""


def test_concurrent_link_updates_lose_nothing(tmp_path: Path) -> None:
    writers = [subprocess.Popen([sys.executable, "-c", RECORDER, str(tmp_path / "links"), prefix]) for prefix in "AB"]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    assert LinkTable(tmp_path / "links").incoming("Target") == {f"{p}{i}" for p in "AB" for i in range(100)}


def rename(client: WikiClient, old: str, new: str, update_links: bool = True) -> int:
    fields = client.form(f"/+rename/{old}")
    data = {**fields, "new_name": new, "comment": ""}
    if update_links:
        data["update_links"] = "1"
    return client.post(f"/+rename/{old}", data=data).status_code


def test_rename_keeps_history_and_the_old_name_says_where_it_went(client: WikiClient, seeded_config: Config) -> None:
    from wiki.storage import PageStore

    client.save("SandBox", "second version")
    assert rename(client, "SandBox", "Play/Ground") == 303
    store = PageStore(seeded_config.data_dir)
    assert [e.revision for e in store.history("Play/Ground")] == [3, 2, 1]
    assert store.history("Play/Ground")[0].action == "SAVE/RENAME" and store.history("Play/Ground")[0].extra == "SandBox"
    assert store.read("Play/Ground", 1).text.startswith("# SandBox")
    old = client.get("/SandBox")
    assert old.status_code == 404 and 'renamed to <a href="/Play/Ground">' in old.get_data(as_text=True)
    assert "renamed from SandBox" in client.get("/+history/Play/Ground").get_data(as_text=True)


def test_rename_updates_links_as_normal_revisions(client: WikiClient, seeded_config: Config) -> None:
    from wiki.storage import PageStore

    client.save("Linker", "go to [[SandBox|the sandbox]] or SandBox, not `[[SandBox]]`")
    assert rename(client, "SandBox", "Playground") == 303
    store = PageStore(seeded_config.data_dir)
    assert store.read("Linker").text == "go to [[Playground|the sandbox]] or [[Playground]], not `[[SandBox]]`"
    assert store.history("Linker")[0].comment == "Links to SandBox now lead to Playground"
    assert "Playground" in store.read("FrontPage").text
    assert table(seeded_config).incoming("Playground") >= {"Linker", "FrontPage"}


def test_rename_without_updating_links(client: WikiClient, seeded_config: Config) -> None:
    from wiki.storage import PageStore

    assert rename(client, "SandBox", "Playground", update_links=False) == 303
    assert "[[SandBox]]" in PageStore(seeded_config.data_dir).read("FrontPage").text


def test_rename_refuses_bad_targets_and_changes_nothing(client: WikiClient, snapshot: object) -> None:
    assert rename(client, "SandBox", "FrontPage") == 409
    assert rename(client, "SandBox", "../x") == 400
    assert rename(client, "SandBox", "SandBox") == 400
    assert snapshot()  # type: ignore[operator]


def test_search_finds_a_renamed_page_under_its_new_name(client: WikiClient) -> None:
    client.save("SandBox", "the axolotl tank")
    rename(client, "SandBox", "Aquarium")
    html = client.get("/+search?q=axolotl&fulltext=1").get_data(as_text=True)
    assert 'href="/Aquarium"' in html and 'href="/SandBox"' not in html


def test_reindex_keeps_the_links_of_pages_saved_while_it_runs(seeded_config: Config) -> None:
    from wiki.app import create_app

    client = WikiClient(create_app(seeded_config))
    for i in range(150):
        client.save(f"Filler{i}", f"filler {i} [[FrontPage]]")
    reindex = subprocess.Popen([sys.executable, "-m", "wiki.cli", "reindex", "--data-dir",
                                str(seeded_config.data_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saved = []
    while reindex.poll() is None or len(saved) < 3:
        name = f"During{len(saved)}"
        assert client.save(name, "links to [[SandBox]]").status_code == 303
        saved.append(name)
    assert reindex.wait(timeout=120) == 0
    incoming = LinkTable(seeded_config.data_dir / "links").incoming("SandBox")
    assert set(saved) <= incoming, sorted(set(saved) - incoming)


SCANNED_TEXTS = [
    "See [[Alpha]], [[Beta|the beta]] and [[Gamma#part]]; CamelWord too.",
    "* a list with [[In List]]\n\n    continued paragraph, [[Continued]] and MoreCamel\n",
    "| a | b |\n|---|---|\n| [[Table Cell|label]] | TableCamel |\n",
    "```\n[[Not In Fence]] FenceCamel\n```\nafter the fence [[After Fence]]\n",
    "~~~~python\n[[Tilde Fence]]\n~~~~\n`[[In Span]]` and [[Out Of Span]]",
    "[OpenSource](http://example.org/WikiWord) and <https://x.org/CamelUrl> and !NotLinked",
    "#format markdown\n#acl All:read\n# A HeadingCamel\n[[../Sibling]] [[/Child]] [[http://external]]",
    "<div>HtmlCamel [[In Html]]</div>\n\n> quoted [[Quoted]] QuotedCamel",
]


@pytest.mark.parametrize("text", SCANNED_TEXTS)
def test_scanning_finds_every_link_the_render_records(text: str) -> None:
    """The link table (and so every cached view's stamp) comes from the scan: it may find more
    than the render, never less."""
    from wiki.markup import LinkContext, Renderer, scan_markdown_links

    def nothing(_: str) -> str:
        return ""

    for camelcase in (True, False):
        rendered = Renderer(camelcase).render(text, LinkContext("Area/Page", lambda _: False, nothing, nothing)).links
        scanned = scan_markdown_links("Area/Page", text, camelcase)
        assert set(rendered) - {"Area/Page"} <= scanned, (camelcase, set(rendered) - scanned)


def test_scanning_leaves_out_code_and_urls() -> None:
    from wiki.markup import scan_markdown_links

    found = scan_markdown_links("Page", "".join(SCANNED_TEXTS[3:6]), True)
    assert found == {"After Fence", "Out Of Span"}
