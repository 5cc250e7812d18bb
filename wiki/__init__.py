"""flatwiki: a MoinMoin-style wiki on flat files.

Who may import whom: a module imports only from its own row and the rows below it
(tests/test_layers.py reads this drawing and checks every module's imports against it)::

    entry points  wsgi  cgi-bin/*  cli  gateway            read the config; build the app, or answer a
                  export  moinimport  reindex            cached view with the services and the page cache
                                                         alone; write a static HTML copy; take over a
                                                         MoinMoin 1.9 data dir; rebuild all that is
                                                         derived, reading each page once
    web           app  views/*                           URL map, dispatch, themed errors, sign-in: werkzeug
                                                         requests and responses live here and nowhere below
    services      site                                   one wiki wired once: every cache key, the one
                                                         permission check, the after-change protocol,
                                                         recovery, a renderer per thread
    domain        markup  search  theme  auth            Markdown and MoinMoin wiki markup to safe HTML;
                  merging  moinwiki  convert             the Whoosh index; Mako templates; CSRF; merges
                                                         and diffs; MoinMoin markup to Markdown
    domain parts  macros  defuse  searchquery            <<Macros>>; hostile Markdown made cheap; the
                  ranking  snippets  searchupkeep        query language; BM25F; passages; index upkeep;
                  searchlayout  spam  sections           the index's postings on disk; BadContent
                                                         patterns and textchas; a page's headings and
                                                         sections, for editing one
    derived data  pagecache  rendercache  links          stored responses, rendered HTML, the link table,
                  drafts  consistency  acltable          unsaved editor text, `wiki check` and repairs,
                  backup  stamps  listcache              every page's ACL lines and every group's members,
                                                         snapshots of the primary data and their restore,
                                                         what each page's view shows of other pages,
                                                         the sitemap's parts
    truth         storage  recovery  attachments         the revision store on flat files, finishing what
                  editlog  atomic  users  sessions       killed changes left; log lines; whole-file writes;
                  ratelimit                              accounts (1.9's user files), sessions, rate counts
    base          config  names  errors  acl  text       plain values, pure functions, domain errors,
                                                         MoinMoin 1.9's ACL rules, a text's stored form

The services and the page cache, and all they import at module level, use only the
standard library: a CGI hit on a cached page never loads werkzeug, Mako, Markdown or
Whoosh. Nothing is imported here, for the same reason.
"""

__version__ = "0.1.0"  # the one version: pyproject.toml reads it, cache keys include it
