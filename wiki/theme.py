"""Mako templates of the active theme, falling back to `default`, and its static files.

The lookup is built on first use: CGI builds the app on every request and
must not pay for Mako unless it renders a template.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from wiki.config import BUNDLED_THEMES, Config

DEFAULT_THEME = "default"
COOKIE = "wiki_theme"  # a browser's own choice of theme (an account's is its user file's theme_name)


def available(themes_dir: Path) -> list[str]:
    """The themes one may choose: folders with templates or static files, in themes_dir and bundled."""
    found = set()
    for root in (BUNDLED_THEMES, themes_dir):
        try:
            for entry in os.scandir(root):
                if entry.is_dir() and (os.path.isdir(os.path.join(entry.path, "templates"))
                                       or os.path.isdir(os.path.join(entry.path, "static"))):
                    found.add(entry.name)
        except OSError:
            continue
    return sorted(found, key=lambda name: (name != DEFAULT_THEME, name))


class Theme:
    @classmethod
    def for_config(cls, config: Config, name: str | None = None) -> Theme:
        """The configured theme (or the one named), compiling its templates into a folder of its
        own under data_dir/cache/templates: two themes' layout.mako are different modules."""
        chosen = name or config.theme
        return cls(config.themes_dir, chosen, config.data_dir / "cache" / "templates" / chosen)

    def __init__(self, themes_dir: Path, name: str, module_directory: Path | None) -> None:
        self.name = name
        # The theme, then the default theme beside it, then the bundled default: a folder of one's
        # own themes may hold just one theme of a few templates and still have every page.
        found = [themes_dir / name, themes_dir / DEFAULT_THEME, BUNDLED_THEMES / DEFAULT_THEME]
        self.directories = [folder for index, folder in enumerate(found) if folder not in found[:index]]
        self.module_directory = module_directory
        self._lookup: Any = None
        self._version: str | None = None

    @property
    def lookup(self) -> Any:
        if self._lookup is None:
            self._lookup = self._make_lookup(self.module_directory)
        return self._lookup

    def _make_lookup(self, module_directory: Path | None) -> Any:
        from mako.lookup import TemplateLookup

        return TemplateLookup(
            # The themes' own folders last: a layout can extend the bundled one as
            # "/default/templates/layout.mako" and override only its slots (see docs/themes.md).
            directories=[str(d / "templates") for d in self.directories] + [str(BUNDLED_THEMES)],
            module_directory=str(module_directory) if module_directory else None,
            default_filters=["h"],
            input_encoding="utf-8",
            strict_undefined=True,
            filesystem_checks=False,  # `version` is computed once per process too; restart to reload
        )

    def render(self, template: str, **context: Any) -> str:
        try:
            compiled = self.lookup.get_template(template)
        except OSError:
            # The compiled-template cache cannot be written (a full or read-only disk): compile
            # in memory from now on. Reads, error pages included, never depend on writing.
            self._lookup = self._make_lookup(None)
            compiled = self._lookup.get_template(template)
        return str(compiled.render(**context))

    def static_file(self, filename: str) -> Path | None:
        """The file under the theme's static folder (or the default's); None if absent or outside."""
        for directory in self.directories:
            root = (directory / "static").resolve()
            candidate = (root / filename).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    @property
    def version(self) -> str:
        """A short hash of the theme files' names, sizes and times: changes when any file does,
        so static URLs carry it (and are cached for a year) and page ETags include it."""
        if self._version is None:
            digest = hashlib.sha1()
            for directory in self.directories:
                for folder, _, files in sorted(os.walk(directory)):
                    for filename in sorted(files):
                        stat = os.stat(os.path.join(folder, filename))
                        digest.update(f"{folder}/{filename}:{stat.st_size}:{stat.st_mtime_ns};".encode())
            self._version = digest.hexdigest()[:10]
        return self._version
