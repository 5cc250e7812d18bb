"""Attachments: upload, list, download with safe types, versions, logged deletes, limits, Markdown."""
from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest

from tests.conftest import WikiClient
from tests.test_views import main_part
from wiki.attachments import sanitize_filename
from wiki.config import Config
from wiki.errors import BadRequest
from wiki.storage import PageStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client: WikiClient, page: str, filename: str, data: bytes, **extra: str) -> int:
    token = client.form(f"/+edit/{page}")["csrf_token"]
    fields = {"csrf_token": token, "file": (io.BytesIO(data), filename), **extra}
    return client.post(f"/+attachments/{page}", data=fields, content_type="multipart/form-data").status_code


def test_upload_list_and_download(client: WikiClient, store: PageStore) -> None:
    assert upload(client, "SandBox", "chart.png", PNG) == 303
    html = main_part(client.get("/+attachments/SandBox").get_data(as_text=True))
    assert "chart.png" in html and f"{len(PNG):,} bytes" in html and "(attachment:chart.png)" in html
    response = client.get("/+download/SandBox?file=chart.png")
    assert response.data == PNG and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    entry = store.recent_changes(1)[0]
    assert (entry.action, entry.name, entry.extra) == ("ATTNEW", "SandBox", "chart.png")


@pytest.mark.parametrize("filename, disposition, mimetype", [
    ("drawing.svg", "attachment", "application/octet-stream"),
    ("page.html", "attachment", "application/octet-stream"),
    ("script.js", "attachment", "application/octet-stream"),
    ("notes.txt", "inline", "text/plain"),
    ("paper.pdf", "inline", "application/pdf"),
])
def test_only_safe_types_are_shown_inline(client: WikiClient, filename: str, disposition: str, mimetype: str) -> None:
    upload(client, "SandBox", filename, b"<svg onload=alert(1)></svg>")
    response = client.get(f"/+download/SandBox?file={filename}")
    assert response.headers["Content-Disposition"].startswith(disposition)
    assert response.mimetype == mimetype


def test_a_new_upload_keeps_the_old_file_as_a_version(client: WikiClient, store: PageStore) -> None:
    upload(client, "SandBox", "notes.txt", b"first")
    upload(client, "SandBox", "notes.txt", b"second")
    assert client.get("/+download/SandBox?file=notes.txt").data == b"second"
    versions = list((store.page_dir("SandBox") / "attachments" / ".versions").iterdir())
    assert [v.read_bytes() for v in versions] == [b"first"]


def test_delete_is_logged_and_keeps_the_bytes(client: WikiClient, store: PageStore) -> None:
    upload(client, "SandBox", "notes.txt", b"keep me")
    assert upload(client, "SandBox", "", b"", action="delete", file="notes.txt") == 303
    assert client.get("/+download/SandBox?file=notes.txt").status_code == 404
    assert store.recent_changes(1)[0].action == "ATTDEL"
    versions = list((store.page_dir("SandBox") / "attachments" / ".versions").iterdir())
    assert [v.read_bytes() for v in versions] == [b"keep me"]
    assert "attachment deleted" in client.get("/+recent").get_data(as_text=True)


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\report.pdf", "report.pdf"),
    (".htaccess", "htaccess"),
    ("...hidden", "hidden"),
    ("bad\x00name\x07.txt", "badname.txt"),
    ("  spaced   out .png", "spaced out .png"),
    ("é" * 150 + ".png", "é" * 98 + ".png"),
])
def test_file_names_are_sanitised(raw: str, clean: str) -> None:
    assert sanitize_filename(raw) == clean


@pytest.mark.parametrize("raw", ["", "...", "/", "\x00\x01"])
def test_unusable_file_names_are_refused(raw: str) -> None:
    with pytest.raises(BadRequest):
        sanitize_filename(raw)


def test_uploads_over_the_limit_get_413_and_leave_nothing(seeded_config: Config,
                                                          snapshot: Callable[[], bool]) -> None:
    from wiki.app import create_app

    client = WikiClient(create_app(seeded_config.replace(max_attachment_bytes=1000)))
    assert upload(client, "SandBox", "big.bin", b"x" * 5000) == 413
    assert upload(client, "SandBox", "big.bin", b"x" * 1001) == 413  # caught while streaming, too
    assert not (seeded_config.data_dir / "pages" / "SandBox" / "attachments").exists() or not any(
        p for p in (seeded_config.data_dir / "pages" / "SandBox" / "attachments").iterdir() if p.is_file())
    assert snapshot()


