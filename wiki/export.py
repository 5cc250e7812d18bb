"""`wiki export --html OUT`: a static, browsable copy of every page an anonymous reader may
read, with its attachments and the theme's CSS.

Every file sits in OUT itself (pages as `<quoted name>.html`, the names quoted as in the
data directory: ASCII, no '/'), except `static/` and `attachments/`; every link is relative,
so the copy works from file:// and under any path of any web server. Links to pages that do
not exist (or that anonymous readers may not see) lead to `missing.html`. Search is left
out. A second run renders only pages whose key changed (their revision, the set of pages,
the ACLs, the theme, the config, this release: Site.cache_key) and rewrites only files whose
bytes changed; files of pages no longer exported are removed.

An export is inert wherever it is put: every page carries a CSP that runs no script, and an
attachment keeps its extension only if the wiki itself shows its type inline (a picture, a
PDF, plain text); any other file, `report.html` or `logo.svg`, is renamed to end in `.bin`
with no other dot (`report_html.bin`), a name no web server executes, includes or renders
(Apache applies a handler for any extension in a name: `x.php.png` would run).
"""
from __future__ import annotations

import html as html_lib
import json
import os
import posixpath
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from wiki import names
from wiki.acl import ANONYMOUS
from wiki.atomic import write_atomically
from wiki.errors import PageNotFound
from wiki.site import Site

STATE = ".flatwiki-export.json"
STATIC = ("wiki.css", "pygments.css", "pygments-dark.css", "theme.js", "favicon.svg")
MISSING = "missing.html"
Progress = Callable[[int, int], None]
RELATIVE_LINK = re.compile(r'(\b(?:href|src)=)"([^"]*)"')
# No script at all (the export needs none), styles and pictures from the copy itself.
EXPORT_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
              "object-src 'none'")


def exported_filename(filename: str) -> str:
    """The name an attachment gets in the export: its own, inert extension kept, if the wiki shows
    its type inline; otherwise every dot made '_' and `.bin` added. No dot but the last either way."""
    from wiki.attachments import content_type

    stem, dot, extension = filename.rpartition(".")
    if dot and stem and content_type(filename)[1]:
        return f"{stem.replace('.', '_')}.{extension}"
    return f"{filename.replace('.', '_')}.bin"


def page_file(name: str) -> str:
    return names.quote_fs(name) + ".html"


class ExportUrls:
    """Where links lead in the export: relative files beside the page."""

    script_root = "export:"  # keeps export keys apart from every mount point's

    def page_url(self, name: str) -> str:
        return urllib.parse.quote(page_file(name))

    def edit_url(self, name: str) -> str:
        return MISSING

    def attachment_url(self, name: str, filename: str) -> str:
        return f"attachments/{urllib.parse.quote(names.quote_fs(name))}/{urllib.parse.quote(exported_filename(filename))}"

    def attachments_url(self, name: str) -> str:
        return MISSING


