"""The views through the real app (behind a WSGI validator): browse, edit, history, diff, revert."""
from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.conftest import WikiClient
from wiki.config import Config
from wiki.storage import PageStore


def main_part(html: str) -> str:
    """The page's own content, without the header's links."""
    return html[html.index('<main id="content"'):]


def test_root_goes_to_the_front_page(client: WikiClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/FrontPage"  # relative: no Host header chooses where it leads


def test_front_page_shows_rendered_markdown_in_the_theme(client: WikiClient) -> None:
    html = client.get("/FrontPage").get_data(as_text=True)
    assert "<h1 id=\"welcome-to-your-wiki\">Welcome to your wiki<a class=\"section-edit\"" in html
    assert 'href="/HelpOnEditing"' in html  # a wiki link to an existing page
    assert 'class="wikilink missing" href="/+edit/Meeting%20Notes"' in html
    for link in ("/+edit/FrontPage", "/+history/FrontPage", "/+raw/FrontPage", "/+recent", "/+index", "/+search"):
        assert f'"{link}"' in html
    assert "Revision 1" in html and "last modified" in html


def test_edit_form_has_labelled_fields(client: WikiClient) -> None:
    html = client.get("/+edit/FrontPage").get_data(as_text=True)
    for needle in ('<label for="edit-text"', 'id="edit-text" name="text"', '<label for="edit-comment"',
                   'name="base_revision" value="1"', 'value="preview"', 'value="save"', 'name="csrf_token"'):
        assert needle in html
    assert "Welcome to your wiki" in html  # the current text is in the textarea


def test_preview_renders_without_saving(client: WikiClient, snapshot: Callable[[], bool]) -> None:
    fields = client.form("/+edit/SandBox")
    fields.update(text="# Trying **bold**", comment="c", action="preview")
    response = client.post("/+edit/SandBox", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>bold</strong>" in html and "# Trying **bold**" in html
    assert snapshot()


def test_save_redirects_to_the_page_with_the_new_text(client: WikiClient, store: PageStore) -> None:
    response = client.save("SandBox", "Hello *world*", comment="my comment")
    assert response.status_code == 303
    assert response.headers["Location"] == "/SandBox"
    assert "<em>world</em>" in client.get("/SandBox").get_data(as_text=True)
    entry = store.history("SandBox")[0]
    assert (entry.revision, entry.comment, entry.address) == (2, "my comment", "127.0.0.1")


def test_create_a_page_by_following_a_missing_link(client: WikiClient) -> None:
    missing = client.get("/Meeting%20Notes")
    assert missing.status_code == 404
    assert 'href="/+edit/Meeting%20Notes"' in missing.get_data(as_text=True)
    editor = client.get("/+edit/Meeting%20Notes").get_data(as_text=True)
    assert "Create Meeting Notes" in editor and 'name="base_revision" value="0"' in editor
    assert client.save("Meeting Notes", "Agenda").status_code == 303
    assert client.get("/Meeting%20Notes").status_code == 200
    front = client.get("/FrontPage").get_data(as_text=True)
    assert 'class="wikilink" href="/Meeting%20Notes"' in front  # the red link turned blue


def test_subpages_have_breadcrumbs(client: WikiClient) -> None:
    html = client.get("/Help/History").get_data(as_text=True)
    assert 'Help<span class="sep">/</span>History' in html  # no page "Help": no link to a 404
    client.save("Help", "The help pages")
    html = client.get("/Help/History").get_data(as_text=True)
    assert '<a href="/Help">Help</a><span class="sep">/</span>History' in html


def test_old_revisions_can_be_viewed(client: WikiClient) -> None:
    client.save("SandBox", "second version")
    old = client.get("/SandBox?rev=1").get_data(as_text=True)
    assert "This page is for practising" in old and "an old version" in old
    assert client.get("/SandBox?rev=9").status_code == 404
    assert client.get("/SandBox?rev=abc").status_code == 400


def test_history_lists_every_revision_with_links(client: WikiClient) -> None:
    client.save("SandBox", "two", comment="second")
    client.save("SandBox", "three", comment="third")
    html = client.get("/+history/SandBox").get_data(as_text=True)
    assert html.count('name="from"') == 3 and html.count('name="to"') == 3
    for needle in ("second", "third", "anonymous", "bytes", "/SandBox?rev=2",
                   "/+diff/SandBox?from=2&amp;to=3", "/+revert/SandBox?rev=1", 'action="/+diff/SandBox"'):
        assert needle in html
    assert client.get("/+history/NoSuchPage").status_code == 404


def test_diff_between_any_two_revisions(client: WikiClient) -> None:
    client.save("SandBox", "alpha\nbeta\ngamma\n")
    client.save("SandBox", "alpha\nBETA\ngamma\ndelta\n")
    html = client.get("/+diff/SandBox?from=2&to=3").get_data(as_text=True)
    assert '<tr class="removed"><td class="marker" aria-hidden="true">−</td><td><del>beta</del></td></tr>' in html
    assert "<ins>BETA</ins>" in html and "<ins>delta</ins>" in html
    unified = client.get("/+diff/SandBox?from=1&to=3&format=unified")
    assert unified.mimetype == "text/plain"
    text = unified.get_data(as_text=True)
    assert text.startswith("--- SandBox@1\n+++ SandBox@3\n") and "+BETA\n" in text
    reversed_order = client.get("/+diff/SandBox?from=3&to=2").get_data(as_text=True)
    assert "<del>beta</del>" in reversed_order
    assert client.get("/+diff/SandBox?from=1&to=7").status_code == 404
    assert client.get("/+diff/SandBox?format=pdf").status_code == 400


def test_revert_makes_a_new_revision_and_history_says_which(client: WikiClient, store: PageStore) -> None:
    client.save("SandBox", "bad edit")
    confirm = client.get("/+revert/SandBox?rev=1")
    assert confirm.status_code == 200 and "This page is for practising" in confirm.get_data(as_text=True)
    fields = client.form("/+revert/SandBox?rev=1")
    response = client.post("/+revert/SandBox", data={**fields, "revision": "1", "comment": ""})
    assert response.status_code == 303
    assert store.read("SandBox").text == store.read("SandBox", 1).text
    entry = store.history("SandBox")[0]
    assert (entry.revision, entry.action, entry.extra) == (3, "SAVE/REVERT", "1")
    assert "revert</td>" not in client.get("/+history/SandBox").get_data(as_text=True)
    assert "revert to revision 1" in client.get("/+history/SandBox").get_data(as_text=True)


def test_raw_is_plain_utf8_text(client: WikiClient, store: PageStore) -> None:
    client.save("Unicode", "Grüße, 日本\n")
    response = client.get("/+raw/Unicode")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data == "Grüße, 日本\n".encode()
    assert client.get("/+raw/Unicode?rev=1").data == response.data


def test_delete_then_the_url_says_deleted_and_offers_history(client: WikiClient, store: PageStore) -> None:
    fields = client.form("/+delete/SandBox")
    assert client.post("/+delete/SandBox", data={**fields, "comment": "spam"}).status_code == 303
    response = client.get("/SandBox")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "was deleted" in html and "/+history/SandBox" in html and "spam" in html
    assert store.read("SandBox", 1).text.startswith("# SandBox")


def test_stale_base_revision_answers_409_keeping_the_users_text(client: WikiClient, store: PageStore) -> None:
    mine = client.form("/+edit/SandBox")  # I open the editor at revision 1 ...
    client.save("SandBox", "Their line\n")  # ... someone else saves revision 2
    mine.update(text="My precious text\n", comment="mine", action="save")
    response = client.post("/+edit/SandBox", data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "My precious text" in html  # my text is still in the editor
    assert "<ins>Their line</ins>" in html  # their change is shown
    assert 'name="base_revision" value="2"' in html  # saving again is now deliberate
    assert store.read("SandBox").text == "Their line\n"  # nothing overwritten
    again = dict(mine, base_revision="2", csrf_token=mine["csrf_token"])
    assert client.post("/+edit/SandBox", data=again).status_code == 303
    assert store.read("SandBox").text == "My precious text\n"


def test_saving_unchanged_text_adds_no_revision(client: WikiClient, store: PageStore) -> None:
    text = store.read("SandBox").text
    assert client.save("SandBox", text).status_code == 303
    assert store.current_revision("SandBox") == 1


def test_canonical_redirect_for_untidy_names(client: WikiClient) -> None:
    response = client.get("/Help%20/History")
    assert response.status_code == 301 and response.headers["Location"].endswith("/Help/History")


def test_index_and_recent_changes(client: WikiClient) -> None:
    client.save("Zebra", "z", comment="striped")
    index = main_part(client.get("/+index").get_data(as_text=True))
    assert index.index("FrontPage") < index.index("SandBox") < index.index("Zebra")
    recent = main_part(client.get("/+recent").get_data(as_text=True))
    assert recent.index("Zebra") < recent.index("FrontPage") and "striped" in recent


@pytest.mark.parametrize(
    "url",
    ["/..", "/A/../B", "/+edit/..", "/+edit/%2Bedit", "/+history/A//B", "/Nul%00", "/Bad%FF%FE", "/+raw/%0Anewline",
     "/" + "x" * 256, "/+edit/" + "%C3%A9" * 128, "/%2Bfoo", "/+diff/Tab%09"],
)
def test_malformed_names_get_400_and_touch_nothing(client: WikiClient, url: str, snapshot: Callable[[], bool]) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "Invalid page name" in response.get_data(as_text=True)
    assert snapshot()


def test_post_to_malformed_name_changes_nothing(client: WikiClient, snapshot: Callable[[], bool]) -> None:
    fields = client.form("/+edit/SandBox")
    response = client.post("/+edit/A/../B", data={**fields, "text": "x", "action": "save"})
    assert response.status_code == 400 and snapshot()


def bad_posts() -> list[tuple[str, Callable[[dict[str, str]], dict[str, object]], int]]:
    return [
        ("no csrf token", lambda f: {"data": {**f, "csrf_token": ""}}, 403),
        ("forged csrf token", lambda f: {"data": {**f, "csrf_token": "0" * 64}}, 403),
        ("no csrf cookie", lambda f: {"data": f, "forget_cookies": True}, 403),
        ("bad utf-8", lambda f: {"data": _urlencoded(f, b"text=%FF%FE%FD"),
                                 "content_type": "application/x-www-form-urlencoded"}, 400),
        ("raw non-ascii bytes", lambda f: {"data": _urlencoded(f, "text=é".encode("latin-1")),
                                           "content_type": "application/x-www-form-urlencoded"}, 400),
        ("nul in text", lambda f: {"data": {**f, "text": "a\x00b"}}, 400),
        ("base revision ahead", lambda f: {"data": {**f, "base_revision": "99"}}, 400),
        ("base revision missing", lambda f: {"data": {k: v for k, v in f.items() if k != "base_revision"}}, 400),
        ("base revision garbage", lambda f: {"data": {**f, "base_revision": "-1"}}, 400),
        ("no action", lambda f: {"data": {k: v for k, v in f.items() if k != "action"}}, 400),
        ("multipart body", lambda f: {"data": {**f}, "content_type": "multipart/form-data; boundary=x"}, 415),
        ("json body", lambda f: {"data": b"{}", "content_type": "application/json"}, 415),
        ("page too large", lambda f: {"data": {**f, "text": "x" * (1024 * 1024 + 1)}}, 413),
        ("body too large", lambda f: {"data": {**f, "text": "x" * (3 * 1024 * 1024)}}, 413),
    ]


def _urlencoded(fields: dict[str, str], extra: bytes) -> bytes:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in fields.items() if k != "text"}).encode() + b"&" + extra


@pytest.mark.parametrize("label, change, status", bad_posts(), ids=[b[0] for b in bad_posts()])
def test_bad_edit_posts_get_a_clear_error_and_change_nothing(
    client: WikiClient, snapshot: Callable[[], bool], label: str,
    change: Callable[[dict[str, str]], dict[str, object]], status: int,
) -> None:
    fields = client.form("/+edit/SandBox")
    fields.update(text="new text", comment="c", action="save")
    request = change(fields)
    if request.pop("forget_cookies", False):
        client.forget_cookies()
    response = client.post("/+edit/SandBox", **request)  # type: ignore[arg-type]
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert '<main id="content"' in html and "Traceback" not in html
    assert snapshot()


def test_csrf_failure_explains_itself(client: WikiClient) -> None:
    html = client.post("/+edit/SandBox", data={"text": "x", "action": "save", "base_revision": "1"}).get_data(as_text=True)
    assert "security token" in html


@pytest.mark.parametrize("url", ["/+revert/SandBox", "/+delete/SandBox"])
def test_other_changing_forms_need_csrf_too(client: WikiClient, url: str, snapshot: Callable[[], bool]) -> None:
    response = client.post(url, data={"revision": "1", "base_revision": "1"})
    assert response.status_code == 403 and snapshot()


def test_read_only_wiki_refuses_changes(seeded_config: Config) -> None:
    from wiki.app import create_app

    client = WikiClient(create_app(seeded_config.replace(read_only=True)))
    assert client.get("/+edit/SandBox").status_code == 403
    assert client.post("/+edit/SandBox", data={"text": "x"}).status_code == 403
    html = client.get("/SandBox").get_data(as_text=True)
    assert "/+edit/SandBox" not in html


def test_wrong_method_is_405_with_allow(client: WikiClient) -> None:
    response = client.open("/+history/FrontPage", method="POST")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert '<main id="content"' in response.get_data(as_text=True)
    assert client.open("/FrontPage", method="DELETE").status_code == 405


def test_head_returns_headers_without_body(client: WikiClient) -> None:
    get = client.get("/FrontPage")
    head = client.head("/FrontPage")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_server_errors_are_themed_pages_without_traceback(client: WikiClient, store: PageStore) -> None:
    latest = store.page_dir("SandBox") / "revisions" / f"{store.current_revision('SandBox'):08d}"
    latest.unlink()
    latest.mkdir()  # a revision that is a folder: no bad input can do this, so it is a bug (500)
    response = client.get("/SandBox")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<main id="content"' in html and "Traceback" not in html and "IsADirectoryError" not in html


def test_garbage_in_current_is_read_as_the_latest_revision_file(client: WikiClient, store: PageStore) -> None:
    before = client.get("/SandBox").get_data(as_text=True)
    (store.page_dir("SandBox") / "current").write_text("garbage\n")
    response = client.get("/SandBox")
    assert response.status_code == 200 and response.get_data(as_text=True) == before


def test_unknown_static_file_is_404(client: WikiClient) -> None:
    assert client.get("/+static/v/../../wiki/app.py").status_code == 404
    assert client.get("/+static/v/nope.css").status_code == 404


def test_search_box_is_in_every_page_header(client: WikiClient) -> None:
    for url in ("/FrontPage", "/+history/FrontPage", "/+recent", "/Missing"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'<form class="search-form" action="/\+search" method="get" role="search">', html)


def test_a_deleted_page_is_restored_from_its_history(client: WikiClient, store: PageStore) -> None:
    fields = client.form("/+delete/SandBox")
    client.post("/+delete/SandBox", data=fields)
    history = client.get("/+history/SandBox").get_data(as_text=True)
    assert "/+revert/SandBox?rev=1" in history and "deleted" in history
    fields = client.form("/+revert/SandBox?rev=1")
    assert client.post("/+revert/SandBox", data={**fields, "revision": "1"}).status_code == 303
    assert client.get("/SandBox").status_code == 200
    assert store.history("SandBox")[0].action == "SAVE/REVERT" and store.read("SandBox").text == store.read("SandBox", 1).text
    assert "SandBox" in store.list_pages()


@pytest.mark.parametrize("name", ["What? 100% done", "C# notes", "Q&A: \"quotes\" 'single'", "Emoji 🙂 page", "a+b=c"])
def test_names_with_url_special_characters_work_everywhere(client: WikiClient, name: str) -> None:
    from urllib.parse import quote

    saved = client.save(name, "special text")
    assert saved.status_code == 303 and saved.headers["Location"] == "/" + quote(name, safe="/!$&'()*+,:;=@")
    assert "special text" in client.get("/" + quote(name)).get_data(as_text=True)
    assert client.get("/+history/" + quote(name)).status_code == 200
    import html

    index = main_part(client.get("/+index").get_data(as_text=True))
    hrefs = [html.unescape(href) for href in re.findall(r'href="([^"]+)"', index)]
    followed = [client.get(href).get_data(as_text=True) for href in hrefs if "special text" in client.get(href).get_data(as_text=True)]
    assert len(followed) == 1  # the index links to the page, and the link works


def test_drafts_are_bounded_per_browser_and_expire(seeded_config: Config) -> None:
    import os
    import time

    from wiki import drafts

    store = drafts.DraftStore(seeded_config.data_dir / "drafts")
    for n in range(drafts.DRAFTS_PER_BROWSER + 15):
        assert store.save("browser-a", f"Page{n}", 0, "draft text")
        time.sleep(0.001)
    folder = next((seeded_config.data_dir / "drafts" / "browsers").iterdir())
    assert len(list(folder.iterdir())) == drafts.DRAFTS_PER_BROWSER
    assert store.load("browser-a", "Page0") is None  # the oldest went first
    assert store.load("browser-a", f"Page{drafts.DRAFTS_PER_BROWSER + 14}") is not None
    old = next(folder.iterdir())
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    assert store.expired() == [old]
    from wiki.cli import main

    assert main(["check", "--data-dir", str(seeded_config.data_dir), "--repair"]) == 0
    assert not old.exists()
