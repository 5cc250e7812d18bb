"""README stays true: it opens with the two commands, documents every option exactly,
and shows the deployment recipes that the integration tests run."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from wiki.config import PROJECT_ROOT, options

README = (PROJECT_ROOT / "README.md").read_text()


def readme_table() -> dict[str, tuple[str, str]]:
    table = README[README.index("<!-- options-table"):README.index("<!-- /options-table -->")]
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
    first_block = README[README.index("```sh"):README.index("```", README.index("```sh") + 3)]
    assert "make run" in first_block and "make test" in first_block


@pytest.mark.parametrize("recipe", ["apache-cgi.conf", "apache-wsgi.conf", "lighttpd-fastcgi.conf"])
def test_readme_shows_the_recipes_the_integration_tests_run(recipe: str) -> None:
    text = (PROJECT_ROOT / "tests" / "integration" / "conf" / recipe).read_text().rstrip("\n")
    assert f"\n{text}\n```" in README


def test_readme_names_the_commands_of_each_gateway() -> None:
    for needle in ("wiki serve", "wiki.cgi", "wsgi.py", "wiki.fcgi", "--scgi", "proxy_fix", "X-Forwarded-Prefix", "www-data"):
        assert needle in README
