"""The operations recipes that are not a web server's: the systemd unit shipped in docs/
is valid (`systemd-analyze verify`, where systemd is installed) and its command line
really serves the wiki."""
from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import fetch, free_port, wait_for_http
from wiki.config import PROJECT_ROOT

UNIT = PROJECT_ROOT / "docs" / "flatwiki.service"
VENV_WIKI = "/srv/flatwiki/venv/bin/wiki"


def unit_here(tmp_path: Path) -> Path:
    """The unit with its example paths pointed at this checkout's virtualenv."""
    wiki = Path(sys.executable).parent / "wiki"
    path = tmp_path / "flatwiki.service"
    path.write_text(UNIT.read_text().replace(VENV_WIKI, str(wiki)))
    return path


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: systemd)")
    done = subprocess.run([analyze, "verify", str(unit_here(tmp_path))], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_units_command_line_serves_the_wiki(tmp_path: Path) -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(unit_here(tmp_path).read_text())
    service = unit["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/wiki") and command[1] == "serve" and VENV_WIKI in UNIT.read_text()
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    config = tmp_path / "wiki.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    variable, _, _ = service["Environment"].partition("=")
    assert variable == "WIKI_CONFIG"
    process = subprocess.Popen(command, env={"WIKI_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process)
        status, _, body = fetch(f"http://127.0.0.1:{port}/FrontPage")
        assert status == 200 and b"Welcome to your wiki" in body
    finally:
        process.terminate()
        process.wait(timeout=30)
