"""A wheel is a complete wiki: built from the repository, installed with pip into a fresh
virtualenv and run from a folder outside the checkout, it has its sub-packages, its theme
and its starter pages, and says its version."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.servers import fetch, free_port, wait_for_http
from wiki import __version__
from wiki.config import PROJECT_ROOT

pytestmark = pytest.mark.integration


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done  # type: ignore[no-any-return]


def test_an_installed_wheel_is_a_complete_wiki(tmp_path: Path) -> None:
    wheels, source = tmp_path / "wheels", tmp_path / "source"
    # From a copy without build leftovers: setuptools reuses an old build/ folder, which would
    # hide a file the current pyproject.toml leaves out. pip builds in isolation, with the backend
    # pyproject.toml asks for.
    shutil.copytree(PROJECT_ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "instance", "test-artifacts", "__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(source)])
    (wheel,) = wheels.glob("flatwiki-*.whl")
    assert __version__ in wheel.name

    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python, wiki = environment / "bin" / "python", environment / "bin" / "wiki"
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)])

    outside = tmp_path / "elsewhere"  # no checkout here: nothing may be found beside the code
    outside.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WIKI_", "PYTHON"))}
    assert run([str(wiki), "--version"], cwd=outside, env=env).stdout.strip() == f"flatwiki {__version__}"
    located = run([str(python), "-c", "import wiki; print(wiki.__file__)"], cwd=outside, env=env).stdout
    assert str(environment) in located and str(PROJECT_ROOT) not in located
    initialised = run([str(wiki), "init", "--data-dir", "data"], cwd=outside, env=env).stdout
    assert re.search(r"\b[1-9]\d* starter page\(s\) added", initialised), initialised

    port = free_port()
    server = subprocess.Popen([str(wiki), "serve", "--port", str(port), "--data-dir", "data"], cwd=outside, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/", server)
        status, _, body = fetch(base + "/HelpOnEditing")
        assert status == 200 and b"Help/Subpages" in body  # a starter page, rendered through the theme
        stylesheet = re.search(rb'href="(/\+static/[^"]+/wiki\.css)"', body)
        assert stylesheet, body[:500]
        status, headers, css = fetch(base + stylesheet.group(1).decode())
        assert status == 200 and headers["Content-Type"].startswith("text/css") and b".user-nav" in css
        status, _, _ = fetch(base + "/+search?q=editing&fulltext=1")  # Whoosh and the search view
        assert status == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert b"Traceback" not in errors, errors.decode(errors="replace")[-3000:]
