"""Views of one page: show, raw, edit (with preview and conflicts), revert, delete."""
from __future__ import annotations

import hashlib
import re
from typing import Any

from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from wiki.drafts import Draft, age
from wiki.editlog import REVERT
from wiki.errors import (
    BadRequest,
    EditConflict,
    InvalidPageName,
    PageBusy,
    PageDeleted,
    PageNotFound,
    PayloadTooLarge,
    PermissionDenied,
    StorageFull,
    StorageUnavailable,
    TooManyRequests,
    WikiError,
    disk_error,
    tell_operator,
)
from wiki.merging import Merged, has_conflict_markers, merge
from wiki.pagecache import NOTICE_COOKIE
from wiki.site import Site
from wiki.text import stored_form
from wiki.views.accounts import check_textcha, textcha
from wiki.views.base import (
    WikiRequest,
    absolute,
    author_name,
    chosen_theme,
    form_fields,
    int_arg,
    page_name,
    redirect,
    refuse_robots,
    themed,
    whole_number,
)
from wiki.views.history import diff_rows

MAX_COMMENT = 500

REDIRECT = re.compile(r"\A#redirect[ \t]+(.+?)[ \t]*$", re.I | re.M)


# A save the person can simply try again: the text goes back into the editor.
RETRYABLE = (PageBusy, StorageFull, StorageUnavailable)


class MergeConflict(EditConflict):
    """Both sides changed the same lines: nothing was written; the editor shows the markers."""

    def __init__(self, name: str, base_revision: int, current_revision: int, merged: Merged,
                 base: str, theirs: str) -> None:
        super().__init__(name, base_revision, current_revision)
        self.merged, self.base, self.theirs = merged, base, theirs


def _base_revision(form: dict[str, str], what: str) -> int:
    """The revision the form was filled in against (what a later save is checked against)."""
    base = whole_number(form.get("base_revision", ""))
    if base is None:
        raise BadRequest(f"The {what} form is missing its base revision; reload it and start again.")
    return base


def _comment(form: dict[str, str]) -> str:
    """The edit comment on one line, without control characters (it goes into logs and feeds)."""
    printable = "".join(char if char.isprintable() else " " for char in form.get("comment", ""))
    return " ".join(printable.split())[:MAX_COMMENT]


