"""Accounts: registration, sign-in and out, sessions, passwords, names in history, and the
spam defences (rate limits, BadContent, honeypot, textcha). MoinMoin 1.9's defaults
unless a test says otherwise."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.app import create_app
from wiki.cli import init_store
from wiki.cli import main as wiki_main
from wiki.config import PROJECT_ROOT, Config, load_config
from wiki.ratelimit import RateLimiter
from wiki.users import UserStore

PASSWORD = "correct horse battery"
ALERT = re.compile(r'role="alert">([^<]*)')


@pytest.fixture
def moin_config(tmp_path: Path) -> Config:
    """MoinMoin 1.9's default ACLs; rate limits high enough not to get in the way here."""
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="save=1000/60,login=1000/60,register=1000/60")
    init_store(config, io.StringIO())
    return config


def client_of(config: Config, **environ: str) -> WikiClient:
    client = WikiClient(create_app(config))
    if environ:
        base = {"REMOTE_ADDR": "127.0.0.1", **environ}
        client.open = lambda *a, _open=client.open, **k: _open(*a, **{"environ_base": base, **k})  # type: ignore[method-assign]
    return client


def register(client: WikiClient, name: str, password: str = PASSWORD, **extra: str) -> str:
    fields = {**client.form("/+register"), "name": name, "password": password, "password2": password, **extra}
    return client.post("/+register", data=fields).get_data(as_text=True)


def users_of(config: Config) -> UserStore:
    return UserStore(config.data_dir / "user")


