"""flatwiki: a MoinMoin-style wiki on flat files.

Who may import whom (dependencies point down only)::

    cli.py  wsgi.py  cgi-bin/*          entry points: read config, build the app
        |
      app.py                            URL map, dispatch, errors -> themed pages
        |
      views.py                          one function per endpoint (werkzeug lives here and above)
        |
    theme.py  auth.py                   Mako templates; CSRF tokens
        |
    search.py  markup.py  consistency.py
        |
      storage.py                        the revision store on flat files: the truth
        |
    config.py  names.py  errors.py      plain values, pure functions, domain errors

Nothing is imported here: CGI pays for every import on every request.
"""
