"""Concurrent edits: clean three-way merges are saved, clashes come back with markers; drafts."""
from __future__ import annotations

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
