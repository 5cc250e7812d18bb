"""A round trip: a 1.9 wiki imported into flatwiki, changed there (saves, deletes, renames,
attachments), then read by MoinMoin 2's own importer (`moin import19`, PyPI moin 2.0.0b5 in a
virtualenv of its own, made once and cached): every page and revision arrives."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.moin19 import PASSWORDS, build
from tests.test_moinimport import client_for, run_import
from wiki.storage import PageStore

MOIN2 = "moin==2.0.0b5"
CACHE = Path(os.environ.get("FLATWIKI_TEST_CACHE", Path.home() / ".cache" / "flatwiki-tests"))


@pytest.fixture(scope="module")
def moin2() -> Path:
    """The `moin` command of MoinMoin 2, installed once into a cached virtualenv."""
    venv = CACHE / "moin-2.0.0b5"
    command = venv / "bin" / "moin"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=120)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", MOIN2], check=True, timeout=900)
    return command


def index_dump(moin: Path, instance: Path) -> list[dict[str, str]]:
    """Every revision MoinMoin 2 holds, from `moin index-dump` (records of `key value` lines)."""
    dump = subprocess.run([str(moin), "index-dump", "--no-truncate"], cwd=instance, capture_output=True, text=True,
                          check=True, timeout=300).stdout
    section = dump.split("---------- all_revs")[1].split("---------- latest_meta")[0]
    records = []
    for block in section.split("\n\n"):
        record = dict(line.split(" ", 1) for line in block.splitlines() if " " in line and not line.startswith(" "))
        if "rev_number" in record:
            records.append(record)
    return records


def item_text(moin: Path, instance: Path, name: str, revid: str) -> str:
    """A revision's stored text as MoinMoin 2 hands it out (`moin item-get`)."""
    subprocess.run([str(moin), "item-get", "-n", name, "-r", revid, "-m", "meta.json", "-d", "data.txt"],
                   cwd=instance, check=True, capture_output=True, timeout=120)
    return (instance / "data.txt").read_text("utf-8")


def test_moin2_reads_every_page_and_revision_flatwiki_wrote(tmp_path: Path, moin2: Path) -> None:
    source, data = tmp_path / "moin19", tmp_path / "flatwiki"
    build(source)
    assert run_import(source, data).returncode == 0
    client = client_for(data)
    client.sign_in("Ann Example", PASSWORDS["Ann Example"])  # deleting and renaming take an account
    assert client.save("FrontPage", "Edited in ''flatwiki''.\n").status_code == 303
    assert client.save("Fresh Page", "Made in flatwiki.\n").status_code == 303
    assert client.save("Doomed", "Deleted in flatwiki.\n").status_code == 303
    form = client.form("/+delete/Doomed")
    assert client.post("/+delete/Doomed", data=form).status_code == 303
    form = client.form("/+rename/Fresh Page")
    assert client.post("/+rename/Fresh Page", data={**form, "new_name": "Moved Page"}).status_code == 303
    form = client.form("/+attachments/Help/Syntax")
    upload = client.post("/+attachments/Help/Syntax", data={**form, "file": (io.BytesIO(b"new file"), "notes.txt")},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    store = PageStore(data)
    assert not store.exists("Doomed") and store.exists("Moved Page")

    instance = tmp_path / "moin2"
    subprocess.run([str(moin2), "create-instance", "-p", str(instance)], check=True, capture_output=True, timeout=120)
    subprocess.run([str(moin2), "index-create"], cwd=instance, check=True, capture_output=True, timeout=120)
    imported = subprocess.run([str(moin2), "import19", "-d", str(data)], cwd=instance, capture_output=True,
                              text=True, timeout=600)
    assert imported.returncode == 0, imported.stderr[-3000:]
    log = imported.stdout + imported.stderr
    assert "Traceback" not in log
    assert "Users:               5" in log
    for deleted in ("Doomed", "Gone", "Old Name", "Fresh Page"):  # moin 2 leaves deleted items behind, by name
        assert f"Deleted item not migrated: {deleted}," in log

    revisions = index_dump(moin2, instance)
    held = {(record["name"], int(record["rev_number"])): record for record in revisions}
    for name in store.list_pages():
        history = [entry for entry in store.history(name) if entry.action not in ("ATTNEW", "ATTDEL")]
        for entry in history:
            record = held.get((repr([entry.name]), entry.revision))  # under the name it had then (renames)
            assert record is not None, f"{name} revision {entry.revision} did not arrive"
            if "Converted" in record.get("comment", "") or name.endswith("Group"):
                continue  # moin 2's own conversions: markup, and group members into metadata
            text = store.read(name, entry.revision).text
            got = item_text(moin2, instance, name, eval(record["revid"]))  # noqa: S307 (the dump shows a repr)
            lines = text.split("\n")
            while lines and lines[0].startswith("#"):  # processing instructions: moin 2 keeps them as metadata
                lines.pop(0)
            assert got.replace("\r", "").rstrip("\n") == "\n".join(lines).rstrip("\n"), f"{name} r{entry.revision}"
    attachments = {record["name"] for record in revisions}
    assert {repr(["Help/Syntax/logo.png"]), repr(["Help/Syntax/read me.txt"]),
            repr(["Help/Syntax/notes.txt"])} <= attachments
