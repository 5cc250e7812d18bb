"""A person in a real browser (Debian's Chromium, driven by Playwright): edit, preview, save,
search from the header, history and diff — against `wiki serve` and Apache mod_wsgi.

Screenshots of every page visited go to test-artifacts/screenshots/<site>/ for a person to look at.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration import sites
from tests.integration.conftest import Deployment, require
from tests.integration.scenario import Site
from wiki.config import PROJECT_ROOT

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require(CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]' brings Playwright")
    with tempfile.TemporaryDirectory() as profile, sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1200, "height": 900},
        )
        yield context
        context.close()


def walk_through(context: object, site: Site) -> list[Path]:
    """What a person does: open the front page, edit with preview, save, search, history, diff."""
    folder = SCREENSHOTS / site.label
    folder.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    page = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    def shot(name: str) -> None:
        path = folder / f"{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    page.goto(site.url("/"))
    assert page.title().startswith("FrontPage")
    shot("front-page")

    page.get_by_role("link", name="SandBox").first.click()
    page.get_by_role("navigation", name="This page").get_by_role("link", name="Edit").click()
    assert page.url == site.url("/+edit/SandBox")
    page.get_by_label("Page text").fill(f"# Browser test\n\nA **{site.label}** platypus was here.\n")
    page.get_by_label("Comment").fill("from the browser test")
    page.get_by_role("button", name="Preview").click()
    assert page.locator("section.preview strong").inner_text() == site.label
    shot("preview")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(site.url("/SandBox"))
    assert "platypus was here" in page.locator("article.page-content").inner_text()
    shot("saved")

    page.get_by_label("Search the wiki or go to a page").fill("platypus")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/+search?**")
    assert page.get_by_role("link", name="SandBox").count() >= 1
    assert page.locator("mark").first.inner_text().lower() == "platypus"
    shot("search")

    page.get_by_label("Search the wiki or go to a page").fill("HelpOnEditing")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url(site.url("/HelpOnEditing"))
    shot("jump-to-title")

    page.goto(site.url("/SandBox"))
    page.get_by_role("link", name="History").click()
    assert "from the browser test" in page.locator("table.history").inner_text()
    shot("history")
    page.get_by_role("button", name="Compare selected revisions").click()
    assert "platypus" in " ".join(page.locator("table.diff tr.added").all_inner_texts())
    shot("diff")
    assert not errors, errors  # the CSP blocked nothing and no script failed
    page.close()
    return shots


def check_screenshots(shots: list[Path]) -> None:
    assert len(shots) == 7
    for path in shots:
        assert path.stat().st_size > 5000, f"{path} looks empty"


def test_a_person_uses_the_wiki_under_wiki_serve(browser: object, tmp_path: Path) -> None:
    with sites.wiki_serve(tmp_path / "data") as site:
        check_screenshots(walk_through(browser, site))


def test_a_person_uses_the_wiki_under_apache_mod_wsgi(browser: object, deployment: Deployment) -> None:
    with sites.apache(deployment) as found:
        check_screenshots(walk_through(browser, found["apache-wsgi"]))


def test_a_person_registers_signs_in_edits_signs_out_and_meets_a_protected_page(browser: object,
                                                                                tmp_path: Path) -> None:
    """MoinMoin 1.9's default ACLs: a page for signed-in people only."""
    import io

    from wiki.cli import init_store
    from wiki.config import load_config
    from wiki.storage import Author, PageStore

    data = tmp_path / "data"
    init_store(load_config(environ={}, data_dir=data), io.StringIO())
    PageStore(data).save("MembersOnly", "#acl Known:read,write All:\nOnly members see the kangaroo.\n",
                         base_revision=0, author=Author(user_id="flatwiki"))
    folder = SCREENSHOTS / "accounts"
    folder.mkdir(parents=True, exist_ok=True)
    with sites.wiki_serve(data) as site:
        page = browser.new_page()  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto(site.url("/MembersOnly"))
        assert "kangaroo" not in page.content()
        assert "without signing in" in page.locator("main").inner_text()
        page.screenshot(path=str(folder / "01-protected.png"), full_page=True)

        page.get_by_role("navigation", name="Account").get_by_role("link", name="Create account").click()
        page.get_by_label("Name", exact=False).first.fill("PlaywrightPat")
        page.get_by_label("Password (at least 8 characters)").fill("a long enough password")
        page.get_by_label("Password again").fill("a long enough password")
        page.get_by_role("button", name="Create account").click()
        assert "Account created" in page.locator("h1").inner_text()
        page.get_by_label("Password").fill("a long enough password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(site.url("/FrontPage"))
        assert page.get_by_role("navigation", name="Account").get_by_role("link", name="PlaywrightPat").count() == 1
        page.screenshot(path=str(folder / "02-signed-in.png"), full_page=True)

        page.goto(site.url("/MembersOnly"))
        assert "kangaroo" in page.locator("article.page-content").inner_text()
        page.get_by_role("navigation", name="This page").get_by_role("link", name="Edit").click()
        page.get_by_label("Page text").fill("#acl Known:read,write All:\nThe kangaroo met PlaywrightPat.\n")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(site.url("/MembersOnly"))
        page.get_by_role("link", name="History").click()
        assert page.locator("table.history a.user").first.inner_text() == "PlaywrightPat"
        page.screenshot(path=str(folder / "03-history.png"), full_page=True)

        page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign out").click()
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(site.url("/FrontPage"))
        page.goto(site.url("/MembersOnly"))
        assert "kangaroo" not in page.content()
        page.screenshot(path=str(folder / "04-signed-out.png"), full_page=True)
        # The console reports each 403 of the protected page as a failed load; nothing else may fail.
        assert [error for error in errors if "status of 403" not in error] == [], errors
        assert len(errors) == 2
        page.close()


def test_no_page_scrolls_sideways_on_a_phone(browser: object, tmp_path: Path) -> None:
    """At 390 px, every starter page and every action page fits the screen's width (wide
    tables and code scroll inside their own box), and history keeps comments in view."""
    from wiki.cli import starter_pages

    starters = ["/" + name for name, _ in starter_pages(PROJECT_ROOT / "pages")]
    actions = ["/+history/FrontPage", "/+diff/FrontPage?from=0&to=1", "/+info/FrontPage", "/+edit/FrontPage",
               "/+attachments/FrontPage", "/+recent", "/+index", "/+search?q=wiki&fulltext=1", "/+backlinks/FrontPage",
               "/+orphans", "/+wanted", "/+login", "/+register", "/+new", "/+print/HelpOnEditing", "/+raw/FrontPage",
               "/+revert/FrontPage?rev=1", "/NoSuchPage", "/+search?q=Brand+New+Page", "/+theme",
               "/+edit/FrontPage?section=0"]
    with sites.wiki_serve(tmp_path / "data") as site:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.set_viewport_size({"width": 390, "height": 844})
        wide = []
        for path in starters + actions:
            page.goto(site.url(path))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide.append(f"{path}: {width} px")
        assert wide == [], wide
        page.goto(site.url("/+history/FrontPage"))
        comment = page.locator("table.history td.comment").first.bounding_box()
        assert comment is not None and comment["x"] + comment["width"] <= 390
        folder = SCREENSHOTS / "phone"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "history.png"), full_page=True)
        page.close()
