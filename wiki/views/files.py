"""Attachments of a page: list, upload, download, delete."""
from __future__ import annotations

from urllib.parse import quote

from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

from wiki import auth
from wiki.attachments import AttachmentStore, content_type
from wiki.config import UPLOAD_OVERHEAD
from wiki.errors import (
    BadRequest,
    PageBusy,
    PayloadTooLarge,
    QuotaExceeded,
    StorageFull,
    StorageUnavailable,
    WikiError,
    disk_error,
    tell_operator,
)
from wiki.site import Site
from wiki.views.base import WikiRequest, check_csrf, page_name, redirect, themed


def page_attachments(wiki: Site, request: WikiRequest, name: str) -> Response:
    """GET: the files with size and time, and an upload form. POST: upload, or delete one."""
    name = page_name(name)
    files = AttachmentStore(wiki.store)
    if request.method == "POST":
        try:
            return _change_attachments(wiki, request, name, files)
        except OSError as failed:  # a disk error before the change's commit (the store maps its own)
            known = disk_error(failed, f"Changing the attachments of {name!r}")
            if known is None:
                raise
            tell_operator(f"flatwiki: {known}")
            return _attachments_page(wiki, request, name, files, _named(request, known), known.status)
        except (StorageFull, StorageUnavailable, PageBusy, QuotaExceeded) as failed:
            return _attachments_page(wiki, request, name, files, _named(request, failed), failed.status)
    return _attachments_page(wiki, request, name, files)


def _named(request: WikiRequest, failed: WikiError) -> str:
    """What went wrong, naming the file the person chose (the upload's, or the one to remove)."""
    chosen = request.files.get("file") if request.files else None
    filename = chosen.filename if chosen is not None and chosen.filename else request.form.get("file", "")
    return f"{filename}: {failed}" if filename else str(failed)


def _attachments_page(wiki: Site, request: WikiRequest, name: str, files: AttachmentStore, error: str = "",
                      status: int = 200) -> Response:
    wiki.store.read(name)
    response = themed(wiki, request, "page_attachments.mako", status, title=f"Attachments of {name}", page=name,
                      files=files.list(name), limit=wiki.config.max_attachment_bytes, error=error)
    response.headers["Cache-Control"] = "no-store"
    return response


def _change_attachments(wiki: Site, request: WikiRequest, name: str, files: AttachmentStore) -> Response:
    """POST: upload a file, or delete one."""
    wiki.require_writable()
    limit = wiki.config.max_attachment_bytes
    if request.content_length is not None and request.content_length > limit + UPLOAD_OVERHEAD:
        raise PayloadTooLarge(f"Attachments are limited to {limit:,} bytes.")
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Uploads must be sent as multipart/form-data.")
    request.max_content_length = limit + UPLOAD_OVERHEAD
    form = request.form
    check_csrf(wiki, request, form.get(auth.CSRF_FIELD))
    if form.get("action") == "delete":
        wiki.detach(request, name, form.get("file", ""), author=request.author, reader=request.reader)
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadRequest("Choose a file to upload.")
        stored = wiki.attach(request, name, upload.filename, upload.stream, author=request.author,
                             reader=request.reader, limit=limit)
        if "application/json" in request.headers.get("Accept", ""):  # the editor's script links the file
            import json

            answer = Response(json.dumps({"name": stored}), status=201, mimetype="application/json")
            answer.headers["Cache-Control"] = "no-store"
            return answer
    return redirect(request, request.url_for("page_attachments", name=name))


def download_attachment(wiki: Site, request: WikiRequest, name: str) -> Response:
    """The file: shown in the browser only for images, PDF and plain text; else a download."""
    name = page_name(name)
    filename = request.args.get("file", "")
    path = AttachmentStore(wiki.store).path(name, filename)
    mimetype, inline = content_type(filename)
    response = send_file(path, request.environ, mimetype=mimetype, conditional=True, max_age=0)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    # Even a file shown inline gets no scripts, forms or plugins of its own.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "no-cache"
    return response
