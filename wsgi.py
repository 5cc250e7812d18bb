"""The WSGI entry point for mod_wsgi, gunicorn, waitress, uwsgi: `wsgi:application`.

Configured from $WIKI_CONFIG, else wiki.toml beside this file. Building the app is
cheap; templates, Markdown and the search index open on first use.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wiki.gateway import application_from  # noqa: E402

application = application_from()