def _confirmation(wiki: Site, request: WikiRequest, template: str, title: str, name: str, **context: Any) -> Response:
    """The GET side of delete, rename: a form about an existing page, never cached."""
    wiki.store.read(name)
    response = themed(wiki, request, template, title=title, page=name,
                      base_revision=wiki.store.current_revision(name), **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _canonical_redirect(request: WikiRequest, endpoint: str, raw: str, name: str) -> Response | None:
    """Send /Foo%20%20Bar to /Foo%20Bar so every page has one URL."""
    if raw == name:
        return None
    location = request.url_for(endpoint, name=name)
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    return redirect(request, location, 301)


def front_page(wiki: Site, request: WikiRequest) -> Response:
    """/ leads to the configured front page."""
    return redirect(request, request.page_url(wiki.config.front_page), 302)


def show_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """A page (latest, or ?rev=N) rendered in the theme; 304 when the browser's copy is current."""
    raw, name = name, page_name(name)
    moved = _canonical_redirect(request, "show_page", raw, name)
    if moved:
        return moved
    wanted = int_arg(request, "rev")
    current = wiki.store.current_revision(name)
    if current == 0:
        return missing_page(wiki, request, name)
    try:
        page = wiki.store.read(name, wanted)
    except PageDeleted as deleted:
        return missing_page(wiki, request, name, deleted=deleted)
    target = REDIRECT.match(page.text)
    if target and wanted is None and request.args.get("redirect") != "no":
        try:
            destination = page_name(target.group(1))
        except InvalidPageName:
            destination = name
        if destination != name:
            return redirect(request, request.url_for("show_page", name=destination, redirected_from=name), 302)
    redirected_from = request.args.get("redirected_from", "")
    notice = _notice(wiki, request, name)
    html, volatile = wiki.render_html(request, page, request.reader)
    if wanted is None and not wiki.config.read_only and wiki.may(request.reader, "write", name):
        from wiki import sections

        html = sections.with_edit_links(html, page.text, wiki.config.default_markup,
                                        lambda number: request.url_for("edit_page", name=name, section=number))
    content = Markup(html)
    # A signed-in person's view names them and shows what they may read: an ETag of its own.
    personal = f"{request.reader.name}|{wiki.view_class(request.reader)}" if request.reader.known else ""
    theme = chosen_theme(wiki, request)  # a theme of one's own: a view of its own
    etag = wiki.page_etag(request.script_root, name, page.revision, volatile,
                          redirected_from + personal + (f"|theme:{theme}" if theme else ""))
    entry = wiki.store.log_entry(name, page.revision)
    # When the text alone decides the page (no macro showing more): the revision's time, for
    # caches that revalidate with If-Modified-Since (If-None-Match wins when both are sent).
    modified = None
    if entry is not None and not volatile:
        from datetime import datetime, timezone

        changed = max(entry.time.timestamp(), wiki.stamps.time(name))  # red and blue links follow other pages
        modified = datetime.fromtimestamp(int(changed), tz=timezone.utc)
    unchanged = request.if_none_match.contains(etag) if request.if_none_match else \
        modified is not None and request.if_modified_since is not None and modified <= request.if_modified_since
    if unchanged and not notice:
        response = Response(status=304)
    else:
        response = themed(
            wiki, request, "show_page.mako", title=name, page=name,
            robots="noindex,nofollow" if wanted else "index,follow",
            revision=page.revision, current=current, entry=entry, content=content,
            redirected_from=redirected_from, notice=notice,
        )
        if not request.args and not volatile and not notice and not theme:
            response.cacheable = True  # type: ignore[attr-defined]  # app.py keeps the finished response
    response.set_etag(etag)
    if modified is not None and response.status_code == 200:
        response.last_modified = modified
    if notice:  # said once: this answer is for this person, now, and kept by no cache
        response.delete_cookie(NOTICE_COOKIE, path=request.script_root or "/")
        response.headers["Cache-Control"] = "no-store"
        return response
    response.headers["Cache-Control"] = f"public, max-age={wiki.config.page_cache_seconds}, must-revalidate" \
        if wiki.config.page_cache_seconds else "no-cache"
    return response


def missing_page(wiki: Site, request: WikiRequest, name: str, deleted: PageDeleted | None = None) -> Response:
    """404 that offers to create the page (and, for a deleted one, its history)."""
    return themed(
        wiki, request, "missing_page.mako", 404, title=name, page=name,
        deleted=deleted, entry=wiki.store.log_entry(name, deleted.revision) if deleted else None,
    )


def raw_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """The Markdown source of a revision, as plain UTF-8 text."""
    name = page_name(name)
    page = wiki.store.read(name, int_arg(request, "rev"))
    response = Response(page.text, content_type="text/plain; charset=utf-8")
    response.set_etag(hashlib.sha1(f"raw\x00{name}\x00{page.revision}".encode()).hexdigest()[:20])
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response.make_conditional(request)


def _editor(
    wiki: Site, request: WikiRequest, name: str, *, text: str, base_revision: int, comment: str = "",
    status: int = 200, preview: Markup | None = None, conflict: EditConflict | None = None,
    their_changes: list[dict[str, str]] | None = None, your_changes: list[dict[str, str]] | None = None,
    conflicts: int = 0, draft: Draft | None = None, templates: list[str] | None = None, error: str = "",
    retry_after: int | None = None, confirm: str = "", section: int | None = None,
) -> Response:
    response = themed(
        wiki, request, "edit_page.mako", status, title=f"Edit {name}", page=name, error=error, section=section,
        markup=_markup_of(text, wiki.config.default_markup),
        text=text, base_revision=base_revision, comment=comment, preview=preview,
        conflict=conflict, their_changes=their_changes or [], your_changes=your_changes or [], conflicts=conflicts,
        is_new=not wiki.store.exists(name), draft=draft, draft_age=age(draft) if draft else "",
        templates=templates or [], question=textcha(wiki, request), confirm=confirm,
    )
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _markup_of(text: str, default: str) -> str:
    from wiki.acl import page_format

    return "wiki" if page_format(text, default) in ("wiki", "moin") else "markdown"


def _section_number(raw: str) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and int(raw) < 10_000):
        raise BadRequest(f"{raw!r} is not a section number.")
    return int(raw)


