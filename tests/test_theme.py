"""Templates escape by default; rendered Markdown is inserted once, not escaped twice."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.app import create_app
from wiki.config import PROJECT_ROOT, Config
from wiki.storage import Author, PageStore


def test_a_script_in_a_page_name_is_escaped_everywhere(client: WikiClient, store: PageStore) -> None:
    name = "<script>x</script>"
    store.save(name, "body", base_revision=0, author=Author())
    for url in ("/%3Cscript%3Ex%3C/script%3E", "/+edit/%3Cscript%3Ex%3C/script%3E", "/+history/%3Cscript%3Ex%3C/script%3E",
                "/+index", "/+recent"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>x" not in html, url
        assert "&lt;script&gt;x" in html, url


def test_comments_and_search_text_are_escaped(client: WikiClient) -> None:
    client.save("SandBox", "x", comment='<img src=x onerror="alert(1)">')
    assert "<img src=x" not in client.get("/+history/SandBox").get_data(as_text=True)
    html = client.get('/+search?q=<b>"bold"</b>&fulltext=1').get_data(as_text=True)
    assert "<b>&#34;bold" not in html and "&lt;b&gt;" in html


def test_rendered_markdown_is_not_escaped_twice(client: WikiClient) -> None:
    client.save("SandBox", "**strong** & <kbd>K</kbd> and `a < b`")
    html = client.get("/SandBox").get_data(as_text=True)
    assert "<strong>strong</strong>" in html and "<kbd>K</kbd>" in html
    assert "<code>a &lt; b</code>" in html and "&amp;lt;" not in html and "&amp;amp;" not in html


def test_textarea_keeps_markup_as_text(client: WikiClient) -> None:
    client.save("SandBox", "</textarea><script>alert(1)</script>")
    html = client.get("/+edit/SandBox").get_data(as_text=True)
    assert "&lt;/textarea&gt;&lt;script&gt;" in html and "<script>alert" not in html


def test_a_theme_overrides_only_what_it_changes(seeded_config: Config, tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    shutil.copytree(PROJECT_ROOT / "themes" / "default", themes / "default")
    (themes / "plain" / "templates").mkdir(parents=True)
    (themes / "plain" / "templates" / "error.mako").write_text(
        '<%inherit file="layout.mako"/><p class="plain-error">${message}</p>'
    )
    client = WikiClient(create_app(seeded_config.replace(themes_dir=themes, theme="plain")))
    assert 'class="plain-error"' in client.get("/+edit/..").get_data(as_text=True)
    page = client.get("/FrontPage").get_data(as_text=True)
    assert 'class="page-content"' in page  # the default theme's show_page.mako
    css = re.search(r'href="(/\+static/[^"]+/pygments\.css)"', page).group(1)  # type: ignore[union-attr]
    assert client.get(css).status_code == 200  # a static file the theme lacks comes from default


def test_a_folder_of_ones_own_themes_falls_back_to_the_bundled_default(tmp_path: Path) -> None:
    from wiki.config import BUNDLED_THEMES
    from wiki.theme import Theme

    mine = tmp_path / "themes" / "mine" / "static"
    mine.mkdir(parents=True)
    (mine / "wiki.css").write_text("body { color: teal }")
    theme = Theme(tmp_path / "themes", "mine", None)  # no "default" beside it
    assert theme.static_file("wiki.css") == (mine / "wiki.css").resolve()
    assert theme.static_file("favicon.svg") == (BUNDLED_THEMES / "default" / "static" / "favicon.svg").resolve()
    assert theme.lookup.get_template("error.mako") is not None  # every template, from the bundled default


def test_a_browser_chooses_a_bundled_theme_and_keeps_it(client: WikiClient) -> None:
    """The sidebar theme is the default's layout with one stylesheet added: the theme contract."""
    page = client.get("/+theme?back=/HelpOnEditing").get_data(as_text=True)
    assert 'value="default" checked' in page and 'value="sidebar"' in page
    form = client.form("/+theme")
    chosen = client.post("/+theme", data={**form, "theme": "sidebar", "back": "/HelpOnEditing"})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/HelpOnEditing"
    assert "wiki_theme=sidebar" in chosen.headers["Set-Cookie"] and "HttpOnly" in chosen.headers["Set-Cookie"]
    for url in ("/HelpOnEditing", "/+history/HelpOnEditing", "/+edit/HelpOnEditing", "/+recent"):
        html = client.get(url).get_data(as_text=True)
        assert 'class="theme-sidebar"' in html and "sidebar.css" in html, url
    css = re.search(r'href="(/\+static/[^"]+/sidebar\.css)"', client.get("/FrontPage").get_data(as_text=True))
    assert css is not None and client.get(css.group(1)).status_code == 200
    assert "wiki.css" in client.get("/FrontPage").get_data(as_text=True)  # built on the default's


def test_a_chosen_theme_never_gets_or_leaves_a_stored_page(client: WikiClient) -> None:
    plain = client.get("/HelpOnEditing")
    assert "sidebar.css" not in plain.get_data(as_text=True)
    client.client.set_cookie("wiki_theme", "sidebar")
    themed = client.get("/HelpOnEditing", headers={"If-None-Match": plain.headers["ETag"]})
    assert themed.status_code == 200 and "sidebar.css" in themed.get_data(as_text=True)
    assert themed.headers["ETag"] != plain.headers["ETag"]
    client.forget_cookies()
    assert "sidebar.css" not in client.get("/HelpOnEditing").get_data(as_text=True)


@pytest.mark.parametrize("name", ["nosuch", "../default", ""])
def test_an_unknown_theme_is_refused(client: WikiClient, name: str) -> None:
    form = client.form("/+theme")
    assert client.post("/+theme", data={**form, "theme": name}).status_code == 400
    client.client.set_cookie("wiki_theme", name or "x")
    assert "sidebar.css" not in client.get("/FrontPage").get_data(as_text=True)


def test_an_account_keeps_its_theme_in_its_user_file(client: WikiClient, seeded_config: object) -> None:
    from wiki.users import UserStore

    users = UserStore(seeded_config.data_dir / "user")  # type: ignore[attr-defined]
    user = users.create("Theo Reader", "a long password")
    client.sign_in("Theo Reader", "a long password")
    form = client.form("/+theme")
    client.post("/+theme", data={**form, "theme": "sidebar"})
    assert users.get(user.id).fields["theme_name"] == "sidebar"  # type: ignore[union-attr]
    elsewhere = WikiClient(create_app(seeded_config))  # type: ignore[arg-type]  # another browser, same account
    elsewhere.sign_in("Theo Reader", "a long password")
    assert "sidebar.css" in elsewhere.get("/FrontPage").get_data(as_text=True)


def test_a_chosen_themes_files_are_served_by_a_process_that_drew_no_page_with_it(client: WikiClient,
                                                                              seeded_config: Config) -> None:
    """Under CGI (or a second server process) the stylesheet's request comes to a fresh app."""
    client.client.set_cookie("wiki_theme", "sidebar")
    url = re.search(r'href="(/\+static/[^"]+/sidebar\.css)"', client.get("/FrontPage").get_data(as_text=True))
    assert url is not None
    fresh = WikiClient(create_app(seeded_config))
    response = fresh.get(url.group(1))
    assert response.status_code == 200 and b"theme-sidebar" in response.data
    assert "immutable" in response.headers["Cache-Control"]
