"""F8, F9, F10, F11, F12 and F19 of the second security review: sign-in that cannot be used
against people, redirects that stay on the site, lists that follow the ACLs at once.

The real app behind a WSGI client, with MoinMoin 1.9's default ACLs and the default rate
limits, and real account files."""
from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.acl import SYSTEM
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import Config, load_config
from wiki.site import Site
from wiki.storage import Author
from wiki.users import UserStore

PASSWORD = "correct horse battery"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    config = load_config(environ={}, data_dir=tmp_path / "data")  # the default limits: login=10/600
    init_store(config, io.StringIO())
    UserStore(config.data_dir / "user").create("Victim", PASSWORD, admin=True)
    return config


def client_from(config: Config, address: str) -> WikiClient:
    client = WikiClient(create_app(config))
    client.open = lambda *a, _open=client.open, **k: _open(*a, **{"environ_base": {"REMOTE_ADDR": address}, **k})  # type: ignore[method-assign]
    return client


def attempt(client: WikiClient, name: str, password: str, **extra: str) -> int:
    fields = {**client.form("/+login"), "name": name, "password": password, **extra}
    return client.post("/+login", data=fields).status_code


def test_wrong_passwords_from_elsewhere_do_not_lock_an_account_out(config: Config) -> None:
    attacker = client_from(config, "192.0.2.66")
    answers = [attempt(attacker, "Victim", f"wrong {n}") for n in range(11)]
    assert answers == [403] * 10 + [429]  # the attacker's address is stopped
    assert attempt(client_from(config, "192.0.2.7"), "Victim", PASSWORD) == 303  # the owner, elsewhere, is not


def test_failures_are_counted_per_account_and_address(config: Config) -> None:
    guesser = client_from(config, "198.51.100.2")
    config_other = UserStore(config.data_dir / "user")
    config_other.create("Other", PASSWORD)
    # Right passwords from one address do not count as failures of the account.
    assert [attempt(guesser, "Other", PASSWORD) for _ in range(3)] == [303] * 3


def test_the_current_password_check_is_limited_like_a_sign_in(config: Config) -> None:
    browser = client_from(config, "192.0.2.8")
    assert attempt(browser, "Victim", PASSWORD) == 303
    statuses = []
    for n in range(11):
        fields = {**browser.form("/+account"), "action": "password", "current": f"guess {n}",
                  "password": "a new long password", "password2": "a new long password"}
        statuses.append(browser.post("/+account", data=fields).status_code)
    assert statuses[:9] == [403] * 9 and statuses[-1] == 429


def test_every_sign_in_outcome_costs_a_scrypt(config: Config) -> None:
    """A 1.9 {SSHA} account not signed in since the import cost 7.7 ms against 178 ms for others."""
    import base64
    import hashlib

    users = UserStore(config.data_dir / "user")
    old = users.create("OldTimer", PASSWORD)
    salt = b"salt1234"
    old.fields["enc_password"] = "{SSHA}" + base64.b64encode(hashlib.sha1(b"old secret" + salt).digest() + salt).decode()
    users.write(old)

    def median(name: str) -> float:
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            assert users.authenticate(name, "a wrong password") is None
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    legacy, native, missing = median("OldTimer"), median("Victim"), median("NoSuchPerson")
    assert legacy > native / 3 and missing > native / 3, (legacy, native, missing)


@pytest.mark.parametrize("target", ["/\t/evil.example/phish", "/\n/evil.example/", "//evil.example/", "/\\evil.example/",
                                    "https://evil.example/", "/%09/evil.example/", " /evil", "/\x0b/evil.example",
                                    "/\u3000/evil.example", "/\r\nSet-Cookie: x=1"])
def test_redirects_stay_on_the_site(config: Config, target: str) -> None:
    browser = client_from(config, "192.0.2.9")
    for url, extra in (("/+login", {"name": "Victim", "password": PASSWORD, "next": target}),
                       ("/+theme", {"theme": "default", "back": target})):
        answer = browser.post(url, data={**browser.form(url), **extra})
        location = answer.headers.get("Location", "")
        assert answer.status_code in (303, 400), (url, answer.status_code)
        if answer.status_code == 303:
            assert location.startswith("/") and not location.startswith(("//", "/\\")), location
            assert not any(char.isspace() for char in location), location
        else:
            assert any(ord(char) < 0x20 for char in target)  # only a control character is a 400


def test_a_nul_in_a_static_path_is_a_400(config: Config) -> None:
    browser = client_from(config, "192.0.2.9")
    site = Site(config)
    assert browser.get(f"/+static/{site.theme.version}/wiki.css%00").status_code == 400