def _base_text(wiki: Site, name: str, revision: int) -> str:
    try:
        return wiki.store.read(name, revision).text if revision else ""
    except WikiError:
        return ""


def _section_text(wiki: Site, name: str, revision: int, section: int) -> str:
    text = _base_text(wiki, name, revision)
    from wiki import sections

    found = sections.find(text, wiki.config.default_markup)
    if section >= len(found):
        raise sections.SectionGone(f"{name!r} has no section {section + 1}: edit the whole page.")
    start, end = found[section]
    return "".join(text.splitlines(keepends=True)[start:end])


def _with_section(wiki: Site, name: str, revision: int, section: int, new: str) -> str:
    """The whole text of `revision` with section `section` replaced: a save of it is an ordinary
    save against that revision (merged, or a conflict, like any other)."""
    from wiki import sections

    text = _base_text(wiki, name, revision)
    return sections.replace(text, wiki.config.default_markup, section, new, name)


def readable_templates(wiki: Site, request: WikiRequest) -> list[str]:
    """The pages a new page may start from: named ...Template, and readable by this person."""
    return list(wiki.readable(request.reader, wiki.templates()))


def creatable(wiki: Site, request: WikiRequest, typed: str) -> str | None:
    """The page name `typed` would create: valid, missing for this reader, and theirs to write."""
    try:
        name = page_name(typed.strip())
    except InvalidPageName:
        return None
    if wiki.read_check(request.reader)(name) and wiki.store.exists(name):
        return None
    if wiki.config.read_only or not wiki.may(request.reader, "write", name):
        return None
    return name


def new_page(wiki: Site, request: WikiRequest) -> Response:
    """The header's New page: a name (and a template) to start from; then the editor."""
    typed = request.args.get("name", "")
    if typed.strip():
        name = creatable(wiki, request, typed)
        if name is None:
            try:
                existing = page_name(typed.strip())
            except InvalidPageName as error:
                return _new_page_form(wiki, request, typed, str(error), 400)
            if wiki.read_check(request.reader)(existing) and wiki.store.exists(existing):
                return _new_page_form(wiki, request, typed, f"A page {existing!r} exists already.", 409)
            wiki.require_writable()
            wiki.require(request.reader, "write", existing)
        template = request.args.get("template", "")
        values = {"template": template} if template in readable_templates(wiki, request) else {}
        return redirect(request, request.url_for("edit_page", name=name or typed.strip(), **values))
    return _new_page_form(wiki, request, "", "")


def _new_page_form(wiki: Site, request: WikiRequest, typed: str, error: str, status: int = 200) -> Response:
    response = themed(wiki, request, "new_page.mako", status, title="New page", typed=typed, error=error,
                      templates=readable_templates(wiki, request))
    response.headers["Cache-Control"] = "no-store"
    return response


