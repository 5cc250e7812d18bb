"""Page names: what is valid, how it is normalised, and MoinMoin 1.9's file-system quoting."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import WikiClient
from wiki import names
from wiki.errors import InvalidPageName


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("FrontPage", "FrontPage"),
        ("Help/Syntax", "Help/Syntax"),
        ("  spaced   name ", "spaced name"),
        ("Straße", "Straße"),
        ("日本語のページ", "日本語のページ"),
        ("Cafe\u0301", "Café"),  # NFC: a combining accent becomes one character
        ("a / b", "a/b"),
        ("Page+Plus", "Page+Plus"),
        ("x" * 255, "x" * 255),
    ],
)
def test_valid_names_normalise(raw: str, expected: str) -> None:
    assert names.normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "", "   ", "/Leading", "+edit", "+", "..", "../Up", "A/../B", "A/./B", "A//B", "A/",
        "Tab\there", "New\nline", "Nul\x00", "Bell\x07", "Del\x7f", "C1\x85", "bad\ufffdutf8",
        "x" * 256, "é" * 128,
    ],
)
def test_invalid_names_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPageName):
        names.normalize(raw)


@pytest.mark.parametrize(
    "name, fsname",
    [
        ("FrontPage", "FrontPage"),
        ("My_Page", "My_Page"),
        ("Help/Syntax", "Help(2f)Syntax"),
        ("a/ b", "a(2f20)b"),
        ("Straße", "Stra(c39f)e"),
        ("x.y", "x(2e)y"),
    ],
)
def test_quoting_matches_moinmoin(name: str, fsname: str) -> None:
    assert names.quote_fs(name) == fsname
    assert names.unquote_fs(fsname) == name


@pytest.mark.parametrize("fsname", ["a(2f", "(zz)", "(2)", "a b", "..", "a/b", "(ff)", ""])
def test_unquote_refuses_what_quote_cannot_produce(fsname: str) -> None:
    with pytest.raises(InvalidPageName):
        names.unquote_fs(fsname)


@given(st.text(min_size=1, max_size=80))
def test_quoting_round_trips_for_every_valid_name(raw: str) -> None:
    try:
        name = names.normalize(raw)
    except InvalidPageName:
        return
    fsname = names.quote_fs(name)
    assert "/" not in fsname and fsname not in (".", "..")
    assert set(fsname) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_()")
    assert names.unquote_fs(fsname) == name
    assert names.normalize(name) == name  # normalising is idempotent


@pytest.mark.parametrize(
    "current, target, expected",
    [
        ("Projects", "/Website", "Projects/Website"),
        ("Projects/Website", "../Shop", "Projects/Shop"),
        ("A/B/C", "../../D", "A/D"),
        ("A/B", "Other", "Other"),
    ],
)
def test_relative_links_resolve(current: str, target: str, expected: str) -> None:
    assert names.resolve_relative(current, target) == expected


def test_relative_link_above_the_top_is_invalid() -> None:
    with pytest.raises(InvalidPageName):
        names.resolve_relative("Top", "../../Nowhere")


LONG_VALID = "C" * 250  # 250 bytes quoted: a page of its own, with derived files that must still fit
TOO_LONG = "中" * 85  # 255 bytes of UTF-8, 680 bytes quoted on disk


def test_a_name_whose_stored_form_is_too_long_is_refused_everywhere(client: WikiClient) -> None:
    from urllib.parse import quote

    for url in ("/", "/+edit/", "/+history/", "/+backlinks/", "/+raw/", "/+diff/", "/+info/", "/+feed/",
                "/+attachments/", "/+print/"):
        response = client.get(url + quote(TOO_LONG))
        assert response.status_code == 400, url
        assert "too long" in response.get_data(as_text=True) and '<main id="content"' in response.get_data(as_text=True)
    token = client.form("/+edit/SandBox")["csrf_token"]
    response = client.post("/+edit/" + quote(TOO_LONG), data={"csrf_token": token, "base_revision": "0",
                                                              "text": "text", "action": "save"})
    assert response.status_code == 400
    assert client.get("/+search", query_string={"q": TOO_LONG}).status_code == 200


def test_the_longest_possible_name_works_end_to_end(client: WikiClient) -> None:
    assert client.save(LONG_VALID, "links to [[FrontPage]]").status_code == 303
    for url in ("/", "/+history/", "/+backlinks/", "/+info/", "/+raw/"):
        assert client.get(url + LONG_VALID).status_code == 200, url
    assert client.get("/" + LONG_VALID).status_code == 200  # served from the page cache this time
    assert LONG_VALID in client.get("/+backlinks/FrontPage").get_data(as_text=True)


@pytest.mark.parametrize("text", [f"[[{TOO_LONG}]]", "Camel" + "Case" * 80, f"<<PageList({TOO_LONG})>>"])
def test_links_to_impossible_names_render_as_text_that_explains(client: WikiClient, text: str) -> None:
    assert client.save("Linker", text).status_code == 303
    html = client.get("/Linker").get_data(as_text=True)
    assert "Not a possible page name" in html or "macro-list" in html


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=12),
                max_size=30))
def test_a_page_list_behaves_as_the_list_of_its_names(listed: list[str]) -> None:
    pages = names.PageList(listed)
    assert len(pages) == len(listed) and list(pages) == listed and pages == listed
    assert [pages[number] for number in range(-len(listed), len(listed))] == listed + listed
    assert pages[2:7] == listed[2:7] and pages[::-2] == listed[::-2]
    for name in [*listed, "absent\u00e9", ""]:
        assert (name in pages) == (name in listed)
    assert names.PageList.from_lines("\n".join(listed)) == pages or listed == [""]  # (one empty line reads as none)
    with pytest.raises(IndexError):
        pages[len(listed)]
    for suffix in ("a", "Template", "\u00e9"):
        assert pages.ending_with(suffix) == [name for name in listed if name.endswith(suffix)]
    assert pages != [*listed, "one more"]
