"""No mass invalidation: creating, deleting or renaming a page re-renders only the cached
views that show it (pages linking to it, pages listing pages); every other view stays cached.

Views are made by one app and read by fresh ones (another process, as far as memory goes),
so each check goes through the stored responses on disk. A stored body is marked after it
was made: a view still carrying the mark was served without rendering anything.
"""
from __future__ import annotations

from pathlib import Path

from tests.conftest import WikiClient
from tests.test_attachments import upload
from tests.test_pagecache import MARKER, fresh_client, mark_stored_body
from wiki.config import Config

PLAIN = [f"Plain Page {number:02d}" for number in range(20)]
LINKERS = [f"Linker {number}" for number in range(6)]
LISTER = "All Titles"


def build(config: Config) -> WikiClient:
    """20 pages linking nowhere new, 6 linking to 'Newcomer' (one in MoinMoin markup, one a subpage
    linking twice), and one listing every page; all viewed once."""
    client = fresh_client(config)
    for name in PLAIN:
        client.save(name, f"Text of {name}, linking to [[FrontPage]].")
    for number, name in enumerate(LINKERS):
        text = {0: "#format wiki\nSee [[Newcomer]].", 1: "See [[Newcomer]] and, again, [[Newcomer|it]]."}.get(
            number, f"{name} waits for [[Newcomer|the newcomer]].")
        client.save(name if number != 1 else f"Linker/{name}", text)
    client.save(LISTER, "<<TitleIndex>>")
    view_all(config)
    return client


def view_all(config: Config) -> None:
    """View every page as an anonymous reader (the writer's next view says "Saved.": not stored)."""
    reader = fresh_client(config)
    for url in views():
        assert reader.get(url.replace(" ", "%20")).status_code == 200, url


def linker_urls() -> list[str]:
    return [f"/{name}" if number != 1 else f"/Linker/{name}" for number, name in enumerate(LINKERS)]


def views() -> list[str]:
    return [f"/{name}" for name in PLAIN] + linker_urls() + [f"/{LISTER}"]


def served_from_store(config: Config) -> set[str]:
    """The views a fresh app answers with the marked stored body."""
    reader = fresh_client(config)
    return {url for url in views() if MARKER in reader.get(url.replace(" ", "%20")).data}


def rendered_html(config: Config) -> list[Path]:
    return sorted((config.data_dir / "cache" / "html").iterdir())


def test_creating_a_page_re_renders_exactly_the_pages_that_link_to_it_or_list_it(seeded_config: Config) -> None:
    writer = build(seeded_config)
    mark_stored_body(seeded_config)
    before = {path: path.read_bytes() for path in rendered_html(seeded_config)}
    writer.save("Newcomer", "I am here.")
    served = served_from_store(seeded_config)
    assert served == {f"/{name}" for name in PLAIN}  # the linkers and the list were made again
    reader = fresh_client(seeded_config)
    for url in linker_urls():
        html = reader.get(url).get_data(as_text=True)
        assert "Newcomer" in html and "wikilink missing" not in html, url  # blue now
    assert "Newcomer" in reader.get(f"/{LISTER}").get_data(as_text=True)
    changed = [path.name for path in rendered_html(seeded_config) if before.get(path) != path.read_bytes()]
    assert sorted(changed) == sorted(path.name for path in rendered_html(seeded_config)
                                     if path.name.startswith(("Linker", "All", "Newcomer")))
    assert not any(name.startswith("Plain") for name in changed)


def test_renaming_and_deleting_touch_only_their_linkers(seeded_config: Config) -> None:
    writer = build(seeded_config)
    writer.save("Newcomer", "I am here.")
    writer.save("Fan", "I follow [[Moved On]].")
    view_all(seeded_config)
    mark_stored_body(seeded_config)
    response = writer.post("/+rename/Newcomer", data={**writer.form("/+rename/Newcomer"), "new_name": "Moved On"})
    assert response.status_code in (302, 303), response.status_code
    assert served_from_store(seeded_config) == {f"/{name}" for name in PLAIN}
    reader = fresh_client(seeded_config)
    for url in linker_urls():
        assert "wikilink missing" in reader.get(url.replace(" ", "%20")).get_data(as_text=True), url
    assert "wikilink missing" not in reader.get("/Fan").get_data(as_text=True)

    view_all(seeded_config)
    mark_stored_body(seeded_config)
    writer.post("/+delete/Moved%20On", data=writer.form("/+delete/Moved%20On"))
    assert fresh_client(seeded_config).get("/Moved%20On").status_code == 404
    assert served_from_store(seeded_config) == set(views()) - {f"/{LISTER}"}  # they link to Newcomer
    assert "wikilink missing" in fresh_client(seeded_config).get("/Fan").get_data(as_text=True)


def test_an_upload_re_renders_only_its_own_page(seeded_config: Config) -> None:
    writer = build(seeded_config)
    writer.save("Gallery", "![a cat](attachment:cat.png) and [[Newcomer]]")
    writer.save("Newcomer", "links back to [[Gallery]]")
    view_all(seeded_config)
    fresh_client(seeded_config).get("/Gallery")
    fresh_client(seeded_config).get("/Newcomer")
    mark_stored_body(seeded_config)
    assert "attachment missing" in fresh_client(seeded_config).get("/Gallery").get_data(as_text=True)
    assert upload(writer, "Gallery", "cat.png", b"\x89PNG\r\n\x1a\n" + bytes(64)) in (302, 303)
    reader = fresh_client(seeded_config)
    gallery = reader.get("/Gallery").get_data(as_text=True)
    assert "attachment missing" not in gallery and "cat.png" in gallery
    assert MARKER in reader.get("/Newcomer").data  # links to Gallery, but shows none of its files
    assert served_from_store(seeded_config) == set(views()) - {f"/{LISTER}"}  # a list follows every change


def test_a_page_showing_another_pages_attachment_follows_it(seeded_config: Config) -> None:
    writer = fresh_client(seeded_config)
    writer.save("Gallery", "pictures")
    writer.save("Elsewhere", "![a cat](attachment:Gallery/cat.png)")
    assert "attachment missing" in writer.get("/Elsewhere").get_data(as_text=True)
    assert upload(writer, "Gallery", "cat.png", b"\x89PNG\r\n\x1a\n" + bytes(64)) in (302, 303)
    assert "attachment missing" not in fresh_client(seeded_config).get("/Elsewhere").get_data(as_text=True)


def test_renewing_every_stamp_while_saves_touch_some(tmp_path: Path) -> None:
    """`touch_all` swaps in a fresh folder; a save's `touch` meanwhile may make the folder again
    or write into the one being swapped out: neither fails, and every page ends with a new stamp."""
    import threading

    from wiki.stamps import PageStamps

    stamps = PageStamps(tmp_path / "stamps")
    pages = [f"Page{number}" for number in range(300)]
    stamps.touch(pages)
    before = {page: stamps.read(page) for page in pages}
    stop, failures = threading.Event(), []

    def saves() -> None:
        while not stop.is_set():
            try:
                stamps.touch(pages[:3])
            except OSError as error:  # the folder it wrote into was swapped out: recovery redoes it
                if not isinstance(error, FileNotFoundError):
                    failures.append(error)

    saver = threading.Thread(target=saves)
    saver.start()
    try:
        for _ in range(20):
            assert stamps.touch_all(pages) >= len(pages)
    finally:
        stop.set()
        saver.join()
    assert not failures
    assert all(stamps.read(page) != before[page] for page in pages)
    assert not [entry for entry in (tmp_path).iterdir() if entry.name != "stamps"]  # nothing left behind