def edit_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """GET: the editor (offering this browser's unsaved draft). POST: preview, or save — a
    stale base revision is merged with the other change, or answers 409 with conflict markers."""
    name = page_name(name)
    wiki.require_writable()
    wiki.require(request.reader, "write", name)  # and read: app.py checked it for every page view
    owner = request.drafts_owner
    if request.method == "GET":
        current = wiki.store.current_revision(name)
        try:
            text = wiki.store.read(name).text
        except PageNotFound:
            text = ""
        draft = wiki.drafts.load(owner, name) if owner else None
        if draft is not None and draft.text == text:
            draft = None
        if draft is not None and request.args.get("draft") == "restore":
            return _editor(wiki, request, name, text=draft.text, base_revision=draft.base_revision)
        section = _section_number(request.args.get("section", ""))
        if section is not None:  # one section of the current text; saved back into the whole
            return _editor(wiki, request, name, text=_section_text(wiki, name, current, section),
                           base_revision=current, section=section)
        templates: list[str] = []
        if not wiki.store.exists(name):
            templates = readable_templates(wiki, request)
            chosen = request.args.get("template", "")
            if chosen in templates:
                text = wiki.store.read(chosen).text
        return _editor(wiki, request, name, text=text, base_revision=current, draft=draft, templates=templates)
    try:
        return _edit_post(wiki, request, name, owner)
    except OSError as failed:  # a disk error anywhere before the commit (the store maps its own)
        known = disk_error(failed, f"Saving {name!r}")
        if known is None:
            raise
        tell_operator(f"flatwiki: {known}")
        typed = request.form  # (parsed from the body: no disk)
        return _save_failed(wiki, request, name, stored_form(typed.get("text", "")),
                            whole_number(typed.get("base_revision", "")) or 0, _comment(typed), owner, known)


def _edit_post(wiki: Site, request: WikiRequest, name: str, owner: str) -> Response:
    form = form_fields(wiki, request)
    text = stored_form(form.get("text", ""))  # once, here: what is checked, previewed and stored
    comment = _comment(form)
    base_revision = _base_revision(form, "edit")
    if len(text.encode("utf-8")) > wiki.config.max_page_bytes:
        raise PayloadTooLarge(f"Pages are limited to {wiki.config.max_page_bytes} bytes; this text is larger.")
    current = wiki.store.current_revision(name)
    if base_revision > current:
        raise BadRequest(f"The edit form names revision {base_revision}, which {name!r} does not have.")
    refuse_robots(form)
    section = _section_number(form.get("section", ""))
    whole = text if section is None else _with_section(wiki, name, base_revision, section, text)
    if form.get("action") == "preview":
        if form.get("keep_draft") != "0":  # the editor's first preview, of the text as loaded, keeps none
            wiki.drafts.save(owner, name, base_revision, whole, request.remote_addr or "")
        live = form.get("fragment") == "1"  # the editor's live preview: the rendered text alone (the draft is kept)
        try:
            wiki.allow_preview(request.reader, request.author)
        except TooManyRequests as refused:
            if live:
                return _fragment(f'<p class="notice">{escape(str(refused))}</p>', refused.status)
            return _save_failed(wiki, request, name, text, base_revision, comment, owner, refused)
        preview = Markup(wiki.render_text(request, name, text, request.reader))
        if live:
            return _fragment(str(preview))
        return _editor(wiki, request, name, text=text, base_revision=base_revision, comment=comment, preview=preview,
                       section=section)
    text = whole
    if form.get("action") != "save":
        raise BadRequest("Choose Preview or Save.")
    doubt = _doubt(wiki, name, text, form)
    if doubt:  # asked, not refused: the person ticks the box and saves again
        return _editor(wiki, request, name, text=text, base_revision=base_revision, comment=comment, status=409,
                       error=doubt[0], confirm=doubt[1])
    merged_with: list[int] = []

    def merge_with_theirs(base: str, theirs: str, latest: int) -> tuple[str, str]:
        """Called by the store under the page's lock when someone saved since `base_revision`."""
        merged = merge(base, theirs, text, their_label=f"revision {latest}")
        if merged.conflicts:
            raise MergeConflict(name, base_revision, latest, merged, base, theirs)
        merged_with.append(latest)
        note = f"merged with revision {latest}"
        return merged.text, f"{comment} ({note})" if comment else note.capitalize()

    try:  # stored, linked, indexed and rendered the moment the person sees it
        check_textcha(wiki, request, form)
        wiki.save(request, name, text, base_revision=base_revision, author=request.author, reader=request.reader,
                  comment=comment, merge=merge_with_theirs)
    except MergeConflict as clash:
        wiki.drafts.save(owner, name, clash.current_revision, clash.merged.text, request.remote_addr or "")
        return _editor(
            wiki, request, name, text=clash.merged.text, base_revision=clash.current_revision, comment=comment,
            status=409, conflict=clash, their_changes=diff_rows(clash.base, clash.theirs),
            your_changes=diff_rows(clash.base, text), conflicts=clash.merged.conflicts,
        )
    except (*RETRYABLE, PermissionDenied, TooManyRequests) as failed:  # refused: the text goes back
        return _save_failed(wiki, request, name, text, base_revision, comment, owner, failed)
    wiki.drafts.discard(owner, name)
    response = redirect(request, request.page_url(name))
    # Said on the page view that follows (the address stays the page's own): "Saved." or
    # "Merged with the changes of revision N by X."
    kind = f"merged-{merged_with[0]}" if merged_with else "saved"
    response.set_cookie(NOTICE_COOKIE, f"{kind}.{_notice_key(name)}", max_age=120,
                        path=request.script_root or "/", httponly=True, samesite="Lax",
                        secure=request.scheme == "https")
    return response


