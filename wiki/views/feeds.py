"""For machines: Atom feeds of changes (the wiki's and each page's), sitemap.xml, robots.txt."""
from __future__ import annotations

import hashlib
import itertools
import os
import xml.etree.ElementTree as etree
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from wiki.editlog import LogEntry, is_revision
from wiki.errors import BadRequest, PageNotFound
from wiki.site import Site
from wiki.views.base import WikiRequest, absolute, author_name, int_arg, page_name, xml_safe
from wiki.views.listing import recent_for, recent_window

ATOM = "http://www.w3.org/2005/Atom"
LABELS = {"SAVE": "edited", "SAVENEW": "created", "SAVE/REVERT": "reverted", "SAVE/RENAME": "renamed",
          "DELETE": "deleted", "ATTNEW": "attachment added", "ATTDEL": "attachment deleted"}


def _absolute(wiki: Site, request: WikiRequest, endpoint: str, **values: object) -> str:
    return absolute(wiki, request, request.url_for(endpoint, **values))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_bytes(root: etree.Element) -> bytes:
    """The document, with what XML 1.0 forbids replaced (ElementTree escapes markup, not controls)."""
    return xml_safe(etree.tostring(root, encoding="unicode")).encode("utf-8")


def _feed(wiki: Site, request: WikiRequest, title: str, self_url: str, alternate: str, entries: list[LogEntry]) -> Response:
    """An Atom 1.0 document: every entry links to the change's diff (or the file, for attachments)."""
    etree.register_namespace("", ATOM)
    feed = etree.Element(f"{{{ATOM}}}feed")
    etree.SubElement(feed, f"{{{ATOM}}}title").text = title
    etree.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=alternate)
    newest = entries[0].time if entries else datetime.now(timezone.utc)
    etree.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(newest)
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    etree.SubElement(author, f"{{{ATOM}}}name").text = "flatwiki"
    for entry in entries:
        if is_revision(entry):
            link = _absolute(wiki, request, "diff_page", name=entry.name, **{"from": max(entry.revision - 1, 0), "to": entry.revision})
        else:
            link = _absolute(wiki, request, "page_attachments", name=entry.name)
        item = etree.SubElement(feed, f"{{{ATOM}}}entry")
        label = LABELS.get(entry.action, entry.action.lower())
        subject = f" {entry.extra}" if not is_revision(entry) else f" (revision {entry.revision})"
        etree.SubElement(item, f"{{{ATOM}}}title").text = f"{entry.name}: {label}{subject}"
        etree.SubElement(item, f"{{{ATOM}}}id").text = f"{link}#{entry.time_us}"
        etree.SubElement(item, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=link)
        etree.SubElement(item, f"{{{ATOM}}}updated").text = _stamp(entry.time)
        who = etree.SubElement(item, f"{{{ATOM}}}author")
        etree.SubElement(who, f"{{{ATOM}}}name").text = author_name(wiki, request, entry)
        etree.SubElement(item, f"{{{ATOM}}}summary").text = entry.comment or label
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + _xml_bytes(feed)
    response = Response(body, content_type="application/atom+xml; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


def recent_feed(wiki: Site, request: WikiRequest) -> Response:
    """The wiki's recent changes as Atom (?count= and ?days= as on the page)."""
    limit, _, since = recent_window(request)
    return _feed(wiki, request, f"{wiki.config.site_name}: recent changes", _absolute(wiki, request, "recent_feed"),
                 _absolute(wiki, request, "recent_changes"), recent_for(wiki, request, min(limit, 100), since))


def page_feed(wiki: Site, request: WikiRequest, name: str) -> Response:
    """One page's changes as Atom."""
    name = page_name(name)
    entries = list(itertools.islice(wiki.store.history_from(name), 50))
    if not entries:
        raise PageNotFound(name)
    return _feed(wiki, request, f"{wiki.config.site_name}: {name}", _absolute(wiki, request, "page_feed", name=name),
                 _absolute(wiki, request, "show_page", name=name), entries)


SITEMAP_URLS = 5000  # URLs in one sitemap file: about 500 KB (the protocol allows 50,000 and 50 MB)


def sitemap(wiki: Site, request: WikiRequest) -> Response:
    """Every page for search engines, with its last modification (the time of its `current`).
    Past SITEMAP_URLS pages: a sitemap index of ?part=1, 2, ... files (the sitemaps protocol)."""
    pages = wiki.readable(request.reader, wiki.store.list_pages())
    parts = max(1, -(-len(pages) // SITEMAP_URLS))
    part = int_arg(request, "part")
    if part is None and parts > 1:
        index = etree.Element("sitemapindex", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
        for number in range(1, parts + 1):
            entry = etree.SubElement(index, "sitemap")
            etree.SubElement(entry, "loc").text = _absolute(wiki, request, "sitemap", part=number)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + _xml_bytes(index)
        return Response(body, content_type="application/xml; charset=utf-8")
    if part is not None and not 1 <= part <= parts:
        raise BadRequest(f"This wiki's sitemap has {parts} part{'s' if parts > 1 else ''}.")
    number = part or 1
    shown = pages[(number - 1) * SITEMAP_URLS:number * SITEMAP_URLS]
    # Stored per part, view class and address (the URLs in it are absolute); made again when
    # a page in its range is saved, or a page is created or deleted.
    place = absolute(wiki, request, request.script_root)
    view = wiki.view_class(request.reader)
    key = wiki.cache_key(request.script_root, "sitemap", str(number), view, place,
                         wiki.sitemap_parts.generations(shown[0], shown[-1]) if shown else "")
    slot = f"sitemap.{number}.{view}.{hashlib.sha1(place.encode('utf-8')).hexdigest()[:8]}"
    stored = wiki.sitemap_parts.get(slot, key)
    if stored is not None:
        body = stored
    else:
        urlset = etree.Element("urlset", xmlns="http://www.sitemaps.org/schemas/sitemap/0.9")
        for name in shown:
            url = etree.SubElement(urlset, "url")
            etree.SubElement(url, "loc").text = _absolute(wiki, request, "show_page", name=name)
            modified = os.stat(wiki.store.page_dir(name) / "current").st_mtime
            etree.SubElement(url, "lastmod").text = datetime.fromtimestamp(modified, timezone.utc).strftime("%Y-%m-%d")
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + _xml_bytes(urlset)
        wiki.sitemap_parts.put(slot, key, body)
    return Response(body, content_type="application/xml; charset=utf-8")


def robots_txt(wiki: Site, request: WikiRequest) -> Response:
    """Crawl the pages, not the actions (edit, history, diff, search: all under /+)."""
    prefix = request.script_root
    text = f"User-agent: *\nDisallow: {prefix}/+\nSitemap: {_absolute(wiki, request, 'sitemap')}\n"
    return Response(text, content_type="text/plain; charset=utf-8")
