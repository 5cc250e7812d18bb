"""The WSGI application: one URL map, dispatch to views, every error as a themed page.

`create_app` is cheap (CGI builds it on every request): templates, the
Markdown renderer and the search index all open on first use.
"""
from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote

from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

from wiki import names, pagecache
from wiki.atomic import make_private
from wiki.config import Config
from wiki.errors import BadRequest, InvalidPageName, SignInRequired, TooManyRequests, WikiError, disk_error, tell_operator
from wiki.site import Site
from wiki.views import about, accounts, feeds, files, history, listing, page, searching
from wiki.views.base import WikiRequest, identify, themed

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

STATIC_MAX_AGE = 365 * 24 * 3600

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


class PageNameConverter(BaseConverter):
    """Matches any page name, slashes included; names.normalize decides what is valid."""

    regex = r"[\s\S]+?"
    part_isolating = False

    def to_url(self, value: str) -> str:
        return url_quote(value, safe="/!$&'()*+,:;=@")


READ, WRITE = ["GET"], ["GET", "POST"]  # werkzeug adds HEAD to GET; a rule without methods would take any

URL_MAP = Map(
    [
        Rule("/", endpoint="front_page", methods=READ),
        Rule("/+edit/<page:name>", endpoint="edit_page", methods=WRITE),
        Rule("/+history/<page:name>", endpoint="page_history", methods=READ),
        Rule("/+diff/<page:name>", endpoint="diff_page", methods=READ),
        Rule("/+raw/<page:name>", endpoint="raw_page", methods=READ),
        Rule("/+print/<page:name>", endpoint="print_page", methods=READ),
        Rule("/+revert/<page:name>", endpoint="revert_page", methods=WRITE),
        Rule("/+delete/<page:name>", endpoint="delete_page", methods=WRITE),
        Rule("/+rename/<page:name>", endpoint="rename_page", methods=WRITE),
        Rule("/+attachments/<page:name>", endpoint="page_attachments", methods=WRITE),
        Rule("/+download/<page:name>", endpoint="download_attachment", methods=READ),
        Rule("/+backlinks/<page:name>", endpoint="page_backlinks", methods=READ),
        Rule("/+info/<page:name>", endpoint="page_info", methods=READ),
        Rule("/+orphans", endpoint="orphaned_pages", methods=READ),
        Rule("/+wanted", endpoint="wanted_pages", methods=READ),
        Rule("/+recent", endpoint="recent_changes", methods=READ),
        Rule("/+feed", endpoint="recent_feed", methods=READ),
        Rule("/+feed/<page:name>", endpoint="page_feed", methods=READ),
        Rule("/sitemap.xml", endpoint="sitemap", methods=READ),
        Rule("/robots.txt", endpoint="robots_txt", methods=READ),
        Rule("/+index", endpoint="page_index", methods=READ),
        Rule("/+search", endpoint="search", methods=READ),
        Rule("/+new", endpoint="new_page", methods=READ),
        Rule("/+login", endpoint="login", methods=WRITE),
        Rule("/+logout", endpoint="logout", methods=WRITE),
        Rule("/+register", endpoint="register", methods=WRITE),
        Rule("/+account", endpoint="account", methods=WRITE),
        Rule("/+users", endpoint="users", methods=WRITE),
        Rule("/+theme", endpoint="choose_theme", methods=WRITE),
        Rule("/+static/<version>/<path:filename>", endpoint="static_file", methods=READ),
        Rule("/<page:name>", endpoint="show_page", methods=READ),
    ],
    converters={"page": PageNameConverter},
    strict_slashes=False,
)


def static_file(wiki: Site, request: WikiRequest, version: str, filename: str) -> Response:
    """A theme file; cached for a year when its URL carries the current theme version."""
    if "\x00" in filename:
        raise BadRequest("A file name holds no NUL character.")
    theme = wiki.theme_for_version(version)
    path = theme.static_file(filename)
    if path is None:
        from werkzeug.exceptions import NotFound

        raise NotFound(f"The theme has no file {filename!r}.")
    current = version == theme.version
    response = send_file(path, request.environ, max_age=STATIC_MAX_AGE if current else 0, conditional=True)
    if current:
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
    return response


VIEWS: dict[str, Callable[..., Response]] = {
    "front_page": page.front_page,
    "show_page": page.show_page,
    "raw_page": page.raw_page,
    "print_page": page.print_page,
    "edit_page": page.edit_page,
    "revert_page": page.revert_page,
    "delete_page": page.delete_page,
    "rename_page": page.rename_page,
    "page_history": history.page_history,
    "diff_page": history.diff_page,
    "page_attachments": files.page_attachments,
    "download_attachment": files.download_attachment,
    "page_backlinks": about.page_backlinks,
    "page_info": about.page_info,
    "orphaned_pages": listing.orphaned_pages,
    "wanted_pages": listing.wanted_pages,
    "recent_changes": listing.recent_changes,
    "recent_feed": feeds.recent_feed,
    "page_feed": feeds.page_feed,
    "sitemap": feeds.sitemap,
    "robots_txt": feeds.robots_txt,
    "page_index": listing.page_index,
    "search": searching.search,
    "new_page": page.new_page,
    "login": accounts.login,
    "logout": accounts.logout,
    "register": accounts.register,
    "account": accounts.account,
    "users": accounts.users,
    "choose_theme": accounts.choose_theme,
    "static_file": static_file,
}