def test_uploads_need_csrf_and_an_existing_page(client: WikiClient, snapshot: Callable[[], bool]) -> None:
    response = client.post("/+attachments/SandBox", data={"file": (io.BytesIO(b"x"), "a.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert upload(client, "NoSuchPage", "a.txt", b"x") == 404
    assert snapshot()


def test_markdown_shows_and_links_attachments(client: WikiClient) -> None:
    upload(client, "SandBox", "chart.png", PNG)
    client.save("SandBox", "![the chart](attachment:chart.png) [report](attachment:report.pdf) "
                           "![other](attachment:FrontPage/logo.png)")
    html = client.get("/SandBox").get_data(as_text=True)
    assert '<img alt="the chart" src="/+download/SandBox?file=chart.png">' in html
    assert re.search(r'<a class="attachment missing" href="/\+attachments/SandBox"[^>]*>report</a>', html)
    assert re.search(r'<a class="attachment missing" href="/\+attachments/FrontPage"[^>]*>other</a>', html)
    upload(client, "SandBox", "report.pdf", b"%PDF-1.4")
    assert 'href="/+download/SandBox?file=report.pdf"' in client.get("/SandBox").get_data(as_text=True)


def test_attachments_follow_their_page_through_rename_delete_and_restore(client: WikiClient) -> None:
    assert client.save("Gallery", "![photo](attachment:photo.png)").status_code == 303
    token = client.form("/+attachments/Gallery")["csrf_token"]
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    assert client.post("/+attachments/Gallery", data={"csrf_token": token, "file": (io.BytesIO(png), "photo.png")},
                       content_type="multipart/form-data").status_code == 303
    fields = client.form("/+rename/Gallery")
    assert client.post("/+rename/Gallery", data={**fields, "new_name": "Pictures"}).status_code == 303
    assert client.get("/+download/Pictures?file=photo.png").get_data() == png
    assert client.get("/+download/Gallery?file=photo.png").status_code == 404
    assert "not attached yet" not in client.get("/Pictures").get_data(as_text=True)
    assert "photo.png" in client.get("/+attachments/Pictures").get_data(as_text=True)
    fields = client.form("/+delete/Pictures")
    assert client.post("/+delete/Pictures", data={**fields, "comment": ""}).status_code == 303
    assert client.get("/+download/Pictures?file=photo.png").status_code == 404
    fields = client.form("/+revert/Pictures?rev=2")
    assert client.post("/+revert/Pictures", data={**fields, "revision": "2", "comment": ""}).status_code == 303
    assert client.get("/+download/Pictures?file=photo.png").get_data() == png


def test_the_editors_upload_gets_the_stored_name_back(client: WikiClient) -> None:
    """The editor's script asks for JSON: the name the file was stored under (it may differ)."""
    token = client.form("/+edit/SandBox")["csrf_token"]
    response = client.post("/+attachments/SandBox", headers={"Accept": "application/json"},
                           data={"csrf_token": token, "file": (io.BytesIO(PNG), "../my photo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json() == {"name": "my photo.png"}
    assert client.get("/+download/SandBox?file=my%20photo.png").data == PNG
    new = client.post("/+attachments/NoSuchPage", headers={"Accept": "application/json"},
                      data={"csrf_token": token, "file": (io.BytesIO(PNG), "x.png")}, content_type="multipart/form-data")
    assert new.status_code == 404  # a page is made before files are attached to it


def test_the_editors_first_preview_keeps_no_draft(client: WikiClient) -> None:
    form = client.form("/+edit/SandBox")
    text = client.get("/+raw/SandBox").get_data(as_text=True)
    first = client.post("/+edit/SandBox", data={**form, "text": text, "action": "preview", "fragment": "1",
                                                 "keep_draft": "0"})
    assert first.status_code == 200
    client.post("/+edit/SandBox", data={**form, "text": "typed", "action": "preview", "fragment": "1"})
    client.post("/+edit/SandBox", data={**form, "text": text, "action": "preview", "fragment": "1",
                                         "keep_draft": "0"})  # the editor opened again: the draft stays
    assert "typed</textarea>" in client.get("/+edit/SandBox?draft=restore").get_data(as_text=True)
