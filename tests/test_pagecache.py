"""The stored-response fast path answers exactly as the full app does, and never serves stale pages."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.app import create_app
from wiki.config import Config


def fresh_client(config: Config) -> WikiClient:
    """A new app (new process, as far as memory goes): it can only use the cache files."""
    return WikiClient(create_app(config))


def cache_files(config: Config) -> list[Path]:
    directory = config.data_dir / "cache" / "pages"
    return sorted(directory.iterdir()) if directory.exists() else []


MARKER = b"Skip to CACHED!"  # as long as what it replaces, so Content-Length still holds


def mark_stored_body(config: Config) -> None:
    """Change the stored body (keeping its ETag) so a response proves where it came from."""
    for path in cache_files(config):
        path.write_bytes(path.read_bytes().replace(b"Skip to content", MARKER))


@pytest.mark.parametrize("url", ["/FrontPage", "/Help/History", "/HelpOnEditing"])
def test_a_stored_response_is_identical_to_the_full_apps(seeded_config: Config, url: str) -> None:
    full = fresh_client(seeded_config).get(url)
    assert full.status_code == 200 and cache_files(seeded_config)
    cached = fresh_client(seeded_config).get(url)
    assert cached.status_code == full.status_code
    assert cached.headers.to_wsgi_list() == full.headers.to_wsgi_list()
    assert cached.data == full.data


def test_the_fast_path_really_answers_from_the_store(seeded_config: Config) -> None:
    fresh_client(seeded_config).get("/FrontPage")
    mark_stored_body(seeded_config)
    assert MARKER in fresh_client(seeded_config).get("/FrontPage").data


def test_304_and_head_match_the_full_app(seeded_config: Config) -> None:
    full_client = fresh_client(seeded_config)
    first = full_client.get("/SandBox")
    etag = first.headers["ETag"]
    shutil.rmtree(seeded_config.data_dir / "cache" / "pages")
    full_304 = fresh_client(seeded_config).get("/SandBox", headers={"If-None-Match": etag})
    full_head = fresh_client(seeded_config).head("/SandBox")  # (this request stores the page again)
    cached_304 = fresh_client(seeded_config).get("/SandBox", headers={"If-None-Match": etag})
    cached_head = fresh_client(seeded_config).head("/SandBox")
    assert full_304.status_code == cached_304.status_code == 304
    assert cached_304.headers.to_wsgi_list() == full_304.headers.to_wsgi_list()
    assert cached_304.data == full_304.data == b""
    assert cached_head.headers.to_wsgi_list() == full_head.headers.to_wsgi_list()
    assert cached_head.data == b""


def test_a_save_is_seen_at_once(seeded_config: Config) -> None:
    reader, writer = fresh_client(seeded_config), fresh_client(seeded_config)
    reader.get("/SandBox")
    writer.save("SandBox", "brand new words")
    assert b"brand new words" in reader.get("/SandBox").data


def test_creating_a_linked_page_refreshes_the_stored_view(seeded_config: Config) -> None:
    client = fresh_client(seeded_config)
    client.save("SandBox", "[[Soon]]")
    assert b'class="wikilink missing"' in client.get("/SandBox").data
    fresh_client(seeded_config).save("Soon", "here")
    assert b'class="wikilink" href="/Soon"' in fresh_client(seeded_config).get("/SandBox").data


def test_query_strings_and_deleted_pages_go_to_the_full_app(seeded_config: Config) -> None:
    client = fresh_client(seeded_config)
    client.save("SandBox", "second")
    client.get("/SandBox")
    mark_stored_body(seeded_config)
    assert MARKER not in client.get("/SandBox?rev=1").data
    fields = client.form("/+delete/SandBox")
    client.post("/+delete/SandBox", data=fields)
    assert fresh_client(seeded_config).get("/SandBox").status_code == 404


def test_each_mount_point_has_its_own_entry(seeded_config: Config) -> None:
    client = fresh_client(seeded_config)
    plain = client.get("/FrontPage").data
    mounted = client.get("/FrontPage", environ_overrides={"SCRIPT_NAME": "/wiki"}).data
    assert b'href="/wiki/HelpOnEditing"' in mounted and b'href="/HelpOnEditing"' in plain
    assert len(cache_files(seeded_config)) == 2


def test_memory_stays_within_its_limit(seeded_config: Config) -> None:
    app = create_app(seeded_config)
    app.wiki.page_cache.memory_limit = 20_000  # type: ignore[attr-defined]  # (memory_cache_mb is whole megabytes)
    client = WikiClient(app)
    for url in ("/FrontPage", "/HelpOnEditing", "/SandBox", "/Help/History", "/Help/Searching"):
        client.get(url)
    cache = app.wiki.page_cache  # type: ignore[attr-defined]
    assert cache.memory_bytes <= 20_000 or len(cache.memory) == 1
    assert cache.memory_bytes == sum(len(entry[2]) for entry in cache.memory.values())


def test_lists_are_answered_from_the_store_and_follow_every_change(seeded_config: Config) -> None:
    client = fresh_client(seeded_config)
    for url in ("/+recent", "/+index", "/+backlinks/HelpOnEditing"):
        client.get(url)
    mark_stored_body(seeded_config)
    reader = fresh_client(seeded_config)
    for url in ("/+recent", "/+index", "/+backlinks/HelpOnEditing"):
        assert MARKER in reader.get(url).data, url  # served from the store
    client.save("Zebra Page", "links to [[HelpOnEditing]]")
    recent = reader.get("/+recent").get_data(as_text=True)
    assert "Zebra Page" in recent and MARKER.decode() not in recent
    assert "Zebra Page" in reader.get("/+index").get_data(as_text=True)
    assert 'href="/Zebra%20Page"' in reader.get("/+backlinks/HelpOnEditing").get_data(as_text=True)


def test_cached_lists_are_identical_to_the_full_apps(seeded_config: Config) -> None:
    for url in ("/+recent", "/+index", "/+backlinks/HelpOnEditing"):
        full = fresh_client(seeded_config).get(url)
        cached = fresh_client(seeded_config).get(url)
        assert cached.headers.to_wsgi_list() == full.headers.to_wsgi_list() and cached.data == full.data


def test_query_strings_never_add_cache_files(seeded_config: Config) -> None:
    """Each distinct ?query on /+recent used to store a response of its own (400 KB each, never removed)."""
    client = fresh_client(seeded_config)
    client.get("/+recent")
    cache = seeded_config.data_dir / "cache" / "pages"
    before = sorted(p.name for p in cache.iterdir())
    for n in range(1, 40):
        assert client.get(f"/+recent?count={n}&x={n}").status_code == 200
        assert client.get(f"/FrontPage?nonsense={n}").status_code == 200
    assert sorted(p.name for p in cache.iterdir()) == before


def test_rendered_html_is_kept_per_revision(seeded_config: Config) -> None:
    from wiki.site import Site

    client = fresh_client(seeded_config)
    client.save("SandBox", "second text")
    for rev in (1, 2, 1, 2):
        client.get(f"/SandBox?rev={rev}")
    cached = sorted(p.name for p in (seeded_config.data_dir / "cache" / "html").glob("SandBox.*"))
    assert [name.rsplit(".", 1)[0] for name in cached] == ["SandBox.1", "SandBox.2"]  # + the view class
    site = Site(seeded_config)
    assert site.render_cache.get("SandBox", 1, "wrong key", 0, cached[0].rsplit(".", 1)[1]) is None
