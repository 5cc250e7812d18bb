"""Everything the wiki writes is private to its user and group, whatever umask it started with."""
from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from tests.conftest import WikiClient
from wiki.app import create_app
from wiki.cli import main
from wiki.config import Config


def test_data_files_are_0640_folders_0750_and_the_secret_key_0600(config: Config) -> None:
    previous = os.umask(0)  # as a careless service manager might start the server
    try:
        assert main(["init", "--data-dir", str(config.data_dir)]) == 0
        client = WikiClient(create_app(config))
        assert client.save("Private", "secret words [[FrontPage]]").status_code == 303
        client.post("/+edit/Private", data={**client.form("/+edit/Private"), "text": "draft", "action": "preview",
                                            "comment": ""})
        token = client.form("/+attachments/Private")["csrf_token"]
        client.post("/+attachments/Private", data={"csrf_token": token, "file": (io.BytesIO(b"bytes"), "a.txt")},
                    content_type="multipart/form-data")
        for url in ("/Private", "/+search?q=secret&fulltext=1", "/+recent", "/+index"):
            assert client.get(url).status_code == 200
        assert main(["reindex", "--data-dir", str(config.data_dir)]) == 0
    finally:
        os.umask(previous)
    seen = 0
    for path in [config.data_dir, *config.data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode & 0o027 == 0, f"{path.relative_to(config.data_dir.parent)} is {oct(mode)}"
        seen += 1
    assert seen > 50
    assert stat.S_IMODE((config.data_dir / "secret-key").stat().st_mode) == 0o600
    assert any(Path(p).name == "a.txt" for p in config.data_dir.rglob("a.txt"))
