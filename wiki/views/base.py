"""What every view shares: the Wiki services object, the request type, themed responses, forms.

Only here and above do werkzeug requests and responses appear.
"""
from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Request, Response

from wiki import auth, names
from wiki.config import Config
from wiki.drafts import DraftStore
from wiki.errors import BadRequest, PageNotFound, PayloadTooLarge, PermissionDenied
from wiki.links import LinkTable
from wiki.pagecache import PageCache
from wiki.rendercache import RENDERER_VERSION, RenderCache
from wiki.storage import Author, PageRevision, PageStore
from wiki.theme import Theme

if TYPE_CHECKING:
    from wiki.markup import LinkContext, Rendered, Renderer
    from wiki.search import SearchIndex

HTML = "text/html; charset=utf-8"


class WikiRequest(Request):
    """A request that knows its URL adapter (for building links under any mount point)."""

    urls: MapAdapter
    new_csrf_cookie: str | None = None

    def url_for(self, endpoint: str, **values: Any) -> str:
        return str(self.urls.build(endpoint, values))

    def page_url(self, name: str) -> str:
        return self.url_for("show_page", name=name)

    def edit_url(self, name: str) -> str:
        return self.url_for("edit_page", name=name)

    def attachment_url(self, name: str, filename: str) -> str:
        return self.url_for("download_attachment", name=name, file=filename)

    def attachments_url(self, name: str) -> str:
        return self.url_for("page_attachments", name=name)

    @property
    def author(self) -> Author:
        return Author(address=self.remote_addr or "")