def test_register_sign_in_edit_sign_out(moin_config: Config) -> None:
    browser = client_of(moin_config)
    assert "Account created" in register(browser, "JaneDoe")
    user = users_of(moin_config).by_name("JaneDoe")
    assert user is not None and not user.disabled
    signed_in = browser.sign_in("JaneDoe", PASSWORD)
    cookie = next(c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("wiki_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert '<a class="user-name" href="/+account">JaneDoe</a>' in browser.get("/FrontPage").get_data(as_text=True)
    assert browser.get("/FrontPage").headers["Cache-Control"].startswith("private")
    assert browser.save("SandBox", "signed edit", comment="by Jane").status_code == 303
    # Deleting takes the Known right: anonymous may not, Jane may.
    assert client_of(moin_config).get("/+delete/SandBox").status_code == 403
    assert browser.get("/+delete/SandBox").status_code == 200
    for url in ("/+history/SandBox", "/+recent", "/+info/SandBox"):
        assert '<a class="user" href="/JaneDoe">JaneDoe</a>' in browser.get(url).get_data(as_text=True), url
    assert "<name>JaneDoe</name>" in browser.get("/+feed").get_data(as_text=True)
    entry = (moin_config.data_dir / "pages" / "SandBox" / "edit-log").read_text().splitlines()[-1].split("\t")
    assert entry[6] == user.id  # MoinMoin's user id field
    out = browser.post("/+logout", data=browser.form("/+logout"))
    assert out.status_code == 303
    assert "Sign in" in browser.get("/FrontPage").get_data(as_text=True)


def test_session_cookie_is_secure_over_https(moin_config: Config) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    browser = client_of(moin_config)
    browser.open = lambda *a, _open=browser.open, **k: _open(*a, base_url="https://localhost", **k)  # type: ignore[method-assign]
    cookie = next(c for c in browser.sign_in("JaneDoe", PASSWORD).headers.getlist("Set-Cookie")
                  if c.startswith("wiki_session="))
    assert "Secure" in cookie


def test_sessions_survive_a_restart_and_end_with_a_new_password(moin_config: Config) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    first, second = client_of(moin_config), client_of(moin_config)
    first.sign_in("JaneDoe", PASSWORD)
    second.sign_in("JaneDoe", PASSWORD)
    restarted = WikiClient(create_app(moin_config))  # a new process: the sessions are on disk
    restarted.client._cookies = first.client._cookies
    assert ">JaneDoe</a>" in restarted.get("/+account").get_data(as_text=True)
    fields = {**first.form("/+account"), "action": "password", "current": PASSWORD, "password": "a new password",
              "password2": "a new password"}
    assert first.post("/+account", data=fields).status_code == 303
    assert ">JaneDoe</a>" in first.get("/+account").get_data(as_text=True)  # the changer stays signed in
    assert second.get("/+account").status_code == 403  # every other session has ended
    assert client_of(moin_config).post("/+login", data={**first.form("/+login"), "name": "JaneDoe",
                                                        "password": PASSWORD}).status_code == 403


def test_sign_in_does_not_tell_whether_an_account_exists(moin_config: Config) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    browser = client_of(moin_config)
    answers = []
    for name in ("JaneDoe", "NobodyHere"):
        response = browser.post("/+login", data={**browser.form("/+login"), "name": name, "password": "wrong one!"})
        answers.append((response.status_code, ALERT.findall(response.get_data(as_text=True))))
    assert answers[0] == answers[1] and answers[0][0] == 403
    # Registering a taken name answers exactly as a free one, and changes nothing.
    taken = register(client_of(moin_config), "JaneDoe", "another password")
    free = register(client_of(moin_config), "JohnSmith", "another password")
    def same(html: str, name: str) -> str:
        return re.sub(r'name="csrf_token" value="\w+"', "", html.replace(name, "X"))

    assert same(taken, "JaneDoe") == same(free, "JohnSmith")
    assert client_of(moin_config).post("/+login", data={**browser.form("/+login"), "name": "JaneDoe",
                                                        "password": "another password"}).status_code == 403


def test_csrf_tokens_are_bound_to_the_session(moin_config: Config) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    users_of(moin_config).create("JohnSmith", PASSWORD)
    jane, john = client_of(moin_config), client_of(moin_config)
    jane.sign_in("JaneDoe", PASSWORD)
    john.sign_in("JohnSmith", PASSWORD)
    johns_form = john.form("/+edit/SandBox")
    forged = jane.post("/+edit/SandBox", data={**johns_form, "text": "forged", "action": "save"})
    assert forged.status_code == 403 and "CSRF" in forged.get_data(as_text=True)
    assert "forged" not in (moin_config.data_dir / "pages" / "SandBox" / "revisions" / "00000001").read_text()


def test_passwords_are_hashed_in_moinmoin_user_files(moin_config: Config) -> None:
    user = users_of(moin_config).create("JaneDoe", PASSWORD, email="jane@example.org")
    path = moin_config.data_dir / "user" / user.id
    text = path.read_text()
    assert PASSWORD not in text and "enc_password={WERKZEUG}scrypt:" in text
    assert "name=JaneDoe\n" in text and "email=jane@example.org\n" in text
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", user.id)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_moinmoin_19_account_signs_in_and_gets_a_stronger_hash(moin_config: Config) -> None:
    import base64
    import hashlib

    salt = b"saltsalt"
    ssha = "{SSHA}" + base64.b64encode(hashlib.sha1(b"old secret" + salt).digest() + salt).decode()
    folder = moin_config.data_dir / "user"
    folder.mkdir()
    (folder / "1277890123.45.12345").write_text(
        f"aliasname=\nname=OldTimer\nenc_password={ssha}\nemail=old@example.org\ndisabled=0\n"
        "quicklinks[]=FrontPage\ntheme_name=modernized\n")
    browser = client_of(moin_config)
    browser.sign_in("OldTimer", "old secret")
    text = (folder / "1277890123.45.12345").read_text()
    assert "{WERKZEUG}" in text and "{SSHA}" not in text
    assert "quicklinks[]=FrontPage" in text and "theme_name=modernized" in text  # 1.9's keys are kept


def test_approval_and_closed_registration(moin_config: Config, tmp_path: Path) -> None:
    approving = moin_config.replace(registration="approval")
    admin = users_of(approving).create("TheAdmin", PASSWORD, admin=True)
    assert "waits for an administrator" in register(client_of(approving), "NewPerson")
    newcomer = client_of(approving)
    refused = newcomer.post("/+login", data={**newcomer.form("/+login"), "name": "NewPerson", "password": PASSWORD})
    assert refused.status_code == 403 and "waiting for an administrator" in refused.get_data(as_text=True)
    boss = client_of(approving)
    boss.sign_in(admin.name, PASSWORD)
    pending = users_of(approving).by_name("NewPerson")
    assert pending is not None and pending.pending
    assert client_of(approving).get("/+users").status_code == 403
    assert boss.post("/+users", data={**boss.form("/+users"), "user": pending.id, "action": "approve"}).status_code == 303
    newcomer.sign_in("NewPerson", PASSWORD)
    closed = moin_config.replace(registration="off")
    assert client_of(closed).get("/+register").status_code == 403


def test_addresses_are_shown_to_administrators_only(moin_config: Config) -> None:
    client_of(moin_config).save("SandBox", "anonymous edit")
    users_of(moin_config).create("TheAdmin", PASSWORD, admin=True)
    users_of(moin_config).create("JaneDoe", PASSWORD)
    admin, jane = client_of(moin_config), client_of(moin_config)
    admin.sign_in("TheAdmin", PASSWORD)
    jane.sign_in("JaneDoe", PASSWORD)
    for url in ("/+history/SandBox", "/+recent", "/+info/SandBox", "/+feed"):
        assert "127.0.0.1" in admin.get(url).get_data(as_text=True), url
        for other in (jane, client_of(moin_config)):
            body = other.get(url).get_data(as_text=True)
            assert "127.0.0.1" not in body and "anonymous" in body, url
    everyone = client_of(moin_config.replace(show_addresses="everyone"))
    assert "127.0.0.1" in everyone.get("/+history/SandBox").get_data(as_text=True)


def test_disabling_an_account_ends_its_sessions(moin_config: Config) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    jane = client_of(moin_config)
    jane.sign_in("JaneDoe", PASSWORD)
    assert wiki_main(["user", "disable", "JaneDoe", "--data-dir", str(moin_config.data_dir)]) == 0
    assert jane.get("/+account").status_code == 403


def test_user_commands(moin_config: Config, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = ["--data-dir", str(moin_config.data_dir)]
    monkeypatch.setattr(sys, "stdin", io.StringIO("first password\n"))
    assert wiki_main(["user", "add", "JaneDoe", "--email", "jane@example.org", "--admin", "--password-stdin", *data]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("second password\n"))
    assert wiki_main(["user", "passwd", "JaneDoe", "--password-stdin", *data]) == 0
    capsys.readouterr()
    assert wiki_main(["user", "list", *data]) == 0
    listed = capsys.readouterr().out
    assert "JaneDoe\tjane@example.org\tadmin\tactive" in listed and "password" not in listed
    client_of(moin_config).sign_in("JaneDoe", "second password")
    monkeypatch.setattr(sys, "stdin", io.StringIO("third password\n"))
    assert wiki_main(["user", "add", "JaneDoe", "--password-stdin", *data]) == 2  # taken
    assert wiki_main(["user", "passwd", "NoSuchPerson", "--password-stdin", *data]) == 1
    assert wiki_main(["user", "add", "All", "--password-stdin", *data]) == 2  # an ACL word
    assert wiki_main(["user", "add", "EditorsGroup", "--password-stdin", *data]) == 2  # a group page's name
    assert "cannot be an account name" in register(client_of(moin_config), "AdminGroup")


def test_rate_limits_hold_across_processes(tmp_path: Path) -> None:
    """Two processes share one limit of 10: 10 pass in all, whatever the interleaving."""
    script = ("import sys; from pathlib import Path; from wiki.ratelimit import RateLimiter; "
              "from wiki.errors import TooManyRequests\n"
              "limiter = RateLimiter(Path(sys.argv[1]), {'save': (10, 60)}); ok = 0\n"
              "for _ in range(10):\n"
              "    try: limiter.hit('save', '192.0.2.9'); ok += 1\n"
              "    except TooManyRequests: pass\n"
              "print(ok)")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "limits.sqlite")], stdout=subprocess.PIPE,
                             env=env, text=True) for _ in range(2)]
    passed = sum(int(run.communicate(timeout=60)[0]) for run in runs)
    assert passed == 10
    RateLimiter(tmp_path / "limits.sqlite", {"save": (10, 60)}).hit("save", "192.0.2.10")  # another address: free