class Exporter:
    def __init__(self, site: Site, out: Path) -> None:
        self.site, self.out = site, out
        self.urls = ExportUrls()
        self.written = 0

    def _write(self, relative: str, data: bytes) -> None:
        """Write a file only if its bytes changed (a second export leaves the rest untouched)."""
        path = self.out / relative
        try:
            if path.read_bytes() == data:
                return
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data, durable=False)
        self.written += 1

    def _static(self, filename: str) -> str:
        return f"static/{filename}"

    def run(self, progress: Progress | None = None) -> dict[str, int]:
        site = self.site
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            state: dict[str, str] = json.loads((self.out / STATE).read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            state = {}
        visible = site.visibility(ANONYMOUS)
        pages = [name for name in site.store.list_pages() if visible(name)]
        produced: set[str] = {"index.html", MISSING}
        new_state: dict[str, str] = {}
        rendered = 0
        for done, name in enumerate(pages, 1):
            try:
                page = site.store.read(name)
            except PageNotFound:
                continue  # deleted meanwhile
            key = site.cache_key(self.urls.script_root, "export", name, str(page.revision), site.stamps.read(name))
            relative = page_file(name)
            produced.add(relative)
            produced.update(self._attachments(name))
            if state.get(name) == key and (self.out / relative).exists():
                new_state[name] = key
            else:
                result = site.renderer.render(page.text, site.link_context(self.urls, name, ANONYMOUS))
                html = site.theme.render("export_page.mako", site_name=site.config.site_name, title=name,
                                         content=self._relink(name, result.html, visible), static=lambda f: self._static(f), csp=EXPORT_CSP,
                                         index_href="index.html", note=f"Revision {page.revision}.")
                self._write(relative, html.encode("utf-8"))
                rendered += 1
                if not result.volatile:  # a page listing recent changes is rendered every time
                    new_state[name] = key
            if progress:
                progress(done, len(pages))
        index = site.theme.render("export_index.mako", site_name=site.config.site_name, title="All pages", csp=EXPORT_CSP,
                                  static=lambda f: self._static(f), note=f"{len(pages)} pages.",
                                  pages=[(name, urllib.parse.quote(page_file(name))) for name in pages])
        self._write("index.html", index.encode("utf-8"))
        missing = site.theme.render("export_page.mako", site_name=site.config.site_name, title="Not in this copy", csp=EXPORT_CSP,
                                    content="<p>This page does not exist in this copy of the wiki.</p>",
                                    static=lambda f: self._static(f), index_href="index.html", note="")
        self._write(MISSING, missing.encode("utf-8"))
        for filename in STATIC:
            source = site.theme.static_file(filename)
            if source is not None:
                self._write(self._static(filename), source.read_bytes())
                produced.add(self._static(filename))
        removed = self._remove_others(produced)
        write_atomically(self.out / STATE, json.dumps(new_state, indent=0).encode("utf-8"), durable=False)
        return {"pages": len(pages), "rendered": rendered, "written": self.written, "removed": removed}

    def _relink(self, name: str, html: str, visible: Callable[[str], bool]) -> str:
        """Point the page's own relative links (Markdown's [text](../Other), [index](+index)) at
        the export's files: a page that is exported, the index, else missing.html."""
        def relink(match: re.Match[str]) -> str:
            href = html_lib.unescape(match.group(2))
            if href.startswith(("#", "static/", "attachments/", MISSING)) or urllib.parse.urlsplit(href).scheme \
                    or href.endswith(".html"):
                return match.group(0)
            parts = urllib.parse.urlsplit(href)
            path = posixpath.normpath(posixpath.join("/" + name.rsplit("/", 1)[0] + "/" if "/" in name else "/",
                                                     urllib.parse.unquote(parts.path)))
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            if path.startswith("/+"):
                target = "index.html" if path == "/+index" else MISSING
            else:
                page = path.lstrip("/")
                exists = bool(page) and visible(page) and self.site.store.exists(page)
                target = urllib.parse.quote(page_file(page)) + fragment if exists else MISSING
            return f'{match.group(1)}"{html_lib.escape(target)}"'

        return RELATIVE_LINK.sub(relink, html)

    def _attachments(self, name: str) -> list[str]:
        """Copy the page's attached files (not their old versions, nor anything but a regular file:
        a symbolic link is not followed) under their exported names; returns their paths. Of two
        files whose exported names would be the same (`a.b.png`, `a_b.png`), the first keeps it."""
        folder = self.site.store.page_dir(name) / "attachments"
        copied = []
        try:
            files = sorted(Path(entry.path) for entry in os.scandir(folder)
                           if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."))
        except FileNotFoundError:
            return []
        for path in files:
            relative = f"attachments/{names.quote_fs(name)}/{exported_filename(path.name)}"
            if relative in copied:
                continue
            self._write(relative, path.read_bytes())
            copied.append(relative)
        return copied

    def _remove_others(self, produced: set[str]) -> int:
        """Remove what an earlier export wrote and this one did not (deleted or hidden pages)."""
        removed = 0
        for path in sorted(self.out.rglob("*")):
            relative = path.relative_to(self.out).as_posix()
            if path.is_file() and relative not in produced and relative != STATE:
                path.unlink()
                removed += 1
        for path in sorted(self.out.rglob("*"), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return removed


def export_html(site: Site, out: Path, progress: Progress | None = None) -> dict[str, int]:
    if out.exists() and any(out.iterdir()) and not (out / STATE).exists():
        raise ValueError(f"{out} is not empty and holds no earlier export: choose a new or empty folder")
    return Exporter(site, out).run(progress)

