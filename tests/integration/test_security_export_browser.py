"""F3 and F4 of the second security review: an export is inert wherever it is put.

A wiki holding HTML, SVG, JavaScript, SHTML and XML attachments (each would set the page
title if its script ran) and the review's attribute-splicing page is exported; every exported
page is opened in Chromium from file:// and from a plain HTTP server, and no script runs.
Attachments keep an active extension only if the wiki shows their type inline."""
from __future__ import annotations

import io
import re
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import require
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.servers import free_port, wait_for_http
from wiki.acl import SYSTEM
from wiki.attachments import INLINE_TYPES, AttachmentStore
from wiki.cli import init_store
from wiki.config import load_config
from wiki.export import export_html
from wiki.site import Site
from wiki.storage import Author

pytestmark = pytest.mark.integration

SCRIPT = "<script>document.title='PWNED-'+location.protocol</script>"
ATTACHED = {
    "report.html": f"<html><head><title>report</title></head><body>{SCRIPT}</body></html>",
    "logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="PWNED-svg"</script></svg>',
    "app.js": "document.title='PWNED-js'",
    "page.shtml": f'<!--#exec cmd="id" -->{SCRIPT}',
    "data.xml": '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><script>document.title="PWNED-xml"'
                "</script></html>",
    "evil.php.png": "not really a picture",
    "notes.txt": "plain words",
}
AUTHOR = Author(address="192.0.2.9")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export")
    config = load_config(environ={}, data_dir=root / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)

    def save(name: str, text: str) -> None:
        site.save(None, name, text, base_revision=site.store.current_revision(name), author=AUTHOR, reader=SYSTEM)

    save("XssInc2", 'x" onerror="document.title=\'PWNED-\'+location.protocol" data-x="\n')
    save("XssMoin2", '#format moin\n<<Include(XssInc2)>>\n\n{{{#!html\n'
                     '<img src="nothing-here.png" alt="logo" title="&#57346;0&#57346;">\n}}}\n')
    links = "\n".join(f"* [[attachment:{name}]] {{{{attachment:{name}}}}}" for name in ATTACHED)
    save("AttPage", f"Files:\n\n{links}\n")
    for name, body in ATTACHED.items():
        AttachmentStore(site.store).add("AttPage", name, io.BytesIO(body.encode()), author=AUTHOR, limit=1 << 20)
    out = root / "out"
    export_html(site, out)
    return out


def test_only_inline_types_keep_an_active_extension(exported: Path) -> None:
    import mimetypes

    files = sorted(path.name for path in (exported / "attachments" / "AttPage").iterdir())
    assert files == sorted(["app_js.bin", "data_xml.bin", "evil_php.png", "logo_svg.bin", "notes.txt",
                            "page_shtml.bin", "report_html.bin"])
    for name in files:
        assert name.count(".") == 1, name  # no inner extension for a server to act on
        kind = mimetypes.guess_type(name)[0]
        assert name.endswith(".bin") or kind in INLINE_TYPES, name
    page = (exported / "AttPage.html").read_text("utf-8")
    for name in files:
        assert f"attachments/AttPage/{name}" in page, name  # linked under the name it has


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require(CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]' brings Playwright")
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                                headless=True)
        yield context
        context.close()


@pytest.fixture(scope="module")
def served(exported: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], cwd=exported,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


def test_no_script_runs_in_any_exported_page(exported: Path, served: str, chromium: object) -> None:
    pages = sorted(path.relative_to(exported).as_posix() for path in exported.glob("*.html"))
    assert "XssMoin2.html" in pages and "AttPage.html" in pages
    page = chromium.new_page()  # type: ignore[attr-defined]
    ran: list[str] = []
    page.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))
    try:
        for base in (exported.as_uri(), served):
            for relative in pages:
                page.goto(f"{base}/{relative}", wait_until="load")
                page.wait_for_timeout(50)
                assert not page.title().startswith("PWNED"), (base, relative, page.title())
                assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0, relative
        for name in ("report_html.bin", "logo_svg.bin", "data_xml.bin", "page_shtml.bin", "app_js.bin"):
            with urllib.request.urlopen(f"{served}/attachments/AttPage/{name}") as answer:
                kind = answer.headers["Content-Type"]
            assert not re.search(r"html|svg|xml|javascript", kind), (name, kind)  # a download, never rendered
    finally:
        page.close()
    assert not ran
