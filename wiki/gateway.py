"""What the entry points share: the app from the standard config places, and the
CGI / FastCGI / SCGI runners. Only wsgi.py and cgi-bin/* import this."""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs a CGI hit ~2 ms

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from wiki.config import Config


def application_from(config_file: str | None = None) -> WSGIApplication:
    """The configured app: `config_file`, else $WIKI_CONFIG, else wiki.toml in the project."""
    from wiki.app import create_app
    from wiki.config import load_config

    return create_app(load_config(config_file or None))


def _cgi_environ() -> dict[str, object]:
    """The few CGI variables the page cache reads, in WSGI's form (bytes as latin-1 text),
    as wsgiref's read_environ would give them, without importing wsgiref."""
    environ: dict[str, object] = {}
    for key in ("REQUEST_METHOD", "PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "HTTP_IF_NONE_MATCH",
                "HTTP_IF_MODIFIED_SINCE", "HTTP_HOST", "HTTP_COOKIE", "REMOTE_USER"):
        value = os.environ.get(key, "")
        environ[key] = value.encode("utf-8", "surrogateescape").decode("latin-1")
    return environ


def serve_cgi_from_cache(config: Config) -> bool:
    """Answer a plain page view from stored responses, as CGIHandler would write it; False on a
    miss, and whenever a change was left half done (the full app then finishes it first)."""
    from wiki.atomic import make_private
    from wiki.site import Site

    make_private()
    site = Site(config)
    if site.store.has_pending():
        return False
    found, _ = site.page_cache.respond(_cgi_environ())
    if found is None:
        return False
    status, headers, body = found
    if not any(key.lower() == "content-length" for key, _ in headers):
        headers = [*headers, ("Content-Length", str(len(body)))]  # as wsgiref's CGIHandler adds it
    head = f"Status: {status}\r\n" + "".join(f"{key}: {value}\r\n" for key, value in headers) + "\r\n"
    out = sys.stdout.buffer
    out.write(head.encode("latin-1") + body)
    out.flush()
    return True


def run_cgi(config_file: str | None = None) -> None:
    """Serve one CGI request: from stored responses if possible (only the standard library
    loads), else the full app through wsgiref's CGIHandler (not the removed `cgi` module)."""
    from wiki.config import load_config

    config = load_config(config_file or None)
    if serve_cgi_from_cache(config):
        return
    from wsgiref.handlers import CGIHandler

    from wiki.app import create_app

    CGIHandler().run(create_app(config))


def run_fastcgi(argv: Sequence[str] | None = None, config_file: str | None = None) -> int:
    """Serve FastCGI (or SCGI with --scgi) with flup, on a socket, a port, or the web server's stdin."""
    import argparse

    parser = argparse.ArgumentParser(description="flatwiki over FastCGI or SCGI (flup).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--socket", help="listen on this Unix socket path")
    where.add_argument("--port", type=int, help="listen on 127.0.0.1 (or --host) at this TCP port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--scgi", action="store_true", help="speak SCGI instead of FastCGI")
    parser.add_argument("--config", default=config_file, help="TOML config file (default: $WIKI_CONFIG)")
    args = parser.parse_args(argv)
    if args.socket:
        bind: object = args.socket
    elif args.port:
        bind = (args.host, args.port)
    else:
        bind = None  # spawned by the web server: the listening socket is our stdin
    app = application_from(args.config)
    if args.scgi:
        from flup.server.scgi import WSGIServer as SCGIServer

        server = SCGIServer(app, bindAddress=bind or ("127.0.0.1", 4000))
    else:
        from flup.server.fcgi import WSGIServer as FCGIServer

        server = FCGIServer(app, bindAddress=bind, umask=0o007)
    if args.socket and os.path.exists(args.socket):
        os.unlink(args.socket)  # a stale socket from a killed run would make flup fail obscurely
    return 0 if server.run() in (None, False, 0) else 1

