"""`wiki export --html`: every page anonymous readers may read, browsable over the files
(no broken link, no page missing), nothing of a hidden page, and a second run that
rewrites only what changed."""
from __future__ import annotations

import io
import os
import re
import urllib.parse
from pathlib import Path

import pytest

from wiki.acl import SYSTEM
from wiki.cli import init_store
from wiki.cli import main as wiki_main
from wiki.config import Config, load_config
from wiki.export import page_file
from wiki.site import Site
from wiki.storage import Author

LINK = re.compile(r'(?:href|src)="([^"]*)"')
AUTHOR = Author(user_id="test")


@pytest.fixture
def wiki_config(tmp_path: Path) -> Config:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)
    for name, text in {
        "Projects": "See [[/Website]], [[Projects/Shop|the shop]], [[NoSuchPage]] and ![logo](attachment:logo.png).\n",
        "Projects/Website": "Back to [[..]] — or [[../Shop]]. <<PageList(Projects)>>\n",
        "Projects/Shop": "Ünïcode text and <<Include(Projects/Website)>>. [[Secret]] is hidden.\n",
        "Secret": "#acl Known:read All:\nThe walrus word.\n",
        "Ünïcode Page": "Name with spaces and accents. <<RecentChanges(3)>>\n",
    }.items():
        site.save(None, name, text, base_revision=0, author=AUTHOR, reader=SYSTEM)
    site.attach(None, "Projects", "logo.png", io.BytesIO(b"\x89PNG fake"), author=AUTHOR, reader=SYSTEM, limit=1000)
    return config


def broken_links(out: Path) -> list[str]:
    broken = []
    for page in out.rglob("*.html"):
        for raw in LINK.findall(page.read_text("utf-8")):
            target = urllib.parse.urlsplit(raw.replace("&amp;", "&"))
            if target.scheme or raw.startswith(("#", "mailto:")):
                continue
            path = urllib.parse.unquote(target.path)
            if not (page.parent / path).resolve().is_file():
                broken.append(f"{page.relative_to(out)} -> {raw}")
    return broken


def test_the_export_is_complete_and_every_link_works(wiki_config: Config, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert wiki_main(["export", "--html", str(out), "--data-dir", str(wiki_config.data_dir)]) == 0
    assert broken_links(out) == []
    site = Site(wiki_config)
    readable = [name for name in site.store.list_pages() if name != "Secret"]
    for name in readable:
        assert (out / page_file(name)).is_file(), f"{name} is missing from the export"
    index = (out / "index.html").read_text()
    assert all(urllib.parse.quote(page_file(name)) in index for name in readable)
    everything = "".join(path.read_text("utf-8", "replace") for path in out.rglob("*") if path.is_file())
    assert "walrus" not in everything and not (out / page_file("Secret")).exists()
    assert 'href="missing.html"' in (out / page_file("Projects")).read_text()  # NoSuchPage, and Secret
    assert (out / "attachments" / page_file("Projects")[:-5] / "logo.png").read_bytes() == b"\x89PNG fake"
    assert "Back to" in (out / page_file("Projects/Shop")).read_text()  # the included page
    assert (out / "static" / "wiki.css").is_file()


def test_a_second_export_rewrites_only_what_changed(wiki_config: Config, tmp_path: Path) -> None:
    out = tmp_path / "site"
    data = ["--data-dir", str(wiki_config.data_dir)]
    assert wiki_main(["export", "--html", str(out), *data]) == 0
    stamps = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    site = Site(wiki_config)
    site.save(None, "Projects/Website", "Changed text, same links: [[..]] [[../Shop]]\n", base_revision=1,
              author=AUTHOR, reader=SYSTEM)
    site.delete(None, "Ünïcode Page", base_revision=1, author=AUTHOR, reader=SYSTEM)
    os.utime(out / "index.html", ns=(1, 1))  # so that "untouched" is visible in its time
    stamps[out / "index.html"] = 1
    assert wiki_main(["export", "--html", str(out), *data]) == 0
    changed = {path.relative_to(out).as_posix() for path, stamp in stamps.items()
               if not path.exists() or path.stat().st_mtime_ns != stamp}
    assert page_file("Projects/Website") in changed and page_file("Ünïcode Page") in changed  # rewritten; removed
    assert "index.html" in changed  # it lists one page less
    assert page_file("HelpOnEditing") not in changed and "static/wiki.css" not in changed
    assert broken_links(out) == []


def test_export_refuses_a_folder_that_is_not_an_export(wiki_config: Config, tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"keep me")
    assert wiki_main(["export", "--html", str(tmp_path / "photos"), "--data-dir", str(wiki_config.data_dir)]) == 2
    assert (tmp_path / "photos" / "holiday.jpg").read_bytes() == b"keep me"
