"""Fixes a first hour in the browser asked for (issue 14's list): the restore confirmation
shows the page, the starter pages' table and CamelCase example, links written relative
work in every view of a page, and file sizes read like sizes."""
from __future__ import annotations

import io
import re

from tests.conftest import WikiClient


def test_the_restore_confirmation_shows_the_rendered_page(client: WikiClient) -> None:
    client.save("SandBox", "Some **bold** words")
    client.save("SandBox", "newer text")
    html = client.get("/+revert/SandBox?rev=2").get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "&lt;strong&gt;" not in html


def test_a_wiki_link_with_a_label_stays_in_its_table_cell(client: WikiClient) -> None:
    html = client.get("/HelpOnEditing").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td><code>\[\[FrontPage\|the front page\]\]</code></td>(.*?)</tr>", html, re.S)
    assert row, "the row with the labelled link is split or gone"
    assert row.group(1).count("<td") == 1 and ">the front page</a>" in row.group(1)
    assert 'href="/+edit/CamelCase"' not in html  # the word describing CamelCase is not a link of its own


def test_links_written_relative_work_in_every_view_of_a_page(client: WikiClient) -> None:
    client.save("Projects/Plan", "See the [page index](../+index), [recent changes](../+recent) and [[FrontPage]].")
    for url in ("/Projects/Plan", "/+print/Projects/Plan", "/Projects/Plan?rev=1"):
        html = client.get(url).get_data(as_text=True)
        assert 'href="/+index"' in html and 'href="/+recent"' in html, url
    print_view = client.get("/+print/FrontPage").get_data(as_text=True)
    for link in re.findall(r'<article class="page-content">(.*?)</article>', print_view, re.S)[0].split('href="')[1:]:
        target = link.split('"')[0].replace("&amp;", "&")
        if target.startswith("/"):
            assert client.get(target).status_code in (200, 302, 404), target  # 404: a page not written yet


def test_file_sizes_read_like_sizes(client: WikiClient) -> None:
    token = re.search(r'name="csrf_token" value="(\w+)"', client.get("/+attachments/SandBox").get_data(as_text=True))
    assert token
    client.post("/+attachments/SandBox", data={"csrf_token": token.group(1),
                                                "file": (io.BytesIO(b"x" * 33_696), "data.bin")})
    html = client.get("/+attachments/SandBox").get_data(as_text=True)
    assert '<span title="33,696 bytes">33 KB</span>' in html
    client.save("SandBox", "y" * 5_000)
    assert '<span title="5,000 bytes">4.9 KB</span>' in client.get("/+history/SandBox").get_data(as_text=True)
    assert '<span title="5,000 bytes">4.9 KB</span>' in client.get("/+info/SandBox").get_data(as_text=True)


def test_go_with_a_new_name_offers_to_create_it_with_the_templates(client: WikiClient) -> None:
    html = client.get("/+search?q=Team+Offsite+2027").get_data(as_text=True)
    assert 'href="/+edit/Team%20Offsite%202027"' in html and "Create page “Team Offsite 2027”" in html
    assert 'href="/+edit/Team%20Offsite%202027?template=MeetingNotesTemplate"' in html
    existing = client.get("/+search?q=SandBox&fulltext=1").get_data(as_text=True)
    assert "Create page" not in existing  # it exists: nothing to create
    assert "Create page" not in client.get("/+search?q=%2Bnot+a+name").get_data(as_text=True)  # "+..." is no name


def test_the_header_has_a_new_page_action(client: WikiClient) -> None:
    front = client.get("/FrontPage").get_data(as_text=True)
    assert 'href="/+new"' in front
    form = client.get("/+new").get_data(as_text=True)
    assert 'name="name"' in form and '<option value="MeetingNotesTemplate">' in form
    started = client.get("/+new?name=Team+Offsite&template=MeetingNotesTemplate")
    assert started.status_code == 303 and started.headers["Location"] == "/+edit/Team%20Offsite?template=MeetingNotesTemplate"
    taken = client.get("/+new?name=SandBox")
    assert taken.status_code == 409 and "exists already" in taken.get_data(as_text=True)
    assert client.get("/+new?name=%00bad").status_code == 400
    client.save("RetroTemplate", "## What went well\n")  # the list of templates follows the pages
    assert '<option value="RetroTemplate">' in client.get("/+new").get_data(as_text=True)
    assert client.post("/+delete/RetroTemplate", data=client.form("/+delete/RetroTemplate")).status_code == 303
    assert '<option value="RetroTemplate">' not in client.get("/+new").get_data(as_text=True)


