"""flatwiki: a MoinMoin-style wiki on flat files.

Who may import whom (dependencies point down only)::

    wsgi.py  cgi-bin/*  cli.py  gateway.py      entry points: read config, build the app (or answer
        |                                      a cached view from pagecache.py alone)
      app.py                                   URL map, dispatch, errors -> themed pages, response cache
        |
      views/ (base, page, history, about,      one function per endpoint; werkzeug lives here and above
              listing, searching, files, feeds)
        |
    theme.py  auth.py  drafts.py  merging.py   templates; CSRF tokens; unsaved editor text; merge3
        |
    markup.py  macros.py  search.py            Markdown -> safe HTML; <<Macros>>; the Whoosh index
        |
    searchquery.py  ranking.py  snippets.py    search's parts: query language; BM25F, fast OR; passages
        |
    pagecache.py  rendercache.py  links.py     derived data: stored responses, rendered HTML, link table
    attachments.py  consistency.py             files on pages; `wiki check`
        |
      storage.py  editlog.py                   the revision store on flat files: the truth
        |
    config.py  names.py  errors.py             plain values, pure functions, domain errors

pagecache.py, storage.py and what they import use only the standard library: a CGI
hit on a cached page never loads werkzeug, Mako, Markdown or Whoosh. Nothing is
imported here, for the same reason.
"""

__version__ = "0.1.0"  # the one version: pyproject.toml reads it, cache keys include it
