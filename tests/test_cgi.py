"""cgi-bin/wiki.cgi in fresh processes: each kind of request loads only what it uses,
and a cached view is byte-for-byte what the full app writes."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wiki.config import PROJECT_ROOT, Config

HEAVY = {"werkzeug", "mako", "markdown", "whoosh", "pygments", "nh3", "flup", "waitress"}
# Mako's own module imports Pygments (to highlight template errors), so every templated
# response has it; Markdown, nh3 and Whoosh are what our code decides to load.
RENDERING = {"markdown", "nh3"}

RUN_AND_LIST_MODULES = r"""
import runpy, sys
try:
    runpy.run_path(sys.argv[1], run_name="__main__")
finally:
    sys.stdout.flush()
    loaded = sorted({name.split(".")[0] for name in sys.modules})
    sys.stderr.write("MODULES " + " ".join(loaded) + "\n")
"""


def environ(data: Path, method: str, path: str, query: str = "", body: bytes = b"", cookie: str = "",
            if_none_match: str = "") -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""), "WIKI_DATA_DIR": str(data), "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": method, "SCRIPT_NAME": "/cgi-bin/wiki.cgi", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    if if_none_match:
        env["HTTP_IF_NONE_MATCH"] = if_none_match
    return env


def run(env: dict[str, str], body: bytes = b"") -> tuple[bytes, set[str]]:
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, str(PROJECT_ROOT / "cgi-bin" / "wiki.cgi")],
                          input=body, env=env, capture_output=True, timeout=60, check=True)
    modules = re.search(rb"MODULES (.*)", done.stderr).group(1).decode().split()  # type: ignore[union-attr]
    return done.stdout, set(modules)


@pytest.fixture
def data(seeded_config: Config) -> Path:
    return seeded_config.data_dir


def test_a_cached_view_loads_no_framework_at_all(data: Path) -> None:
    first, loaded_first = run(environ(data, "GET", "/FrontPage"))
    assert {"werkzeug", "mako", "markdown"} <= loaded_first  # the first view renders and stores
    assert "whoosh" not in loaded_first  # an uncached view never loads the search engine
    second, loaded = run(environ(data, "GET", "/FrontPage"))
    assert not loaded & HEAVY, loaded & HEAVY
    assert second == first  # byte for byte what the full app wrote


def test_cached_304_and_head_match_the_full_app(data: Path) -> None:
    full, _ = run(environ(data, "GET", "/SandBox"))
    etag = re.search(rb'ETag: ("[^"]+")', full).group(1).decode()  # type: ignore[union-attr]
    cached_304, loaded = run(environ(data, "GET", "/SandBox", if_none_match=etag))
    assert not loaded & HEAVY
    head, loaded_head = run(environ(data, "HEAD", "/SandBox"))
    assert not loaded_head & HEAVY
    for path in (data / "cache" / "pages").iterdir():
        path.unlink()
    full_304, loaded_full = run(environ(data, "GET", "/SandBox", if_none_match=etag))
    assert "werkzeug" in loaded_full
    assert cached_304 == full_304 and cached_304.startswith(b"Status: 304")
    full_head, _ = run(environ(data, "HEAD", "/SandBox"))
    assert head == full_head and head.endswith(b"\r\n\r\n")


def test_an_edit_form_loads_neither_whoosh_nor_markdown(data: Path) -> None:
    out, loaded = run(environ(data, "GET", "/+edit/SandBox"))
    assert out.startswith(b"Status: 200")
    assert not loaded & (RENDERING | {"whoosh", "flup", "waitress"})


def test_a_search_loads_no_markdown(data: Path) -> None:
    out, loaded = run(environ(data, "GET", "/+search", "q=editing&fulltext=1"))
    assert out.startswith(b"Status: 200") and b"HelpOnEditing" in out
    assert "whoosh" in loaded and not loaded & RENDERING


def test_a_save_then_the_new_text_is_served(data: Path) -> None:
    form, _ = run(environ(data, "GET", "/+edit/SandBox"))
    cookie = re.search(rb"Set-Cookie: (wiki_csrf=[^;]+)", form).group(1).decode()  # type: ignore[union-attr]
    token = re.search(rb'name="csrf_token" value="(\w+)"', form).group(1).decode()  # type: ignore[union-attr]
    run(environ(data, "GET", "/SandBox"))  # stored
    body = f"csrf_token={token}&base_revision=1&action=save&comment=&text=fresh+text".encode()
    out, loaded = run(environ(data, "POST", "/+edit/SandBox", body=body, cookie=cookie), body)
    assert out.startswith(b"Status: 303")
    assert "markdown" in loaded  # a save renders the page once, recording its links and warming the cache
    view, _ = run(environ(data, "GET", "/SandBox"))
    assert b"fresh text" in view


def test_non_ascii_page_names_are_served_from_the_cache_too(data: Path) -> None:
    from wiki.storage import Author, PageStore

    PageStore(data).save("Café", "crème", base_revision=0, author=Author())
    path = "/Café".encode().decode("utf-8", "surrogateescape")  # how Python sees CGI bytes
    env = environ(data, "GET", "/Café")
    env["PATH_INFO"] = path
    first, _ = run(env)
    second, loaded = run(env)
    assert b"cr\xc3\xa8me" in first and second == first and not loaded & HEAVY


def test_if_modified_since_is_answered_from_the_cache_as_by_the_full_app(data: Path) -> None:
    full, _ = run(environ(data, "GET", "/SandBox"))
    stamp = re.search(rb"Last-Modified: ([^\r]+)", full).group(1).decode()  # type: ignore[union-attr]
    env = environ(data, "GET", "/SandBox")
    env["HTTP_IF_MODIFIED_SINCE"] = stamp
    cached_304, loaded = run(env)
    assert not loaded & HEAVY and cached_304.startswith(b"Status: 304")
    for path in (data / "cache" / "pages").iterdir():
        path.unlink()
    full_304, loaded_full = run(env)
    assert "werkzeug" in loaded_full and cached_304 == full_304
    env["HTTP_IF_MODIFIED_SINCE"] = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert run(env)[0].startswith(b"Status: 200")
