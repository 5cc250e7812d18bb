"""The table of every page's ACL lines and every group's members: always as new as the
edit-log, in every process; the protection of a page follows its text through renames,
deletions and group changes; `wiki check` finds a table that disagrees with the pages."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from wiki.acl import ANONYMOUS, SYSTEM
from wiki.cli import init_store
from wiki.cli import main as wiki_main
from wiki.config import Config, load_config
from wiki.errors import PermissionDenied
from wiki.site import Site
from wiki.storage import Author

AUTHOR = Author(user_id="test")


@pytest.fixture
def moin(tmp_path: Path) -> Config:
    config = load_config(environ={}, data_dir=tmp_path / "data", rate_limits="")
    init_store(config, io.StringIO())
    return config


def save(site: Site, name: str, text: str) -> None:
    site.save(None, name, text, base_revision=site.store.current_revision(name), author=AUTHOR, reader=SYSTEM)


def test_a_change_in_one_process_is_seen_by_another(moin: Config) -> None:
    first, second = Site(moin), Site(moin)
    assert second.may(ANONYMOUS, "read", "Vault")
    save(first, "Vault", "#acl Known:read All:\nsecret\n")
    assert not second.may(ANONYMOUS, "read", "Vault")  # caught up from the edit-log, no restart
    assert not Site(moin).may(ANONYMOUS, "read", "Vault")  # a fresh process reads the saved table


def test_group_changes_take_effect_and_change_the_cache_key(moin: Config) -> None:
    site = Site(moin)
    save(site, "Vault", "#acl TeamGroup:read All:\nsecret\n")
    mary = site.permissions().reader("MaryMember")
    assert not site.may(mary, "read", "Vault")
    key = site.cache_key("", "page", "PublicPage", "1")
    save(site, "TeamGroup", " * OtherTeamGroup\n")
    save(site, "OtherTeamGroup", " * MaryMember\n")  # nested
    assert site.may(site.permissions().reader("MaryMember"), "read", "Vault")
    assert site.cache_key("", "page", "PublicPage", "1") != key  # stored pages show other links now


def test_protection_follows_the_text_through_rename_and_delete(moin: Config) -> None:
    site = Site(moin)
    save(site, "Vault", "#acl Known:read All:\nsecret\n")
    site.rename(None, "Vault", "Safe", base_revision=site.store.current_revision("Vault"), author=AUTHOR,
                reader=SYSTEM)
    assert not site.may(ANONYMOUS, "read", "Safe")
    assert not site.may(ANONYMOUS, "read", "Vault")  # the old name's history holds the same text
    site.delete(None, "Safe", base_revision=site.store.current_revision("Safe"), author=AUTHOR, reader=SYSTEM)
    assert not site.may(ANONYMOUS, "read", "Safe")  # a deleted page's history stays protected


def test_changing_an_acl_takes_the_admin_right(moin: Config) -> None:
    site = Site(moin)
    jane = site.permissions().reader("JaneDoe")
    save(site, "Notes", "open text\n")
    with pytest.raises(PermissionDenied):  # adding a line
        site.save(None, "Notes", "#acl JaneDoe:read,write\nmine\n", base_revision=1, author=AUTHOR, reader=jane)
    save(site, "Notes", "#acl JaneDoe:read,write,admin All:read\nopen text\n")
    site.save(None, "Notes", "#acl JaneDoe:read,write,revert\nmine\n", base_revision=2, author=AUTHOR, reader=jane)
    assert not site.may(ANONYMOUS, "read", "Notes")
    site.save(None, "Notes", "#acl JaneDoe:read,write,revert\nmine, again\n", base_revision=3, author=AUTHOR,
              reader=jane, action="SAVE/REVERT")  # the same ACL: the revert right is enough
    with pytest.raises(PermissionDenied, match="access control list"):  # restoring another ACL is changing it
        site.save(None, "Notes", "#acl JaneDoe:read,write,admin All:read\nopen text\n", base_revision=4,
                  author=AUTHOR, reader=jane, action="SAVE/REVERT")


def test_check_finds_and_repair_fixes_a_table_that_disagrees(moin: Config, capsys: pytest.CaptureFixture[str]) -> None:
    site = Site(moin)
    save(site, "Vault", "#acl Known:read All:\nsecret\n")
    site.acl_table.current()
    # An operator copies an older revision over the page by hand: nothing is logged.
    revision = moin.data_dir / "pages" / "Vault" / "revisions" / "00000001"
    revision.write_text("now open to all\n")
    data = ["--data-dir", str(moin.data_dir)]
    assert wiki_main(["check", *data]) == 1
    assert "ACL table does not match" in capsys.readouterr().out
    assert wiki_main(["check", "--repair", *data]) == 0
    assert Site(moin).may(ANONYMOUS, "read", "Vault")