def test_the_title_is_shown_once(client: WikiClient) -> None:
    front = client.get("/FrontPage").get_data(as_text=True)
    main = front[front.index("<main"):]
    assert main.count("<h1") == 1 and 'Welcome to your wiki<a class="section-edit"' in main  # the text's own
    client.save("Plain", "No heading in this text.")
    plain = client.get("/Plain").get_data(as_text=True)
    assert '<h1 class="page-title">Plain</h1>' in plain  # the name, as before
    client.save("Projects", "All projects.")
    client.save("Projects/Plan", "# The plan\n\nText.")
    sub = client.get("/Projects/Plan").get_data(as_text=True)
    sub_main = sub[sub.index("<main"):]
    assert sub_main.count("<h1") == 1 and '<p class="page-path">' in sub_main and 'href="/Projects"' in sub_main


def test_a_save_says_saved_once_and_a_clean_merge_says_with_whom(client: WikiClient) -> None:
    assert client.save("SandBox", "first line\n\nsecond line\n").status_code == 303
    view = client.get("/SandBox").get_data(as_text=True)
    assert '<p class="notice saved" role="status">Saved.</p>' in view
    assert "Saved." not in client.get("/SandBox").get_data(as_text=True)  # once
    mine = client.form("/+edit/SandBox")
    client.save("SandBox", "first line, theirs\n\nsecond line\n")
    client.get("/SandBox")
    merged = client.post("/+edit/SandBox", data={**mine, "text": "first line\n\nsecond line, mine\n", "action": "save"})
    assert merged.status_code == 303
    said = client.get("/SandBox").get_data(as_text=True)
    assert "merged with the changes of revision 3 by anonymous" in said


def test_conflict_markers_and_an_emptied_page_are_asked_about(client: WikiClient) -> None:
    marked = "mine\n<<<<<<< your version\nA\n=======\nB\n>>>>>>> revision 3\n"
    asked = client.save("SandBox", marked)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 409 and "conflict markers" in body and "&lt;&lt;&lt;&lt;&lt;&lt;&lt; your version" in body
    assert client.get("/+raw/SandBox").get_data(as_text=True) != marked  # nothing saved
    assert client.save("SandBox", marked, keep_markers="1").status_code == 303
    emptied = client.save("SandBox", "  \n")
    assert emptied.status_code == 409 and "The text is empty" in emptied.get_data(as_text=True)
    assert client.save("SandBox", "", confirm_empty="1").status_code == 303
    assert client.save("Brand New", "<<<<<<< not ours\n").status_code == 303  # only the merge's own markers


def test_diffs_mark_the_words_that_changed_inline_and_side_by_side(client: WikiClient) -> None:
    client.save("SandBox", "The quick brown fox jumps.\nUnchanged line.\nGone entirely.\n")
    client.save("SandBox", "The quick red fox jumps.\nUnchanged line.\nSomething else.\n")
    inline = client.get("/+diff/SandBox?from=2&to=3").get_data(as_text=True)
    assert '<del>The quick <mark class="word">brown</mark> fox jumps.</del>' in inline
    assert '<ins>The quick <mark class="word">red</mark> fox jumps.</ins>' in inline
    assert "<del>Gone entirely.</del>" in inline  # nothing in common: the whole line is the change
    assert 'href="/+diff/SandBox?mode=side&amp;from=2&amp;to=3"' in inline
    side = client.get("/+diff/SandBox?from=2&to=3&mode=side").get_data(as_text=True)
    row = re.search(r'<tr class="change"><td class="removed"><del>The quick <mark class="word">brown</mark>.*?</tr>',
                    side, re.S)
    assert row and '<td class="added"><ins>The quick <mark class="word">red</mark> fox jumps.</ins></td>' in row.group(0)
    assert '<tr class="context"><td>Unchanged line.</td><td>Unchanged line.</td></tr>' in side
    assert client.get("/+diff/SandBox?mode=sideways").status_code == 400


def test_a_huge_diff_marks_words_within_a_budget(client: WikiClient) -> None:
    from wiki.views.history import diff_rows

    old = "".join(f"line {n} of the old text here\n" for n in range(20_000))
    new = "".join(f"line {n} of the new text here\n" for n in range(20_000))
    rows = diff_rows(old, new)
    marked = sum(1 for row in rows if row.get("parts"))
    assert 0 < marked < 20_000  # the first lines are marked; the rest show whole