def test_the_page_index_follows_a_new_acl_at_once(config: Config) -> None:
    site = Site(config)
    author = Author(user_id="admin")
    site.save(None, "IndexLeakTest", "open\n", base_revision=0, author=author, reader=SYSTEM)
    anonymous = WikiClient(create_app(config))
    assert "IndexLeakTest" in anonymous.get("/+index").get_data(as_text=True)
    assert "IndexLeakTest" in anonymous.get("/+index?letter=I").get_data(as_text=True)
    site.save(None, "IndexLeakTest", "#acl Victim:read,write,admin All:\nclosed\n", base_revision=1, author=author,
              reader=SYSTEM)
    assert anonymous.get("/IndexLeakTest").status_code in (403, 404)
    for url in ("/+index", "/+index?letter=I"):
        assert "IndexLeakTest" not in anonymous.get(url).get_data(as_text=True), url


@pytest.mark.parametrize("look_alike", ["alіce", "Alice", "ALICE", "aIice", "alice\u00ad", "\u202eecila", "al\u200bice"])
def test_look_alike_account_names_are_refused(tmp_path: Path, look_alike: str) -> None:
    from wiki.errors import BadRequest

    users = UserStore(tmp_path / "user")
    users.create("alice", PASSWORD)
    with pytest.raises(BadRequest):
        users.create(look_alike, PASSWORD)
    assert [user.name for user in users.all()] == ["alice"]


def test_names_are_stored_nfc_and_sign_in_either_way(config: Config) -> None:
    users = UserStore(config.data_dir / "user")
    made = users.create("Jose\u0301", PASSWORD)
    assert made.name == "Jos\u00e9"
    assert users.authenticate("Jose\u0301", PASSWORD) is not None
    assert users.authenticate("Jos\u00e9", PASSWORD) is not None
    from wiki.errors import BadRequest

    with pytest.raises(BadRequest):
        users.create("Jos\u00e9", PASSWORD)
    users.create("Jose", PASSWORD)  # another name, which does not look the same


def test_a_display_name_shows_beside_the_account_name(config: Config) -> None:
    users = UserStore(config.data_dir / "user")
    mallory = users.create("Mallory", PASSWORD)
    browser = client_from(config, "192.0.2.10")
    assert attempt(browser, "Mallory", PASSWORD) == 303
    fields = {**browser.form("/+account"), "action": "profile", "aliasname": "Victim", "email": ""}
    browser.post("/+account", data=fields)
    assert users.get(mallory.id).fields["aliasname"] == "Victim"  # type: ignore[union-attr]
    fields = {**browser.form("/+edit/SomePage"), "text": "hello\n", "action": "save"}
    assert browser.post("/+edit/SomePage", data=fields).status_code == 303
    history = browser.get("/+history/SomePage").get_data(as_text=True)
    assert "Victim (Mallory)" in history


def test_every_cached_list_follows_the_acl_table(config: Config) -> None:
    """Point 11: the index and its letters, orphans, wanted pages, the sitemap and recent changes,
    each asked for before and after an #acl line is added and after a group gains a member, in
    one long-running app (each CGI process starts afresh; a server keeps what it made)."""
    site = Site(config)
    author = Author(user_id="admin")
    site.save(None, "ListLeak", "links to [[NoSuchPageYet]]\n", base_revision=0, author=author, reader=SYSTEM)
    site.save(None, "ReadersGroup", " * Nobody\n", base_revision=0, author=author, reader=SYSTEM)
    anonymous = WikiClient(create_app(config))
    urls = ["/+index", "/+index?letter=L", "/+orphans", "/+wanted", "/sitemap.xml", "/+recent"]
    before = {url: anonymous.get(url).get_data(as_text=True) for url in urls}
    for url in urls:
        assert "ListLeak" in before[url] or "NoSuchPageYet" in before[url], url
    site.save(None, "ListLeak", "#acl ReadersGroup:read All:\nlinks to [[NoSuchPageYet]]\n", base_revision=1,
              author=author, reader=SYSTEM)
    for url in urls:
        body = anonymous.get(url).get_data(as_text=True)
        assert "ListLeak" not in body and "NoSuchPageYet" not in body, url
    site.save(None, "ReadersGroup", " * All\n", base_revision=1, author=author, reader=SYSTEM)  # now everyone reads it
    for url in ("/+index", "/+index?letter=L", "/sitemap.xml", "/+recent"):
        assert "ListLeak" in anonymous.get(url).get_data(as_text=True), url
