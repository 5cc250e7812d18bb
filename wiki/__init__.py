"""flatwiki: a MoinMoin-style wiki on flat files.

Who may import whom: a module imports only from its own row and the rows below it
(tests/test_layers.py reads this drawing and checks every module's imports against it)::

    entry points  wsgi  cgi-bin/*  cli  gateway            read the config; build the app, or answer a
                                                         cached view with the services and the page cache alone
    web           app  views/*                           URL map, dispatch, themed errors: werkzeug
                                                         requests and responses live here and nowhere below
    services      site                                   one wiki wired once: every cache key, the
                                                         after-change protocol, recovery, a renderer per thread
    domain        markup  search  theme  auth            Markdown to safe HTML; the Whoosh index; Mako
                  merging                                templates; CSRF; merges and diffs
    domain parts  macros  defuse  searchquery            <<Macros>>; hostile Markdown made cheap; the
                  ranking  snippets  searchupkeep        query language; BM25F; passages; index upkeep
    derived data  pagecache  rendercache  links          stored responses, rendered HTML, the link table,
                  drafts  consistency                    unsaved editor text, `wiki check` and repairs
    truth         storage  recovery  attachments         the revision store on flat files, finishing what
                  editlog  atomic                        killed changes left; log lines; whole-file writes
    base          config  names  errors                  plain values, pure functions, domain errors

The services and the page cache, and all they import at module level, use only the
standard library: a CGI hit on a cached page never loads werkzeug, Mako, Markdown or
Whoosh. Nothing is imported here, for the same reason.
"""

__version__ = "0.1.0"  # the one version: pyproject.toml reads it, cache keys include it
