"""New-page templates, redirect pages, the print view."""
from __future__ import annotations

from tests.conftest import WikiClient
from tests.test_views import main_part
from wiki.config import Config


def test_new_pages_offer_templates_and_use_the_chosen_one(client: WikiClient) -> None:
    editor = client.get("/+edit/Team%20Meeting").get_data(as_text=True)
    assert 'href="/+edit/Team%20Meeting?template=MeetingNotesTemplate"' in editor
    chosen = client.get("/+edit/Team%20Meeting?template=MeetingNotesTemplate").get_data(as_text=True)
    assert "## Agenda" in chosen
    assert "## Agenda" not in client.get("/+edit/Team%20Meeting?template=FrontPage").get_data(as_text=True)
    assert "Start from a template" not in client.get("/+edit/SandBox").get_data(as_text=True)  # exists already


def test_redirect_pages_send_the_reader_on(client: WikiClient) -> None:
    client.save("Old Name", "#redirect SandBox\n\nThis page moved.")
    response = client.get("/Old%20Name")
    assert response.status_code == 302
    assert response.headers["Location"] == "/SandBox?redirected_from=Old+Name"
    html = main_part(client.get("/SandBox?redirected_from=Old+Name").get_data(as_text=True))
    assert 'Redirected from <a href="/Old%20Name?redirect=no">Old Name</a>' in html
    itself = client.get("/Old%20Name?redirect=no")
    assert itself.status_code == 200 and "This page moved." in itself.get_data(as_text=True)
    assert "Redirected from" not in client.get("/SandBox").get_data(as_text=True)  # plain view stays plain


def test_a_redirect_to_itself_or_nowhere_valid_shows_the_page(client: WikiClient) -> None:
    client.save("Loop", "#redirect Loop")
    assert client.get("/Loop").status_code == 200
    client.save("Bad", "#redirect ../../x")
    assert client.get("/Bad").status_code == 200


def test_print_view_has_the_page_without_the_wiki_around_it(client: WikiClient) -> None:
    html = client.get("/+print/HelpOnEditing").get_data(as_text=True)
    assert "Help on editing" in html and 'class="search-form"' not in html and 'class="page-actions"' not in html
    assert "/HelpOnEditing — revision 1" in html  # the full address needs base_url (below)
    assert '<meta name="robots" content="noindex,nofollow">' in html


def test_the_print_view_names_the_full_address_when_the_wiki_knows_it(seeded_config: Config) -> None:
    from wiki.app import create_app

    client = WikiClient(create_app(seeded_config.replace(base_url="https://wiki.example.org")))
    assert "https://wiki.example.org/HelpOnEditing — revision 1" in client.get("/+print/HelpOnEditing").get_data(
        as_text=True)
