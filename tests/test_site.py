"""The services layer: one cache key, the after-change protocol, recovery, paginated history."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.app import create_app
from wiki.cli import main
from wiki.config import Config
from wiki.site import Site
from wiki.storage import Author


def test_a_stored_save_whose_derived_work_fails_is_still_a_success(seeded_config: Config,
                                                                    capfd: pytest.CaptureFixture[str]) -> None:
    client = WikiClient(create_app(seeded_config))
    links = seeded_config.data_dir / "links"
    shutil.move(links, seeded_config.data_dir / "links.aside")
    links.write_text("a file where the link table's folder must be")  # every link update now fails
    response = client.save("SandBox", "Saved although [[FrontPage]] links could not be recorded\n")
    assert response.status_code == 303  # stored: the person is told so
    assert "could not be recorded" in client.get("/SandBox").get_data(as_text=True)
    assert "updating its links and cache failed" in capfd.readouterr().err  # logged for the operator
    site = Site(seeded_config)
    assert site.store.is_pending("SandBox")  # to be redone by the next recovery pass
    links.unlink()
    shutil.move(seeded_config.data_dir / "links.aside", links)
    assert site.recover(force=True) == ["SandBox"]
    assert "SandBox" in site.links.incoming("FrontPage")
    assert main(["check", "--data-dir", str(seeded_config.data_dir)]) == 0


def test_the_next_request_recovers_a_killed_save(seeded_config: Config) -> None:
    site = Site(seeded_config)
    page_dir = site.store.page_dir("SandBox")
    before = (page_dir / "current").read_bytes()
    site.store.save("SandBox", "finished by recovery\n", base_revision=1, author=Author())
    (page_dir / "current").write_bytes(before)  # killed after the log lines, before `current`
    site.store.mark_pending("SandBox")
    client = WikiClient(create_app(seeded_config))
    assert "finished by recovery" in client.get("/SandBox").get_data(as_text=True)
    assert not site.store.has_pending()


CGI_GET = {"REQUEST_METHOD": "GET", "PATH_INFO": "/SandBox", "SCRIPT_NAME": "", "QUERY_STRING": ""}


def test_cgi_fast_path_steps_aside_while_a_change_is_pending(seeded_config: Config,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from wiki import gateway

    client = WikiClient(create_app(seeded_config))
    assert client.get("/SandBox").status_code == 200  # cached now
    Site(seeded_config).store.mark_pending("SandBox")
    for key, value in CGI_GET.items():
        monkeypatch.setenv(key, value)
    assert gateway.serve_cgi_from_cache(seeded_config) is False


def test_history_shows_one_page_at_a_time_from_the_end(seeded_config: Config) -> None:
    site = Site(seeded_config)
    for n in range(2, 252):
        site.store.save("SandBox", f"revision {n}\n", base_revision=n - 1, author=Author())
    client = WikiClient(create_app(seeded_config))
    first = client.get("/+history/SandBox").get_data(as_text=True)
    assert first.count('name="to"') == 100
    assert 'value="251"' in first and 'value="152"' in first and 'value="151"' not in first
    assert "/+history/SandBox?until=151" in first
    second = client.get("/+history/SandBox?until=151").get_data(as_text=True)
    assert second.count('name="to"') == 100 and 'value="151"' in second and "until=51" in second
    last = client.get("/+history/SandBox?until=51").get_data(as_text=True)
    assert last.count('name="to"') == 51 and "Older revisions" not in last and "Newest revisions" in last
    assert client.get("/+history/SandBox?until=%C2%B2").status_code == 400


def test_one_cache_key_covers_the_config_and_the_release(seeded_config: Config, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import wiki.site

    site = Site(seeded_config)
    key = site.cache_key("", "page", "FrontPage", "1", "")
    assert Site(seeded_config).cache_key("", "page", "FrontPage", "1", "") == key  # stable across processes
    assert Site(seeded_config.replace(site_name="Other")).cache_key("", "page", "FrontPage", "1", "") != key
    assert site.cache_key("/wiki", "page", "FrontPage", "1", "") != key
    monkeypatch.setattr(wiki.site, "__version__", "99.0")
    assert site.cache_key("", "page", "FrontPage", "1", "") != key


def test_no_view_changes_the_store_except_through_the_site() -> None:
    """One after-change protocol: a view that wrote through the store itself could forget it."""
    import re

    from wiki import views

    direct = re.compile(r"\.store\.(save|delete|rename)\(|AttachmentStore\([^)]*\)\.(add|delete)\(|after_change\(")
    offenders = [f"{path.name}:{number}" for path in sorted(Path(views.__file__).parent.glob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1) if direct.search(line)]
    assert offenders == []


def test_cgi_fast_path_serves_trusted_hosts_and_leaves_others_to_the_app(seeded_config: Config,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from wiki import gateway

    config = seeded_config.replace(trusted_hosts="wiki.example.org")
    client = WikiClient(create_app(config))
    assert client.get("/SandBox", headers={"Host": "wiki.example.org"}).status_code == 200  # stored now
    for key, value in CGI_GET.items():
        monkeypatch.setenv(key, value)
    for host, served in (("wiki.example.org", True), ("evil.example", False)):
        monkeypatch.setenv("HTTP_HOST", host)
        found, _ = Site(config).page_cache.respond(gateway._cgi_environ())
        assert (found is not None) == served, host
