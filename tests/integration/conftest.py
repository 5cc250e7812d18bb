"""Real servers for the integration tests: what they need, and a deployment they can read.

Apache and lighttpd run scripts and daemons as www-data, which cannot read /root
(where pyenv and maybe this checkout live). So each test run deploys a copy of the
code to a world-readable folder and uses a venv made with Debian's /usr/bin/python3
(the Python that Debian's mod_wsgi embeds), kept in /var/tmp between runs.
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wiki.config import PROJECT_ROOT

INSTALL_HINT = (
    "run `make test` as root on Debian (it installs them via .ci/system-packages), or: "
    "apt-get install apache2 libapache2-mod-wsgi-py3 lighttpd chromium python3-venv"
)
SERVER_USER = "www-data"
DEBIAN_PYTHON = "/usr/bin/python3"


def require(*paths: str) -> None:
    """Skip, naming the install command, unless we are root and every program is installed."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}: {INSTALL_HINT}")
    if os.geteuid() != 0:
        pytest.skip(f"real-server tests start servers that switch to {SERVER_USER}: {INSTALL_HINT}")
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        pytest.skip(f"no {SERVER_USER} user: {INSTALL_HINT}")


def world_readable_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def give_to_server_user(path: Path) -> None:
    user = pwd.getpwnam(SERVER_USER)
    for folder, _, files in os.walk(path):
        os.chown(folder, user.pw_uid, user.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), user.pw_uid, user.pw_gid)


@pytest.fixture(scope="session")
def www_venv() -> Path:
    """A venv of Debian's Python with the project's dependencies, readable by www-data."""
    require(DEBIAN_PYTHON)
    dependencies = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    key = hashlib.sha1(("\n".join(dependencies) + DEBIAN_PYTHON).encode()).hexdigest()[:12]
    venv = Path(f"/var/tmp/flatwiki-www-venv-{key}")
    if not (venv / "ready").exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([DEBIAN_PYTHON, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *dependencies],
                       check=True)
        (venv / "ready").touch()
    return venv


@dataclass(frozen=True)
class Deployment:
    """The code as an administrator would install it: readable by the server, scripts pointed at the venv."""

    code: Path
    venv: Path

    def data_dir(self, label: str) -> Path:
        """A data directory with the starter pages, owned by the server's user."""
        data = world_readable_dir(f"flatwiki-data-{label}-")
        subprocess.run([str(self.venv / "bin" / "python"), "-c",
                        "import sys; sys.path.insert(0, sys.argv[1]); from wiki.cli import main; "
                        "sys.exit(main(['init', '--data-dir', sys.argv[2]]))", str(self.code), str(data)],
                       check=True, capture_output=True)
        give_to_server_user(data)
        return data

    def config_file(self, data: Path, name: str) -> Path:
        path = self.code / name
        path.write_text(f'data_dir = "{data}"\nsite_name = "Integration wiki"\n')
        path.chmod(0o644)
        return path


@pytest.fixture(scope="session")
def deployment(www_venv: Path) -> Iterator[Deployment]:
    code = world_readable_dir("flatwiki-code-")
    for part in ("wiki", "themes", "pages", "cgi-bin"):
        shutil.copytree(PROJECT_ROOT / part, code / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "wsgi.py", code / "wsgi.py")
    for script in ("wiki.cgi", "wiki.fcgi"):  # the README's step: point the first line at the venv
        path = code / "cgi-bin" / script
        lines = path.read_text().splitlines(keepends=True)
        path.write_text(f"#!{www_venv}/bin/python\n" + "".join(lines[1:]))
        path.chmod(0o755)
    subprocess.run([str(www_venv / "bin" / "python"), "-m", "compileall", "-q", str(code / "wiki")], check=True)
    for folder, _, files in os.walk(code):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            os.chmod(path, 0o755 if name.endswith((".cgi", ".fcgi")) else 0o644)
    yield Deployment(code, www_venv)
    shutil.rmtree(code, ignore_errors=True)
