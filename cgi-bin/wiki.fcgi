#!/usr/bin/env python3
"""flatwiki as a FastCGI (or, with --scgi, SCGI) server, through flup.

Run it with --socket PATH or --port N, or let the web server spawn it (lighttpd
bin-path, mod_fcgid). See README "Deploying: FastCGI".
"""
import os
import sys

CODE_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..")  # the folder that holds wiki/
CONFIG_FILE = ""  # e.g. "/srv/wiki/wiki.toml"; empty: $WIKI_CONFIG, else wiki.toml in CODE_DIR

sys.path.insert(0, CODE_DIR)
from wiki.gateway import run_fastcgi  # noqa: E402

sys.exit(run_fastcgi(config_file=CONFIG_FILE or os.environ.get("WIKI_CONFIG")))
