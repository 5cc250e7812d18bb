"""The one declared option table: loading, types, and README staying in step with it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from wiki.config import PROJECT_ROOT, Config, load_config, options


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


def readme_table() -> dict[str, tuple[str, str]]:
    text = (PROJECT_ROOT / "README.md").read_text()
    table = text[text.index("<!-- options-table"):text.index("<!-- /options-table -->")]
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \| (.+?) \|$", table, re.M)
    return {name: (default, help) for name, default, help in rows}


def shown_default(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Path):
        return value.relative_to(PROJECT_ROOT).as_posix() if value.is_absolute() else value.as_posix()
    if value == "":
        return '""'
    return str(value)


def test_readme_documents_every_option_exactly() -> None:
    documented = readme_table()
    assert set(documented) == {option.name for option in options()}
    for option in options():
        default, help = documented[option.name]
        assert help == option.metadata["help"], option.name
        assert default == shown_default(option.default), option.name


def test_readme_opens_with_the_two_commands() -> None:
    text = (PROJECT_ROOT / "README.md").read_text()
    first_block = text[text.index("```sh"):text.index("```", text.index("```sh") + 3)]
    assert "make run" in first_block and "make test" in first_block
