"""The one declared option table: loading, types, and README staying in step with it."""
from __future__ import annotations

from pathlib import Path

import pytest

from wiki.config import Config, load_config, options


def test_every_option_has_a_default_and_help() -> None:
    for option in options():
        assert option.metadata["help"].strip(), option.name
        assert getattr(Config(), option.name) == option.default


def test_environment_overrides_file(tmp_path: Path) -> None:
    file = tmp_path / "wiki.toml"
    file.write_text('site_name = "File"\ncamelcase_links = true\nmax_page_bytes = 10\n')
    config = load_config(file, environ={"WIKI_SITE_NAME": "Env", "WIKI_CAMELCASE_LINKS": "no"})
    assert (config.site_name, config.camelcase_links, config.max_page_bytes) == ("Env", False, 10)


def test_config_may_use_a_wiki_table(tmp_path: Path) -> None:
    file = tmp_path / "wiki.toml"
    file.write_text('[wiki]\nsite_name = "Tabled"\n')
    assert load_config(file, environ={}).site_name == "Tabled"


@pytest.mark.parametrize("env", [{"WIKI_READ_ONLY": "maybe"}, {"WIKI_MAX_CONTENT_LENGTH": "lots"}])
def test_bad_values_are_errors(env: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        load_config(environ=env)