def _doubt(wiki: Site, name: str, text: str, form: dict[str, str]) -> tuple[str, str] | None:
    """(What to ask, the confirming field) before a save that is probably a mistake: conflict
    markers still in the text, or a page emptied. None when there is nothing to ask."""
    if has_conflict_markers(text) and not form.get("keep_markers"):
        return ("The text still holds conflict markers (the <<<<<<< your version, ======= and >>>>>>> lines). "
                "Keep what should stay, remove the markers, and save; or tick the box to save them as they are. "
                "Nothing was saved.", "keep_markers")
    if not text.strip() and wiki.store.exists(name) and not form.get("confirm_empty"):
        return ("The text is empty. Saving keeps an empty page (to remove it, use Delete); tick the box to save "
                "it empty. Nothing was saved.", "confirm_empty")
    return None


def _notice_key(name: str) -> str:
    """Which page a notice is for (a cookie value holds no page name as it is)."""
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def _notice(wiki: Site, request: WikiRequest, name: str) -> str:
    """The saved/merged notice a save left for this page's plain view ("" for none)."""
    value, _, key = request.cookies.get(NOTICE_COOKIE, "").partition(".")
    if request.args or key != _notice_key(name):
        return ""
    if value == "saved":
        return "Saved."
    number = whole_number(value.removeprefix("merged-")) if value.startswith("merged-") else None
    if number is None:
        return ""
    entry = wiki.store.log_entry(name, number)
    who = f" by {author_name(wiki, request, entry)}" if entry else ""
    return f"Saved, and merged with the changes of revision {number}{who}, saved while you were editing."


def _fragment(html: str, status: int = 200) -> Response:
    fragment = Response(html, status=status, mimetype="text/html")
    fragment.headers["Cache-Control"] = "no-store"
    return fragment


def _save_failed(wiki: Site, request: WikiRequest, name: str, text: str, base_revision: int, comment: str,
                 owner: str, failed: WikiError) -> Response:
    """The editor again, with the person's text and what went wrong: nothing typed is lost."""
    kept = wiki.drafts.save(owner, name, base_revision, text, request.remote_addr or "") if owner else False
    message = f"{failed} Your text is still in the editor below" + (
        " and kept as a draft in this browser." if kept else "; copy it somewhere safe before leaving this page.")
    return _editor(wiki, request, name, text=text, base_revision=base_revision, comment=comment,
                   status=failed.status, error=message, retry_after=getattr(failed, "retry_after", None))


