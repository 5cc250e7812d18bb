"""What the entry points share: the app from the standard config places, and the
CGI / FastCGI / SCGI runners. Only wsgi.py and cgi-bin/* import this."""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def application_from(config_file: str | None = None) -> WSGIApplication:
    """The configured app: `config_file`, else $WIKI_CONFIG, else wiki.toml in the project."""
    from wiki.app import create_app
    from wiki.config import load_config

    return create_app(load_config(config_file or None))


def run_cgi(config_file: str | None = None) -> None:
    """Serve one CGI request (wsgiref's CGIHandler, not the removed `cgi` module)."""
    from wsgiref.handlers import CGIHandler

    CGIHandler().run(application_from(config_file))


def run_fastcgi(argv: Sequence[str] | None = None, config_file: str | None = None) -> int:
    """Serve FastCGI (or SCGI with --scgi) with flup, on a socket, a port, or the web server's stdin."""
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