def test_too_many_saves_get_429_with_the_text_back(moin_config: Config) -> None:
    limited = client_of(moin_config.replace(rate_limits="save=2/600"))
    assert limited.save("SandBox", "one").status_code == 303
    assert limited.save("SandBox", "two").status_code == 303
    third = limited.save("SandBox", "three words typed")
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    assert "three words typed" in third.get_data(as_text=True)
    # Signed in, each account has its own allowance, though all share one address.
    users_of(moin_config).create("JaneDoe", PASSWORD)
    jane = client_of(moin_config.replace(rate_limits="save=2/600"))
    jane.sign_in("JaneDoe", PASSWORD)
    assert jane.save("SandBox", "four").status_code == 303
    assert jane.save("SandBox", "five").status_code == 303
    assert jane.save("SandBox", "six").status_code == 429
    logins = client_of(moin_config.replace(rate_limits="login=2/600"))
    for _ in range(2):
        logins.post("/+login", data={**logins.form("/+login"), "name": "Somebody", "password": "guess guess"})
    assert logins.post("/+login", data={**logins.form("/+login"), "name": "Somebody",
                                        "password": "guess guess"}).status_code == 429


def test_bad_content_refuses_only_what_a_save_adds(moin_config: Config) -> None:
    users_of(moin_config).create("TheAdmin", PASSWORD, admin=True)
    admin = client_of(moin_config)
    admin.sign_in("TheAdmin", PASSWORD)
    assert admin.save("LocalBadContent", "# spam patterns\ncheap-pills\\.example\n(a+)+$\n").status_code == 303
    spammer = client_of(moin_config)
    refused = spammer.save("SandBox", "Buy at cheap-pills.example now")
    assert refused.status_code == 403 and "Buy at cheap-pills.example now" in refused.get_data(as_text=True)
    assert "cheap-pills" not in (moin_config.data_dir / "pages" / "SandBox" / "revisions" / "00000001").read_text()
    # Spam already on a page does not stop fixing the rest of it; a hostile pattern costs little.
    # (Whoever may change a page's ACL is not checked: an administrator here.)
    assert admin.save("SandBox", "old line cheap-pills.example\n").status_code == 303
    assert spammer.save("SandBox", "old line cheap-pills.example\nand a fix " + "a" * 5000 + "!\n").status_code == 303