def revert_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """GET: confirm restoring ?rev=N. POST: save that text as a new revision."""
    name = page_name(name)
    wiki.require_writable()
    wiki.require(request.reader, "revert", name)
    if request.method == "GET":
        revision = int_arg(request, "rev")
        if revision is None:
            raise BadRequest("Say which revision to restore: ?rev=N.")
        old = wiki.store.read(name, revision)
        response = themed(
            wiki, request, "revert_page.mako", title=f"Revert {name}", page=name,
            revision=revision, base_revision=wiki.store.current_revision(name),
            content=Markup(wiki.render_text(request, name, old.text, request.reader)),
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    form = form_fields(wiki, request)
    base_revision = _base_revision(form, "revert")
    revision = whole_number(form.get("revision", ""))
    if revision is None:
        raise BadRequest("The revert form does not say which revision to restore; start again from the history.")
    old = wiki.store.read(name, revision)
    comment = _comment(form) or f"Reverted to revision {revision}"
    wiki.save(  # a stale base is a 409: restoring over someone's newer change needs a fresh look
        request, name, old.text, base_revision=base_revision, author=request.author, reader=request.reader,
        comment=comment, action=REVERT, extra=str(revision),
    )
    return redirect(request, request.page_url(name))


def delete_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """GET: confirm. POST: record a deletion (a revision; the history stays and can be reverted)."""
    name = page_name(name)
    wiki.require_writable()
    wiki.require(request.reader, "delete", name)
    if request.method == "GET":
        return _confirmation(wiki, request, "delete_page.mako", f"Delete {name}", name)
    form = form_fields(wiki, request)
    wiki.delete(request, name, base_revision=_base_revision(form, "delete"), author=request.author,
                reader=request.reader, comment=_comment(form))
    return redirect(request, request.url_for("page_history", name=name))



def rename_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """GET: the form. POST: move the page with its history; optionally update the links to it."""
    name = page_name(name)
    wiki.require_writable()
    wiki.require(request.reader, "delete", name)
    if request.method == "GET":
        return _rename_form(wiki, request, name)
    form = form_fields(wiki, request)
    base_revision = _base_revision(form, "rename")
    new = page_name(form.get("new_name", ""))
    if new == name:
        raise BadRequest("The new name is the same as the old one.")
    try:
        wiki.rename(request, name, new, base_revision=base_revision, author=request.author, reader=request.reader,
                    comment=_comment(form), update_links=bool(form.get("update_links")))
    except OSError as failed:  # a read before the commit (the store maps its own writes' failures)
        known = disk_error(failed, f"Renaming {name!r}")
        if known is None:
            raise
        tell_operator(f"flatwiki: {known}")
        return _rename_form(wiki, request, name, known, new, _comment(form))
    except RETRYABLE as failed:  # refused: the form again, with what was typed
        return _rename_form(wiki, request, name, failed, new, _comment(form))
    return redirect(request, request.page_url(new))


def _rename_form(wiki: Site, request: WikiRequest, name: str, failed: WikiError | None = None, new_name: str = "",
                 comment: str = "") -> Response:
    writable, kept = wiki.link_sources(request.reader, name)
    response = _confirmation(wiki, request, "rename_page.mako", f"Rename {name}", name, backlinks=writable,
                             unchangeable=kept, error=str(failed) if failed else "", new_name=new_name,
                             comment=comment)
    if failed is not None:
        response.status_code = failed.status
    return response


def print_page(wiki: Site, request: WikiRequest, name: str) -> Response:
    """The page alone, without the wiki around it, for paper or a PDF."""
    name = page_name(name)
    page = wiki.store.read(name, int_arg(request, "rev"))
    content = Markup(wiki.render_html(request, page, request.reader)[0])
    return themed(wiki, request, "print_page.mako", title=name, page=name, revision=page.revision, content=content,
                  entry=wiki.store.log_entry(name, page.revision), address=absolute(wiki, request, request.page_url(name)))
