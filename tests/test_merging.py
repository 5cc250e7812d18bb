"""Concurrent edits: clean three-way merges are saved, clashes come back with markers; drafts."""
from __future__ import annotations

import re

from tests.conftest import WikiClient
from wiki.merging import merge
from wiki.storage import PageStore

BASE = "Title\n\nfirst paragraph\n\nmiddle\n\nlast paragraph\n"


def test_merge_combines_changes_to_different_lines() -> None:
    theirs = BASE.replace("first paragraph", "FIRST paragraph")
    yours = BASE.replace("last paragraph", "LAST paragraph")
    merged = merge(BASE, theirs, yours, "revision 2")
    assert merged.conflicts == 0
    assert merged.text == BASE.replace("first", "FIRST").replace("last", "LAST")


def test_merge_marks_clashes_keeping_both() -> None:
    merged = merge(BASE, BASE.replace("middle", "theirs"), BASE.replace("middle", "mine"), "revision 2")
    assert merged.conflicts == 1
    assert "<<<<<<< your version\nmine\n=======\ntheirs\n>>>>>>> revision 2\n" in merged.text


def start_editing(client: WikiClient, name: str) -> dict[str, str]:
    return client.form(f"/+edit/{name}")


def test_a_clean_merge_is_saved_with_a_note(client: WikiClient, store: PageStore) -> None:
    client.save("Doc", BASE)
    mine = start_editing(client, "Doc")
    client.save("Doc", BASE.replace("first paragraph", "FIRST paragraph"))
    response = client.post("/+edit/Doc", data={**mine, "text": BASE.replace("last", "LAST"), "comment": "mine",
                                               "action": "save"})
    assert response.status_code == 303
    assert store.read("Doc").text == BASE.replace("first", "FIRST").replace("last", "LAST")
    assert store.history("Doc")[0].comment == "mine (merged with revision 2)"


def test_a_clash_returns_409_with_markers_and_both_diffs(client: WikiClient, store: PageStore) -> None:
    client.save("Doc", BASE)
    mine = start_editing(client, "Doc")
    client.save("Doc", BASE.replace("middle", "theirs"))
    response = client.post("/+edit/Doc", data={**mine, "text": BASE.replace("middle", "mine"), "action": "save"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt; your version\nmine\n=======\ntheirs\n&gt;&gt;&gt;&gt;&gt;&gt;&gt; revision 2" in html
    assert "<caption>Their changes</caption>" in html and "<caption>Your changes</caption>" in html
    assert "<ins>theirs</ins>" in html and "<ins>mine</ins>" in html
    assert store.read("Doc").text == BASE.replace("middle", "theirs")  # nothing overwritten


def test_a_preview_draft_is_offered_back_and_restored(client: WikiClient) -> None:
    client.save("Doc", BASE)
    fields = start_editing(client, "Doc")
    client.post("/+edit/Doc", data={**fields, "text": "my unsaved words", "action": "preview"})
    editor = client.get("/+edit/Doc").get_data(as_text=True)  # the tab was closed; we come back
    assert "unsaved draft" in editor and "/+edit/Doc?draft=restore" in editor
    restored = client.get("/+edit/Doc?draft=restore").get_data(as_text=True)
    assert "my unsaved words" in restored and 'name="base_revision" value="1"' in restored
    client.save("Doc", "my unsaved words")
    assert "unsaved draft" not in client.get("/+edit/Doc").get_data(as_text=True)  # saved: draft gone


def test_drafts_are_private_to_their_browser(seeded_config: object) -> None:
    from wiki.app import create_app

    app = create_app(seeded_config)  # type: ignore[arg-type]
    alice, bob = WikiClient(app), WikiClient(app)
    fields = alice.form("/+edit/SandBox")
    alice.post("/+edit/SandBox", data={**fields, "text": "alice's secret draft", "action": "preview"})
    assert "unsaved draft" in alice.get("/+edit/SandBox").get_data(as_text=True)
    assert "unsaved draft" not in bob.get("/+edit/SandBox").get_data(as_text=True)


def test_large_and_repetitive_texts_diff_and_merge(client: WikiClient) -> None:
    """Two 16,000-line revisions with every other line changed (21.7 s with difflib) and texts of
    nothing but blank lines diff and merge correctly; bench/render.py-style timing is not asserted."""
    from wiki.merging import unified_diff

    old = "".join(f"line {i} of the page\n" for i in range(16000))
    new = "".join(line if i % 2 else f"changed {i}\n" for i, line in enumerate(old.splitlines(keepends=True)))
    assert client.save("Long", old).status_code == 303
    assert client.save("Long", new).status_code == 303
    html = client.get("/+diff/Long").get_data(as_text=True)
    assert len(re.findall(r'<ins>(?:<mark class="word">)?changed', html)) == 8000  # (the words may be marked)
    unified = client.get("/+diff/Long?format=unified").get_data(as_text=True)
    assert unified.count("\n+changed ") == 8000 and unified.count("\n-line ") == 8000
    blanks = list(unified_diff(["\n"] * 5000, ["x\n" if i % 2 else "\n" for i in range(5000)]))
    assert sum(1 for line in blanks if line.startswith("+x")) == 2500
    merged = merge("\n" * 3000, "\n" * 3000 + "theirs\n", "mine\n" + "\n" * 3000, "revision 2")
    assert merged.conflicts == 0 and merged.text.startswith("mine\n") and merged.text.endswith("theirs\n")
