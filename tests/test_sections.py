"""Editing one section: the edit links beside headings, the section alone in the editor, and
its save as an ordinary save of the whole page against the revision it began from."""
from __future__ import annotations

import re

import pytest

from tests.conftest import WikiClient
from wiki.sections import find, replace, with_edit_links

MARKDOWN = "Intro\n# One\none text\n## One.a\nsub\n```\n# not a heading\n```\n# Two\ntwo text\n"
MOIN = "#format wiki\n= One =\n{{{\n= not a heading =\n}}}\n== One.a ==\nsub\n= Two =\ntwo\n"


def test_sections_run_to_the_next_heading_of_their_level_or_higher() -> None:
    assert find(MARKDOWN, "markdown") == [(1, 8), (3, 8), (8, 10)]
    assert find(MOIN, "markdown") == [(1, 7), (5, 7), (7, 9)]  # its #format line wins
    assert replace(MARKDOWN, "markdown", 1, "## One.b\nnew", "P") == \
        "Intro\n# One\none text\n## One.b\nnew\n# Two\ntwo text\n"


def test_links_only_when_the_rendered_headings_are_the_texts() -> None:
    rendered = '<h1 id="one">One</h1><p>x</p><h2 id="a">A</h2><h1>Two</h1>'
    linked = with_edit_links(rendered, MARKDOWN, "markdown", lambda n: f"/+edit/P?section={n}")
    assert re.findall(r'section=(\d)" rel="nofollow" aria-label="Edit section ([^"]+)"', linked) == [
        ("0", "One"), ("1", "A"), ("2", "Two")]
    included = rendered + '<div class="include"><h1>Other</h1></div>'
    assert with_edit_links(included, MARKDOWN, "markdown", str) == included


def test_editing_a_section_saves_it_into_the_page(client: WikiClient) -> None:
    client.save("Doc", "Intro\n# First\nfirst text\n# Second\nsecond text\n")
    page = client.get("/Doc").get_data(as_text=True)
    assert 'href="/+edit/Doc?section=1"' in page
    editor = client.get("/+edit/Doc?section=1").get_data(as_text=True)
    assert ">\n# Second\nsecond text\n</textarea>" in editor and 'name="section" value="1"' in editor
    form = client.form("/+edit/Doc?section=1")
    # Meanwhile someone changes the first section: the two are merged, as for a whole page.
    client.save("Doc", "Intro\n# First\nfirst text, edited\n# Second\nsecond text\n")
    saved = client.post("/+edit/Doc", data={**form, "section": "1", "text": "# Second\nsecond, rewritten\n",
                                              "action": "save"})
    assert saved.status_code == 303
    assert client.get("/+raw/Doc").get_data(as_text=True) == \
        "Intro\n# First\nfirst text, edited\n# Second\nsecond, rewritten\n"


def test_a_section_preview_shows_the_section_and_keeps_the_whole_draft(client: WikiClient) -> None:
    client.save("Doc", "# First\nfirst\n# Second\nsecond\n")
    form = client.form("/+edit/Doc?section=0")
    fragment = client.post("/+edit/Doc", data={**form, "section": "0", "text": "# First\n**bold**\n",
                                                "action": "preview", "fragment": "1"})
    assert fragment.status_code == 200 and fragment.headers["Cache-Control"] == "no-store"
    html = fragment.get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "Second" not in html and "<html" not in html
    restore = client.get("/+edit/Doc?draft=restore").get_data(as_text=True)
    assert "# First\n**bold**\n# Second\nsecond\n</textarea>" in restore


@pytest.mark.parametrize("section", ["9", "x", "-1"])
def test_a_section_that_is_not_there_is_refused_with_the_page_unchanged(client: WikiClient, section: str) -> None:
    client.save("Doc", "# Only\ntext\n")
    response = client.get(f"/+edit/Doc?section={section}")
    assert response.status_code == (409 if section == "9" else 400)
    assert "edit the whole page" in response.get_data(as_text=True) or section != "9"
    assert client.get("/+raw/Doc").get_data(as_text=True) == "# Only\ntext\n"


def test_readers_who_may_not_write_get_no_section_links(client: WikiClient) -> None:
    client.save("Locked", "#acl All:read\n# Heading\ntext\n")
    assert "section-edit" not in client.get("/Locked").get_data(as_text=True)
    assert "section-edit" not in client.get("/Locked?rev=1").get_data(as_text=True)
