"""F13 of the second security review, decided as README says: a protected page's name is not
secret (403 where a missing page is 404, as in MoinMoin 1.9), and nothing it holds shows on
any route. Anonymous visitors on MoinMoin 1.9's default ACLs."""
from __future__ import annotations

import io

import pytest

from tests.conftest import WikiClient
from wiki.acl import SYSTEM
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import load_config
from wiki.site import Site
from wiki.storage import Author

SECRET = "#acl Known:read,write All:\nthe launch code is swordfish\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> WikiClient:
    config = load_config(environ={}, data_dir=tmp_path_factory.mktemp("names") / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)
    site.save(None, "SecretPage", SECRET, base_revision=0, author=Author(user_id="admin"), reader=SYSTEM)
    return WikiClient(create_app(config))


@pytest.mark.parametrize("route", ["/{}", "/+history/{}", "/+info/{}", "/+raw/{}", "/+edit/{}", "/+backlinks/{}",
                                   "/+attachments/{}", "/+print/{}"])
def test_protected_names_answer_403_missing_ones_404(client: WikiClient, route: str) -> None:
    protected = client.get(route.format("SecretPage"))
    assert protected.status_code == 403, route
    body = protected.get_data(as_text=True)
    assert "swordfish" not in body and "+login" in body  # a sign-in link, nothing of the text
    missing = client.get(route.format("NoSuchPageAtAll"))
    assert missing.status_code in (200, 404), route  # (the editor of a new page is a 200)


def test_nothing_the_page_holds_is_found(client: WikiClient) -> None:
    for url in ("/+search?q=swordfish&fulltext=1", "/+search?q=sword*&fulltext=1", "/+search?q=launch+code&fulltext=1",
                "/+index", "/+recent", "/+feed"):
        body = client.get(url).get_data(as_text=True)
        assert "SecretPage" not in body and "launch code is" not in body, url
    feed = client.get("/+feed/SecretPage")
    assert feed.status_code == 403 and "launch code" not in feed.get_data(as_text=True)
