"""F16 of the second security review: what attachments take is bounded per page, per account
or address, and in all, replaced versions counted; each limit answers 507 with a themed page
naming it, and nothing is stored. The real app, real files."""
from __future__ import annotations

import html
import io
from pathlib import Path

from tests.conftest import WikiClient
from tests.test_attachments import upload
from wiki.app import create_app
from wiki.attachments import AttachmentTotal
from wiki.cli import init_store
from wiki.config import load_config
from wiki.storage import PageStore

KB = 1024


def wiki(tmp_path: Path, **limits: int) -> tuple[WikiClient, Path]:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="",
                         acl_rights_default="All:read,write,delete,revert", **limits)
    init_store(config, io.StringIO())
    return WikiClient(create_app(config)), config.data_dir


def answer_of(client: WikiClient, page: str, name: str, size: int) -> tuple[int, str]:
    token = client.form(f"/+edit/{page}")["csrf_token"]
    response = client.post(f"/+attachments/{page}", data={"csrf_token": token, "file": (io.BytesIO(b"x" * size), name)},
                           content_type="multipart/form-data")
    return response.status_code, html.unescape(response.get_data(as_text=True))


def test_replacing_one_file_again_and_again_meets_the_pages_limit(tmp_path: Path) -> None:
    client, data = wiki(tmp_path, page_attachments_bytes=300 * KB, upload_bytes_per_day=0)
    statuses = [answer_of(client, "SandBox", "same.bin", 100 * KB)[0] for _ in range(4)]
    assert statuses == [303, 303, 303, 507]  # the versions kept count
    status, body = answer_of(client, "SandBox", "other.bin", 1 * KB)
    assert status == 507 and "attachments of 'SandBox' may take at most 307,200 bytes" in body
    assert "<!DOCTYPE html>" in body  # the themed page
    folder = PageStore(data).page_dir("SandBox") / "attachments"
    assert not (folder / "other.bin").exists()
    assert upload(client, "FrontPage", "elsewhere.bin", b"y" * 100 * KB) == 303  # another page has its own


def test_one_address_meets_its_daily_allowance_another_does_not(tmp_path: Path) -> None:
    client, data = wiki(tmp_path, upload_bytes_per_day=250 * KB)
    assert [answer_of(client, "SandBox", f"f{n}.bin", 100 * KB)[0] for n in range(3)] == [303, 303, 507]
    other = WikiClient(create_app(load_config(environ={}, data_dir=data, rate_limits="",
                                              acl_rights_default="All:read,write,delete,revert",
                                              upload_bytes_per_day=250 * KB)))
    other.open = lambda *a, _open=other.open, **k: _open(*a, **{"environ_base": {"REMOTE_ADDR": "192.0.2.50"}, **k})  # type: ignore[method-assign]
    status, body = answer_of(other, "SandBox", "theirs.bin", 100 * KB)
    assert status == 303, body


def test_the_wikis_total_counts_every_page_and_heals_when_lost(tmp_path: Path) -> None:
    client, data = wiki(tmp_path, attachments_bytes=250 * KB, upload_bytes_per_day=0)
    assert answer_of(client, "SandBox", "a.bin", 100 * KB)[0] == 303
    assert answer_of(client, "FrontPage", "b.bin", 100 * KB)[0] == 303
    status, body = answer_of(client, "HelpOnEditing", "c.bin", 100 * KB)
    assert status == 507 and "All attachments of this wiki may take at most" in body
    total = AttachmentTotal(PageStore(data))
    assert total.current() == 200 * KB
    total.path.write_text("damaged")
    assert total.current() == 200 * KB  # counted again from the folders