def test_honeypot_and_textcha(moin_config: Config) -> None:
    asking = moin_config.replace(textchas="What is the name of this wiki software? = flatwiki")
    browser = client_of(asking)
    filled = browser.save("SandBox", "robot text", homepage="http://spam.example")
    assert filled.status_code == 400 and "robot text" not in (asking.data_dir / "pages" / "SandBox" /
                                                              "revisions" / "00000001").read_text()
    editor = browser.get("/+edit/SandBox").get_data(as_text=True)
    assert "What is the name of this wiki software?" in editor
    question = "What is the name of this wiki software?"
    wrong = browser.save("SandBox", "my careful text", textcha_question=question, textcha_answer="moin")
    assert wrong.status_code == 403 and "my careful text" in wrong.get_data(as_text=True)
    right = browser.save("SandBox", "my careful text", textcha_question=question, textcha_answer="FlatWiki")
    assert right.status_code == 303
    # An account older than textcha_account_hours is not asked.
    users_of(asking).create("OldHand", PASSWORD)
    veteran = client_of(asking.replace(textcha_account_hours=0))
    veteran.sign_in("OldHand", PASSWORD)
    assert question not in veteran.get("/+edit/SandBox").get_data(as_text=True)
    assert veteran.save("SandBox", "veteran text").status_code == 303


def test_remote_user_is_trusted_only_when_configured(moin_config: Config) -> None:
    protected = "#acl Trusted:read,write All:\nfor trusted eyes\n"
    admin_config = moin_config
    users_of(admin_config).create("TheAdmin", PASSWORD, admin=True)
    admin = client_of(admin_config)
    admin.sign_in("TheAdmin", PASSWORD)
    assert admin.save("Vault", protected).status_code == 303
    assert client_of(moin_config, REMOTE_USER="JaneDoe").get("/Vault").status_code == 403
    trusting = moin_config.replace(trust_remote_user=True)
    assert "for trusted eyes" in client_of(trusting, REMOTE_USER="JaneDoe").get("/Vault").get_data(as_text=True)


