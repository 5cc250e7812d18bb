#!/usr/bin/env python3
"""flatwiki as a CGI script: copy into any cgi-bin, set the two lines below, chmod +x.

Point the first line at a Python that has flatwiki's dependencies (its venv's
bin/python). See README "Deploying: CGI".
"""
import os
import sys

CODE_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..")  # the folder that holds wiki/
CONFIG_FILE = ""  # e.g. "/srv/wiki/wiki.toml"; empty: $WIKI_CONFIG, else wiki.toml in CODE_DIR

sys.path.insert(0, CODE_DIR)
from wiki.gateway import run_cgi  # noqa: E402

run_cgi(CONFIG_FILE or os.environ.get("WIKI_CONFIG"))
