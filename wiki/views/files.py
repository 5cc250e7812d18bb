"""Attachments of a page: list, upload, download, delete."""
from __future__ import annotations

from urllib.parse import quote

from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

from wiki import auth
from wiki.attachments import AttachmentStore, content_type
from wiki.config import UPLOAD_OVERHEAD
from wiki.errors import BadRequest, PayloadTooLarge
from wiki.site import Site
from wiki.views.base import WikiRequest, check_csrf, page_name, redirect, themed


def page_attachments(wiki: Site, request: WikiRequest, name: str) -> Response:
    """GET: the files with size and time, and an upload form. POST: upload, or delete one."""
    name = page_name(name)
    files = AttachmentStore(wiki.store)
    if request.method == "POST":
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
    wiki.store.read(name)
    response = themed(wiki, request, "page_attachments.mako", title=f"Attachments of {name}", page=name,
                      files=files.list(name), limit=wiki.config.max_attachment_bytes)
    response.headers["Cache-Control"] = "no-store"
    return response


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
