"""The editor and the theme in Chromium (Playwright): toolbar, keys, live preview, the draft,
the warning before leaving, images dropped in, section editing, dark mode, the phone's
action menu, and axe-core's accessibility rules over the main pages.

Screenshots go to test-artifacts/screenshots/editor/ and .../axe/.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import sites
from tests.integration.conftest import require
from tests.integration.scenario import Site
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

pytestmark = pytest.mark.integration

CACHE = Path(os.environ.get("FLATWIKI_TEST_CACHE", Path.home() / ".cache" / "flatwiki-tests"))
AXE = "axe-core@4.10"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require(CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]' brings Playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with sites.wiki_serve(tmp_path_factory.mktemp("editor") / "data") as running:
        yield running


def new_page(chromium: object, **options: object) -> tuple[object, list[str]]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, **options)  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def shot(page: object, name: str, folder: str = "editor") -> None:
    path = SCREENSHOTS / folder
    path.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_toolbar_keys_live_preview_and_save(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium)
    page.goto(site.url("/+edit/EditorTrial"))  # type: ignore[attr-defined]
    text = page.locator("textarea[name=text]")  # type: ignore[attr-defined]
    text.fill("Hello ")
    text.press("End")
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Bold").click()  # type: ignore[attr-defined]
    assert text.input_value() == "Hello **bold text**"
    text.press("End")
    text.type(" and ")
    text.press("Control+i")
    assert text.input_value() == "Hello **bold text** and *italic text*"
    preview = page.locator(".live-preview")  # type: ignore[attr-defined]
    preview.locator("strong", has_text="bold text").wait_for()  # rendered by the server, without a click
    assert preview.locator("em", has_text="italic text").count() == 1
    shot(page, "live-preview")
    text.press("Control+s")
    page.wait_for_url(site.url("/EditorTrial"))  # type: ignore[attr-defined]
    assert page.locator("p.notice.saved", has_text="Saved").count() == 1  # type: ignore[attr-defined]
    assert errors == [], errors


def test_the_draft_is_kept_while_typing_and_leaving_asks(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium)
    page.goto(site.url("/+edit/DraftTrial"))  # type: ignore[attr-defined]
    text = page.locator("textarea[name=text]")  # type: ignore[attr-defined]
    text.type("typed but never saved")
    page.locator(".editor-status", has_text="Draft kept").wait_for()  # type: ignore[attr-defined]
    asked: list[str] = []

    def on_dialog(dialog: object) -> None:
        asked.append(dialog.type)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)  # type: ignore[attr-defined]
    page.goto(site.url("/FrontPage"))  # type: ignore[attr-defined]
    assert asked == ["beforeunload"]
    page.goto(site.url("/+edit/DraftTrial"))  # type: ignore[attr-defined]
    assert "unsaved draft" in page.content()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Restore the draft").click()  # type: ignore[attr-defined]
    assert text.input_value().strip() == "typed but never saved"
    assert errors == [], errors


def test_an_image_dropped_into_the_text_is_attached_and_linked(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium)
    drop = """(bytes) => {
        const file = new File([new Uint8Array(bytes)], "dot.png", {type: "image/png"});
        const data = new DataTransfer();
        data.items.add(file);
        const text = document.querySelector("textarea[name=text]");
        text.selectionStart = text.selectionEnd = text.value.length;
        text.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
    }"""
    # The first preview is held until after the drop, as a slow server would: its answer must not
    # wipe out what the drop said (it did, one clean-clone run in a few).
    held: list[Any] = []
    editor = site.url("/+edit/DropTrial")
    page.route(editor, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())  # type: ignore[attr-defined]
    page.goto(editor)  # type: ignore[attr-defined]
    page.evaluate(drop, list(PNG))  # type: ignore[attr-defined]
    said = page.locator(".editor-status", has_text="Save the page once")  # a new page has no files yet
    said.wait_for()
    assert held, "the first preview was not held"
    for route in held:
        route.continue_()
    page.unroute(editor)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert said.count() == 1
    page.locator("textarea[name=text]").fill("Picture: ")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save").click()  # type: ignore[attr-defined]
    page.goto(site.url("/+edit/DropTrial"))  # type: ignore[attr-defined]
    page.evaluate(drop, list(PNG))  # type: ignore[attr-defined]
    page.locator(".editor-status", has_text="Attached dot.png").wait_for()  # type: ignore[attr-defined]
    assert page.locator("textarea[name=text]").input_value() == "Picture: ![dot.png](<attachment:dot.png>)"  # type: ignore[attr-defined]
    page.locator(".live-preview img[alt='dot.png']").wait_for()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save").click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url("/DropTrial"))  # type: ignore[attr-defined]
    source = page.locator(".page-content img").get_attribute("src")  # type: ignore[attr-defined]
    assert source is not None and "file=dot.png" in source
    assert page.request.get(site.url(source)).body() == PNG  # type: ignore[attr-defined]
    assert errors == [], errors


def test_a_heading_edit_link_opens_only_that_section(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium)
    page.goto(site.url("/+edit/Sections"))  # type: ignore[attr-defined]
    page.locator("textarea[name=text]").fill("# First\none\n\n# Second\ntwo\n")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Save").click()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Edit section Second").click()  # type: ignore[attr-defined]
    text = page.locator("textarea[name=text]")  # type: ignore[attr-defined]
    assert text.input_value() == "# Second\ntwo\n"
    text.fill("# Second\ntwo, changed\n")
    page.get_by_role("button", name="Save").click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url("/Sections"))  # type: ignore[attr-defined]
    raw = page.request.get(site.url("/+raw/Sections")).text()  # type: ignore[attr-defined]
    assert raw == "# First\none\n\n# Second\ntwo, changed\n"
    assert errors == [], errors


def background(page: object) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")  # type: ignore[attr-defined,no-any-return]


def test_dark_mode_follows_the_system_and_the_toggle_is_remembered(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium, color_scheme="dark")
    page.goto(site.url("/FrontPage"))  # type: ignore[attr-defined]
    assert background(page) == "rgb(13, 17, 23)"
    shot(page, "dark")
    toggle = page.locator("button.theme-toggle")  # type: ignore[attr-defined]
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert background(page) == "rgb(255, 255, 255)"
    page.reload()  # type: ignore[attr-defined]
    assert background(page) == "rgb(255, 255, 255)"  # the choice is kept in this browser
    light, _ = new_page(chromium, color_scheme="light")
    light.goto(site.url("/FrontPage"))  # type: ignore[attr-defined]
    assert background(light) == "rgb(255, 255, 255)"
    assert errors == [], errors


def test_on_a_phone_the_actions_take_one_row_and_the_header_stays(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium)
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto(site.url("/HelpOnEditing"))  # type: ignore[attr-defined]
    actions = page.locator("nav.page-actions").bounding_box()  # type: ignore[attr-defined]
    assert actions is not None and actions["height"] < 50, actions
    page.get_by_text("More", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Info").click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url("/+info/HelpOnEditing"))  # type: ignore[attr-defined]
    page.goto(site.url("/HelpOnEditing"))  # type: ignore[attr-defined]
    page.mouse.wheel(0, 3000)  # type: ignore[attr-defined]
    page.wait_for_timeout(200)  # type: ignore[attr-defined]
    header = page.locator("header.site-header").bounding_box()  # type: ignore[attr-defined]
    assert header is not None and header["y"] == 0  # sticky: the search box stays in reach
    shot(page, "phone-scrolled")
    assert errors == [], errors


def axe_source() -> str:
    """axe-core from npm, installed once into a cache."""
    folder = CACHE / "axe"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        require("/usr/bin/npm")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", AXE], check=True,
                       capture_output=True, timeout=300)
    return script.read_text("utf-8")


@pytest.mark.parametrize("theme", ["default", "sidebar"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(chromium: object, site: Site, scheme: str,
                                                             theme: str) -> None:
    source = axe_source()
    page, _ = new_page(chromium, color_scheme=scheme, bypass_csp=True)  # the test injects axe's script
    page.context.add_cookies([{"name": "wiki_theme", "value": theme, "url": site.url("/")}])  # type: ignore[attr-defined]
    found = {}
    for path in ("/FrontPage", "/HelpOnEditing", "/+edit/FrontPage", "/+history/FrontPage",
                 "/+diff/FrontPage?from=0&to=1", "/+search?q=wiki&fulltext=1", "/+recent", "/+index", "/+login",
                 "/+attachments/FrontPage", "/+info/FrontPage", "/NoSuchPage", "/+new"):
        page.goto(site.url(path))  # type: ignore[attr-defined]
        page.evaluate(source)  # type: ignore[attr-defined]
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")  # type: ignore[attr-defined]
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
        if serious:
            found[path] = serious
            shot(page, path.strip("/").replace("/", "_").replace("?", "_") or "root", f"axe-{theme}-{scheme}")
    assert found == {}, json.dumps(found, indent=1)


def test_the_sidebar_theme_is_a_sidebar_on_a_desktop_and_fits_a_phone(chromium: object, site: Site) -> None:
    """The second bundled theme, chosen through its page, looks clearly different: the header is
    a column on the left. On a phone it stacks, and no page scrolls sideways."""
    page, errors = new_page(chromium)
    page.goto(site.url("/+theme?back=/HelpOnEditing"))  # type: ignore[attr-defined]
    page.get_by_label("sidebar").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Use this theme").click()  # type: ignore[attr-defined]
    page.wait_for_url(site.url("/HelpOnEditing"))  # type: ignore[attr-defined]
    header = page.locator("header.site-header").bounding_box()  # type: ignore[attr-defined]
    main = page.locator("main").bounding_box()  # type: ignore[attr-defined]
    assert header is not None and main is not None
    assert header["x"] == 0 and header["width"] < 300 and header["height"] >= 850  # a column, full height
    assert main["x"] >= header["width"]
    shot(page, "sidebar-desktop")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    wide = []
    for path in ("/HelpOnEditing", "/FrontPage", "/+edit/FrontPage", "/+history/FrontPage", "/+recent", "/+theme"):
        page.goto(site.url(path))  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        if width > 390:
            wide.append(f"{path}: {width} px")
    assert wide == []
    header = page.locator("header.site-header").bounding_box()  # type: ignore[attr-defined]
    assert header is not None and header["width"] >= 380  # stacked on top
    shot(page, "sidebar-phone")
    assert errors == [], errors


def test_printing_shows_the_page_alone(chromium: object, site: Site) -> None:
    """The print stylesheet: no header, actions, edit links or switch; external addresses written out."""
    page, errors = new_page(chromium)
    page.goto(site.url("/HelpOnEditing"))  # type: ignore[attr-defined]
    page.emulate_media(media="print")  # type: ignore[attr-defined]
    for hidden in ("header.site-header", "nav.page-actions", "a.section-edit >> nth=0", "footer.site-footer"):
        assert not page.locator(hidden).is_visible(), hidden  # type: ignore[attr-defined]
    after = page.evaluate("""getComputedStyle(document.querySelector('.page-content a[href^="http"]'),
                                               '::after').content""")  # type: ignore[attr-defined]
    assert "attr(href)" in after or "http" in after
    page.pdf(path=str(SCREENSHOTS / "editor" / "print.pdf"))  # type: ignore[attr-defined]
    assert errors == [], errors


def test_ctrl_enter_previews_at_once(chromium: object, site: Site) -> None:
    page, errors = new_page(chromium)
    page.goto(site.url("/+edit/KeyTrial"))  # type: ignore[attr-defined]
    text = page.locator("textarea[name=text]")  # type: ignore[attr-defined]
    text.fill("# Quick")
    text.press("Control+Enter")
    page.locator(".live-preview h1", has_text="Quick").wait_for(timeout=2000)  # type: ignore[attr-defined]
    assert errors == [], errors