def test_expired_sessions_are_refused_and_swept(moin_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    from wiki.sessions import SessionStore

    store = SessionStore(moin_config.data_dir / "sessions", lifetime=-1)  # born expired
    old = store.create("1.2.3", "stamp")
    assert store.load(old.token) is None and not store._path(old.token).exists()
    stale = store.create("1.2.3", "stamp")
    monkeypatch.setattr(secrets, "randbelow", lambda _: 0)  # this sign-in sweeps
    SessionStore(moin_config.data_dir / "sessions", lifetime=3600).create("1.2.3", "stamp")
    assert not store._path(stale.token).exists()
    assert len(list((moin_config.data_dir / "sessions").iterdir())) == 1


def test_an_account_file_the_server_cannot_read_is_named(tmp_path: Path) -> None:
    """`wiki user add` run as root makes a file (0600) the web server's user cannot read:
    that user gets no account, and the log names the file."""
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    import tempfile

    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    if subprocess.run([*as_nobody, "-c", "import wiki"], capture_output=True, timeout=60,
                      env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}).returncode:
        pytest.skip("this interpreter or checkout is not readable by other users")
    open_place = Path(tempfile.mkdtemp())  # not under pytest's private tmp: "nobody" must reach it
    try:
        open_place.chmod(0o755)
        folder = open_place / "user"
        UserStore(folder).create("JaneDoe", PASSWORD)
        folder.chmod(0o755)
        script = ("import sys; from pathlib import Path; from wiki.users import UserStore; "
                  "print(UserStore(Path(sys.argv[1])).by_name('JaneDoe'))")
        done = subprocess.run([*as_nobody, "-c", script, str(folder)], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        assert done.stdout.strip() == "None", done.stderr
        assert "cannot read" in done.stderr and str(folder) in done.stderr
    finally:
        shutil.rmtree(open_place)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_sends_people_to_another_site(moin_config: Config, target: str) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    browser = client_of(moin_config)
    response = browser.post("/+login", data={**browser.form("/+login"), "name": "JaneDoe", "password": PASSWORD,
                                             "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/FrontPage"
    kept = browser.post("/+login", data={**browser.form("/+login"), "name": "JaneDoe", "password": PASSWORD,
                                         "next": "/SandBox?rev=1"})
    assert kept.headers["Location"] == "/SandBox?rev=1"


def test_bad_account_input_gets_the_form_back_and_changes_nothing(moin_config: Config) -> None:
    browser = client_of(moin_config)
    for name, password, status, says in (("../../etc/passwd", PASSWORD, 400, "cannot be an account name"),
                                          ("A" * 300, PASSWORD, 400, "1 to 80 characters"),
                                          ("Short Pass", "short", 400, "8 to 1024 characters"),
                                          ("Bad\x07Name", PASSWORD, 400, "cannot be an account name")):
        fields = {**browser.form("/+register"), "name": name, "password": password, "password2": password,
                  "email": "typed@example.org"}
        response = browser.post("/+register", data=fields)
        body = response.get_data(as_text=True)
        assert response.status_code == status and says in body, (name, response.status_code, ALERT.findall(body))
        assert 'value="typed@example.org"' in body  # what the person typed comes back
    assert not (moin_config.data_dir / "user").exists() or not any((moin_config.data_dir / "user").glob("1*"))
    mismatch = browser.post("/+register", data={**browser.form("/+register"), "name": "JaneDoe",
                                                "password": PASSWORD, "password2": PASSWORD + "x"})
    assert mismatch.status_code == 400 and "differ" in mismatch.get_data(as_text=True)
    assert users_of(moin_config).by_name("JaneDoe") is None
    huge = browser.post("/+login", data={**browser.form("/+login"), "name": "x" * 100_000, "password": "y" * 5000})
    assert huge.status_code == 403  # refused quickly: scrypt never sees a 5,000-character password


def test_account_pages_refuse_whoever_may_not(moin_config: Config) -> None:
    users_of(moin_config).create("JaneDoe", PASSWORD)
    users_of(moin_config).create("JohnSmith", PASSWORD)
    anonymous = client_of(moin_config)
    refused = anonymous.post("/+account", data={**anonymous.form("/+login"), "action": "profile", "email": "a@b.cd"})
    assert refused.status_code == 403 and "/+login" in refused.get_data(as_text=True)
    jane = client_of(moin_config)
    jane.sign_in("JaneDoe", PASSWORD)
    john = users_of(moin_config).by_name("JohnSmith")
    assert john is not None
    attempt = jane.post("/+users", data={**jane.form("/+account"), "user": john.id, "action": "disable"})
    assert attempt.status_code == 403
    assert not users_of(moin_config).by_name("JohnSmith").disabled  # type: ignore[union-attr]
    wrong = jane.post("/+account", data={**jane.form("/+account"), "action": "password", "current": "not it!",
                                         "password": "new password", "password2": "new password"})
    assert wrong.status_code == 403
    client_of(moin_config).sign_in("JaneDoe", PASSWORD)  # unchanged


def test_a_rate_limit_store_that_cannot_be_opened_lets_requests_by_at_once(tmp_path: Path,
                                                                           capfd: pytest.CaptureFixture[str]) -> None:
    """The limits must never take the wiki down: a store that cannot be used (here a folder
    where the file should be; a read-only or full disk alike) is reported and skipped, without
    waiting out the busy timeout, which only a locked database is worth."""
    import time

    (tmp_path / "limits.sqlite").mkdir()
    limiter = RateLimiter(tmp_path / "limits.sqlite", {"save": (1, 60)})
    started = time.monotonic()
    limiter.hit("save", "192.0.2.1")
    limiter.hit("save", "192.0.2.1")  # over the limit, but nothing could be counted
    assert time.monotonic() - started < 1.0
    assert "rate limits not checked" in capfd.readouterr().err