class Wiki:
    """The services of one configured wiki; cheap to build, everything heavy opens lazily."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = PageStore(config.data_dir)
        self.theme = Theme.for_config(config)
        self.render_cache = RenderCache(config.data_dir / "cache" / "html")
        self.page_cache = PageCache(config, self.store, self.theme)
        self.links = LinkTable(config.data_dir / "links")
        self.drafts = DraftStore(config.data_dir / "drafts")
        self._renderer: Renderer | None = None
        self._secret: bytes | None = None
        self._search_index: SearchIndex | None = None

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            from wiki.markup import Renderer  # Markdown, Pygments, nh3: only when a page is rendered

            self._renderer = Renderer(camelcase=self.config.camelcase_links)
        return self._renderer

    @property
    def search_index(self) -> SearchIndex:
        if self._search_index is None:
            from wiki.search import SearchIndex  # Whoosh costs ~80 ms: only for searches and saves

            self._search_index = SearchIndex(self.config.data_dir / "index", self.store)
        return self._search_index

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = auth.load_secret(self.config.secret_key, self.config.data_dir)
        return self._secret

    def render_key(self, request: WikiRequest, page: PageRevision) -> str:
        return f"{RENDERER_VERSION}:{page.revision}:{self.store.pageset_token()}:{self.config.camelcase_links}:{request.script_root}"

    def render_html(self, request: WikiRequest, page: PageRevision) -> tuple[Markup, bool]:
        """(Sanitised HTML, volatile) of a revision, from the cache when nothing it depends on changed."""
        key = self.render_key(request, page)
        cached = self.render_cache.get(page.name, key, self.store.log_size())
        if cached is not None:
            return Markup(cached[0]), cached[1]
        rendered = self._render_and_store(request, page)
        return Markup(rendered.html), rendered.volatile

    def _render_and_store(self, request: WikiRequest, page: PageRevision) -> Rendered:
        rendered = self.renderer.render(page.text, self.link_context(request, page.name))
        log_size = self.store.log_size() if rendered.volatile else None
        self.render_cache.put(page.name, self.render_key(request, page), rendered.html, log_size)
        return rendered

    def render_text(self, request: WikiRequest, name: str, text: str) -> str:
        return self.renderer.render(text, self.link_context(request, name)).html

    def link_context(self, request: WikiRequest, name: str) -> LinkContext:
        from wiki.attachments import AttachmentStore
        from wiki.markup import LinkContext

        return LinkContext(name, self.store.exists, request.page_url, request.edit_url, request.attachment_url,
                           request.attachments_url, AttachmentStore(self.store).exists, self.store.list_pages,
                           self.store.recent_changes, self._readable_text)

    def _readable_text(self, name: str) -> str | None:
        """A page's text for <<Include>>: None when it does not exist (or, once there are
        read permissions, when this reader may not see it)."""
        try:
            return self.store.read(name).text
        except PageNotFound:
            return None

    def after_change(self, request: WikiRequest, *changed: str) -> None:
        """Bring what is derived from the store up to date after pages changed: their rendered
        HTML (so the next view is a cache hit), the link table and the search index."""
        for name in changed:
            try:
                page = self.store.read(name)
            except PageNotFound:
                self.links.record(name, ())
                continue
            self.links.record(name, self._render_and_store(request, page).links)
        self.search_index.catch_up()

    def page_etag(self, request: WikiRequest, name: str, revision: int, volatile: bool = False, note: str = "") -> str:
        """The page view's ETag; a volatile page's also follows the edit-log, and a `note`
        (such as "redirected from") makes a view of its own."""
        extra = (str(self.store.log_size()) if volatile else "") + (f"|{note}" if note else "")
        return self.page_cache.etag(name, revision, request.script_root, extra)

    def require_writable(self) -> None:
        if self.config.read_only:
            raise PermissionDenied("This wiki is read-only: changes are switched off.")


def page_name(raw: str) -> str:
    """Validate a name from a URL (400 via InvalidPageName when bad)."""
    return names.normalize(raw)


def int_arg(request: WikiRequest, key: str, default: int | None = None) -> int | None:
    raw = request.args.get(key)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise BadRequest(f"{key!r} must be a revision number.")
    return int(raw)


def form_fields(wiki: Wiki, request: WikiRequest) -> dict[str, str]:
    """Decode a urlencoded form strictly (bad UTF-8 is a 400, not silent U+FFFD),
    after checking its size and its CSRF token."""
    if request.content_length is not None and request.content_length > wiki.config.max_content_length:
        raise PayloadTooLarge(f"Requests are limited to {wiki.config.max_content_length} bytes.")
    if request.mimetype != "application/x-www-form-urlencoded":
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType("Forms must be sent as application/x-www-form-urlencoded.")
    body = request.get_data(cache=True)
    try:
        pairs = urllib.parse.parse_qsl(
            body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=50
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest("The form is not valid UTF-8 or is malformed.") from error
    fields = dict(pairs)
    if any("\x00" in value for value in fields.values()):
        raise BadRequest("The form contains a NUL character.")
    if not auth.csrf_valid(wiki.secret, request.cookies.get(auth.CSRF_COOKIE), fields.get(auth.CSRF_FIELD)):
        raise PermissionDenied(
            "The form's security token is missing or does not match (CSRF check). "
            "Reload the page and try again; your browser must accept cookies from this wiki."
        )
    return fields


def csrf_field(wiki: Wiki, request: WikiRequest) -> Markup:
    """The hidden input a changing form carries; sets the cookie on the response if needed."""
    cookie = request.cookies.get(auth.CSRF_COOKIE) or request.new_csrf_cookie
    if not cookie:
        cookie = request.new_csrf_cookie = auth.new_cookie_value()
    token = auth.csrf_token(wiki.secret, cookie)
    return Markup(f'<input type="hidden" name="{auth.CSRF_FIELD}" value="{token}">')


def themed(
    wiki: Wiki, request: WikiRequest, template: str, status: int = 200, *,
    title: str, page: str | None = None, robots: str = "noindex,nofollow", **context: Any,
) -> Response:
    """Render a theme template into an HTML response; forms on it get their CSRF cookie."""
    def static(filename: str) -> str:
        return request.url_for("static_file", version=wiki.theme.version, filename=filename)

    html = wiki.theme.render(
        template,
        site_name=wiki.config.site_name,
        front_page=wiki.config.front_page,
        read_only=wiki.config.read_only,
        page_exists=wiki.store.exists,
        url=request.url_for,
        static=static,
        csrf_field=lambda: csrf_field(wiki, request),
        title=title,
        page=page,
        robots=robots,
        **({"query": ""} | context),  # the header's search box: filled in by the search page
    )
    response = Response(html, status=status, content_type=HTML)
    if request.new_csrf_cookie:
        response.set_cookie(
            auth.CSRF_COOKIE, request.new_csrf_cookie, path=request.script_root or "/",
            httponly=True, samesite="Lax", secure=request.scheme == "https",
        )
    return response


def redirect(request: WikiRequest, location: str, status: int = 303) -> Response:
    """Redirect to a path built from the URL map (made absolute, as HTTP/1.1 clients expect)."""
    absolute = request.host_url.rstrip("/") + location
    response = Response(f"See {absolute}\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Location"] = absolute
    return response

