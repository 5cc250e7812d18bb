"""The README and docs/ stay true: the README opens with the two commands and links every
document; docs/configuration.md documents every option exactly; docs/architecture.md shows
the layer drawing of wiki/__init__.py; docs/deployment.md shows the recipes the integration
tests run."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from wiki.config import PROJECT_ROOT, options

README = (PROJECT_ROOT / "README.md").read_text()
DOCS = PROJECT_ROOT / "docs"
CONFIGURATION = (DOCS / "configuration.md").read_text()
DEPLOYMENT = (DOCS / "deployment.md").read_text()


def readme_table() -> dict[str, tuple[str, str]]:
    table = CONFIGURATION[CONFIGURATION.index("<!-- options-table"):CONFIGURATION.index("<!-- /options-table -->")]
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


@pytest.mark.parametrize("recipe", ["apache-cgi.conf", "apache-wsgi.conf", "lighttpd-fastcgi.conf", "nginx-proxy.conf",
                                    "nginx-fastcgi.conf", "apache-proxy-fcgi.conf", "nginx-proxy-cache.conf",
                                    "nginx-proxy-cache-http.conf"])
def test_the_deployment_guide_shows_the_recipes_the_integration_tests_run(recipe: str) -> None:
    """As written in conf/, with the placeholders ($run, $code, ...) as they are and `$$` (the
    test rig's escape) as the `$` the server reads."""
    raw = (PROJECT_ROOT / "tests" / "integration" / "conf" / recipe).read_text().rstrip("\n")
    assert f"\n{string.Template(raw).safe_substitute()}\n```" in DEPLOYMENT


def test_readme_names_the_commands_of_each_gateway() -> None:
    for needle in ("wiki serve", "wiki.cgi", "wsgi.py", "wiki.fcgi", "--scgi", "proxy_fix", "X-Forwarded-Prefix", "www-data"):
        assert needle in DEPLOYMENT


def test_the_architecture_shows_the_layer_drawing_of_the_code() -> None:
    code = (PROJECT_ROOT / "wiki" / "__init__.py").read_text()
    drawing = code[code.index("    entry points"):code.index("\nThe services and")].rstrip("\n")
    assert f"```\n{drawing}\n```" in (DOCS / "architecture.md").read_text()


def test_the_readme_links_every_document_and_every_link_in_docs_resolves() -> None:
    documents = sorted(path.name for path in DOCS.glob("*.md"))
    assert len(documents) >= 5
    for name in documents:
        assert f"(docs/{name})" in README, f"README does not link docs/{name}"
    for path in [PROJECT_ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", path.read_text()):
            assert (path.parent / target).is_file(), f"{path.name} links {target}, which is not there"