class WikiApp:
    def __init__(self, config: Config) -> None:
        self.wiki = Site(config)
        self.trusted_hosts = config.trusted_host_list()

    def dispatch(self, request: WikiRequest) -> Response:
        try:
            if self.trusted_hosts:
                request.trusted_hosts = self.trusted_hosts
                _ = request.host  # werkzeug raises SecurityError (400) for a Host not in the list
            identify(self.wiki, request)
            endpoint, values = request.urls.match()
            if "name" in values:  # every view of one page: the read right first, in this one place
                self.require_read(request, values["name"])
            return VIEWS[endpoint](self.wiki, request, **values)
        except RequestRedirect as moved:
            return moved.get_response(request.environ)
        except HTTPException as error:
            response = self.error_page(request, error.code or 500, error.name, error.description or "")
            for key, value in error.get_headers(request.environ):
                if key.lower() == "allow":
                    response.headers[key] = value
            return response
        except WikiError as error:
            response = self.error_page(request, error.status, error.title, str(error),
                                       sign_in=isinstance(error, SignInRequired))
            if isinstance(error, TooManyRequests):
                response.headers["Retry-After"] = str(error.retry_after)
            return response
        except OSError as disk:  # a file the disk would not read or write: 507 or 503, never a 500
            known = disk_error(disk, "This request")
            if known is None:
                raise
            tell_operator(f"flatwiki: {known}")
            return self.error_page(request, known.status, known.title, str(known))

    def require_read(self, request: WikiRequest, raw: str) -> None:
        """Refuse a page's every view (and its history, attachments, feed...) to whoever may
        not read it. A badly formed name is the view's to refuse (400) or redirect."""
        try:
            name = names.normalize(raw)
        except InvalidPageName:
            return
        self.wiki.require(request.reader, "read", name)

    def refuse_body(self, request: WikiRequest) -> Response:
        """413 by the declared length, before a byte of the body is read."""
        limit = self.wiki.config.largest_body()
        return self.error_page(request, 413, "Too large", f"Requests are limited to {limit:,} bytes; this one "
                                                         f"announced {request.content_length:,}. Nothing was read.")

    def error_page(self, request: WikiRequest, status: int, title: str, message: str,
                   sign_in: bool = False) -> Response:
        response = themed(self.wiki, request, "error.mako", status, title=title, message=message, sign_in=sign_in)
        response.headers["Cache-Control"] = "no-store"
        return response

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            self.wiki.recover()  # a killed change is finished by the next request (at most once a second)
        except Exception:  # (its marks stay: the next pass tries again) never the reader's failure
            _log_traceback(environ)
        # The slot's key is taken before the full app runs, so whatever it renders is at least as new.
        cached, slot = pagecache.serve(self.wiki.page_cache, environ, start_response)
        if cached is not None:
            return cached
        request = WikiRequest(environ)
        request.max_content_length = self.wiki.config.max_content_length  # also cuts chunked bodies
        request.urls = URL_MAP.bind_to_environ(environ)
        try:
            too_large = (request.content_length or 0) > self.wiki.config.largest_body()
            response = self.refuse_body(request) if too_large else self.dispatch(request)
        except Exception:
            # Logged for the operator, never shown: the reader gets a themed 500.
            _log_traceback(environ)
            response = self.internal_error(request)
        finally:
            request.close()  # uploads are spooled to temporary files
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        personal = request.reader.known or request.session is not None
        if personal and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "private, no-cache"  # their pages name them, show what they may read
        response.vary.add("Cookie")
        # Stored responses are served to requests without a session (pagecache.py): so only an
        # anonymous reader's response may be stored.
        if slot is not None and not personal and getattr(response, "cacheable", False) \
                and response.status_code == 200:
            headers = response.get_wsgi_headers(environ).to_wsgi_list()
            self.wiki.page_cache.store_response(slot, headers, response.get_data())
        return response(environ, start_response)

    def internal_error(self, request: WikiRequest) -> Response:
        message = "Something went wrong on the server and was logged for the administrator."
        try:
            return self.error_page(request, 500, "Internal server error", message)
        except Exception:
            _log_traceback(request.environ)
            return Response(message + "\n", status=500, content_type="text/plain; charset=utf-8")


def _log_traceback(environ: WSGIEnvironment) -> None:
    """The exception being handled, for the operator; best effort (the log may be on the full disk)."""
    try:
        print(traceback.format_exc(), file=environ.get("wsgi.errors", sys.stderr))
    except (OSError, ValueError):
        pass


def create_app(config: Config) -> WSGIApplication:
    """The wiki as a WSGI callable, behind ProxyFix when the config trusts a proxy."""
    make_private()
    app: Any = WikiApp(config)
    if config.proxy_fix:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    return app  # type: ignore[no-any-return]
