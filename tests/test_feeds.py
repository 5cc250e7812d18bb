"""Recent changes with filters, Atom feeds read by a real feed parser, sitemap and robots.txt."""
from __future__ import annotations

import time
import xml.etree.ElementTree as etree

import feedparser

from tests.conftest import WikiClient
from tests.test_views import main_part
from wiki.app import create_app
from wiki.config import Config
from wiki.editlog import LogEntry, append_line
from wiki.storage import Author, PageStore


def test_recent_changes_groups_by_day_and_filters(client: WikiClient, store: PageStore) -> None:
    old = LogEntry(int((time.time() - 10 * 86400) * 1_000_000), 1, "SAVENEW", "Ancient", comment="long ago")
    log = store.global_log.read_bytes()
    store.global_log.write_bytes(old.to_line().encode() + log)  # the oldest line, ten days back
    client.save("Fresh", "x", comment="just now")
    everything = main_part(client.get("/+recent").get_data(as_text=True))
    assert "Ancient" in everything and "Fresh" in everything and everything.count("<h2>") >= 2
    week = main_part(client.get("/+recent?days=7").get_data(as_text=True))
    assert "Ancient" not in week and "Fresh" in week
    two = main_part(client.get("/+recent?count=2").get_data(as_text=True))
    assert two.count('class="time"') == 2 and "Show more" in two
    assert client.get("/+recent?days=x").status_code == 400


def test_recent_changes_shows_each_kind_of_change(client: WikiClient) -> None:
    client.save("SandBox", "changed", comment="a comment")
    html = main_part(client.get("/+recent").get_data(as_text=True))
    assert 'class="action action-edit">edit' in html and 'class="action action-new">new' in html
    assert "/+diff/SandBox?from=1&amp;to=2" in html and "/+history/SandBox" in html and "a comment" in html


def test_the_recent_changes_feed_is_valid_atom(client: WikiClient) -> None:
    client.save("SandBox", "changed", comment="feed me")
    response = client.get("/+feed")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title == "flatwiki: recent changes"
    first = feed.entries[0]
    assert first.title == "SandBox: edited (revision 2)" and first.summary == "feed me"
    assert first.link == "/+diff/SandBox?from=1&to=2"  # relative: a reader resolves it against the feed's address
    assert first.author == "anonymous"  # addresses are for administrators (test_accounts.py)
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)


def test_a_page_feed_lists_that_pages_changes(client: WikiClient) -> None:
    client.save("SandBox", "two")
    client.save("SandBox", "three")
    feed = feedparser.parse(client.get("/+feed/SandBox").data)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["SandBox: edited (revision 3)", "SandBox: edited (revision 2)",
                                               "SandBox: created (revision 1)"]
    assert client.get("/+feed/NoSuchPage").status_code == 404


def test_feeds_escape_what_people_typed(client: WikiClient, store: PageStore) -> None:
    store.save("Tricky <&>", "x", base_revision=0, author=Author(user_id="a&b"), comment="<script>&")
    feed = feedparser.parse(client.get("/+feed").data)
    assert not feed.bozo and feed.entries[0].title.startswith("Tricky <&>")


def test_pages_point_to_their_feeds(client: WikiClient) -> None:
    html = client.get("/SandBox").get_data(as_text=True)
    assert 'type="application/atom+xml"' in html and 'href="/+feed/SandBox"' in html


def test_sitemap_lists_every_page(client: WikiClient, store: PageStore) -> None:
    root = etree.fromstring(client.get("/sitemap.xml").data)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [loc.text for loc in root.iter(f"{namespace}loc")]
    assert locations == [f"/{name}" for name in store.list_pages()]  # no base_url: relative


def test_robots_txt_keeps_crawlers_off_actions(client: WikiClient) -> None:
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /+\n" in text and "Sitemap: /sitemap.xml" in text


def test_recent_changes_stop_at_the_cutoff_without_reading_further(store: PageStore) -> None:
    now = int(time.time() * 1_000_000)
    for i in range(5):
        append_line(store.global_log, LogEntry(now - (5 - i) * 86_400_000_000, 1, "SAVE", f"P{i}").to_line())
    recent = store.recent_changes(100, since_us=now - int(2.5 * 86_400_000_000))
    assert [e.name for e in recent] == ["P4", "P3"]


def test_a_comment_or_page_holding_every_control_character_keeps_the_feeds_valid(client: WikiClient) -> None:
    controls = "".join(chr(code) for code in range(1, 32)) + "\ufffe"  # NUL: the form is refused (400)
    assert client.save("Controlled", f"text with {controls} inside", comment=f"comment {controls} end").status_code == 303
    for url in ("/+feed", "/+feed/Controlled", "/sitemap.xml"):
        body = client.get(url).get_data()
        etree.fromstring(body)  # a strict XML parser accepts it
        if "feed" in url:
            parsed = feedparser.parse(body)
            assert not parsed.bozo, parsed.bozo_exception
    for url in ("/Controlled", "/+recent", "/+history/Controlled", "/+info/Controlled"):
        html = client.get(url).get_data(as_text=True)
        assert not any(chr(code) in html for code in range(32) if chr(code) not in "\t\n\r"), url


def test_absolute_addresses_come_from_configuration_never_from_the_host_header(seeded_config: Config) -> None:
    evil = {"Host": "evil.example"}
    plain = WikiClient(create_app(seeded_config))
    assert plain.get("/", headers=evil).headers["Location"] == "/FrontPage"
    for url in ("/+feed", "/sitemap.xml", "/robots.txt", "/+print/SandBox"):
        assert "evil.example" not in plain.get(url, headers=evil).get_data(as_text=True), url
    configured = WikiClient(create_app(seeded_config.replace(base_url="https://wiki.example.org")))
    assert "<loc>https://wiki.example.org/FrontPage</loc>" in configured.get("/sitemap.xml", headers=evil).get_data(as_text=True)
    assert "Sitemap: https://wiki.example.org/sitemap.xml" in configured.get("/robots.txt").get_data(as_text=True)
    trusting = WikiClient(create_app(seeded_config.replace(trusted_hosts="wiki.example.org, .example.net")))
    assert trusting.get("/SandBox", headers=evil).status_code == 400
    trusting.get("/SandBox", headers={"Host": "wiki.example.org"})  # now in the page cache
    assert trusting.get("/SandBox", headers=evil).status_code == 400  # the cache answers no stranger either
    assert trusting.get("/SandBox", headers={"Host": "docs.example.net"}).status_code == 200
    assert "<loc>http://docs.example.net/FrontPage</loc>" in trusting.get(
        "/sitemap.xml", headers={"Host": "docs.example.net"}).get_data(as_text=True)
