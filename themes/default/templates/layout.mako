## The page frame every template inherits: header with search, page actions, footer.
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="${robots}">
<title>${title} — ${site_name}</title>
<link rel="icon" href="${static('favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${static('wiki.css')}">
<link rel="stylesheet" href="${static('pygments.css')}">
<link rel="stylesheet" href="${static('pygments-dark.css')}">
${self.theme_head() | n}
${self.extra_head() | n}
## Before the page is drawn: the reader's own light or dark choice (no flash of the other one).
<script src="${static('theme.js')}"></script>
<link rel="alternate" type="application/atom+xml" title="${site_name}: recent changes" href="${url('recent_feed')}">
% if page:
<link rel="alternate" type="application/atom+xml" title="${site_name}: changes to ${page}" href="${url('page_feed', name=page)}">
% endif
</head>
<body class="theme-${theme_name}">
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
  <a class="site-name" href="${url('front_page')}">${site_name}</a>
  <form class="search-form" action="${url('search')}" method="get" role="search">
    <label for="search-q" class="visually-hidden">Search the wiki or go to a page</label>
    <input id="search-q" type="search" name="q" value="${query}" placeholder="Search or go to a page" autocomplete="off">
    <button type="submit">Go</button>
    <button type="submit" name="fulltext" value="1">Search</button>
  </form>
  <nav class="site-nav" aria-label="Wiki">
    <a href="${url('show_page', name=front_page)}">Front page</a>
    <a href="${url('recent_changes')}">Recent changes</a>
    <a href="${url('page_index')}">Index</a>
    <a href="${url('show_page', name='HelpOnEditing')}">Help</a>
    % if not read_only:
    <a href="${url('new_page')}" rel="nofollow">New page</a>
    % endif
  </nav>
  <button type="button" class="theme-toggle" hidden aria-pressed="false" title="Switch between light and dark">Dark</button>
  <nav class="user-nav" aria-label="Account">
  % if reader.known:
    <a class="user-name" href="${url('account')}">${reader.name}</a>
    % if reader.admin:
    <a href="${url('users')}">Accounts</a>
    % endif
    <a href="${url('logout')}" rel="nofollow">Sign out</a>
  % else:
    <a href="${url('login')}" rel="nofollow">Sign in</a>
    % if registration != 'off' and not read_only:
    <a href="${url('register')}" rel="nofollow">Create account</a>
    % endif
  % endif
  </nav>
</header>
% if page:
<nav class="page-actions" aria-label="This page">
  <a href="${url('show_page', name=page)}">View</a>
  % if can('write', page):
  <a href="${url('edit_page', name=page)}" rel="nofollow">Edit</a>
  % endif
  <a href="${url('page_history', name=page)}" rel="nofollow">History</a>
  <a href="${url('page_attachments', name=page)}" rel="nofollow">Attachments</a>
  ## The rest in a menu that needs no script: one row of actions, on a phone too.
  <details class="more-actions">
    <summary>More</summary>
    <div class="menu">
      <a href="${url('raw_page', name=page)}" rel="nofollow">Raw</a>
      <a href="${url('print_page', name=page)}" rel="nofollow">Print</a>
      <a href="${url('page_info', name=page)}" rel="nofollow">Info</a>
      <a href="${url('page_backlinks', name=page)}" rel="nofollow">Links here</a>
      % if can('delete', page):
      <a href="${url('rename_page', name=page)}" rel="nofollow">Rename</a>
      <a href="${url('delete_page', name=page)}" rel="nofollow">Delete</a>
      % endif
    </div>
  </details>
</nav>
% endif
<main id="content" class="content">
${next.body() | n}
</main>
<footer class="site-footer">
${self.footer() | n}
<p class="theme-choice"><a href="${url('choose_theme', back=request_path)}" rel="nofollow">Change the look</a></p>
</footer>
</body>
</html>
<%def name="footer()">Powered by flatwiki</%def>
## Slots: a theme's layout adds its stylesheets in theme_head(); a page template adds scripts of
## its own in extra_head() (the editor's). Both are empty here.
<%def name="theme_head()"></%def>
<%def name="extra_head()"></%def>
<%def name="crumbs(name)">\
<% parts = name.split('/') %>\
% for i, part in enumerate(parts):
% if i < len(parts) - 1 and page_exists('/'.join(parts[:i + 1])):
<a href="${url('show_page', name='/'.join(parts[:i + 1]))}">${part}</a><span class="sep">/</span>\
% elif i < len(parts) - 1:
${part}<span class="sep">/</span>\
% else:
${part}\
% endif
% endfor
</%def>
<%def name="when(moment)">\
% if moment is not None:
<time datetime="${moment.strftime('%Y-%m-%dT%H:%M:%SZ')}">${moment.strftime('%Y-%m-%d %H:%M')} UTC</time>\
% endif
</%def>
<%def name="who(entry)">${author_of(entry)}</%def>
<%def name="size(count)">\
<%
    # ("next" is Mako's name for the inheriting template: no builtin next() here)
    unit = [(step, label) for step, label in ((1024 ** 3, 'GB'), (1024 ** 2, 'MB'), (1024, 'KB')) if count >= step]
    unit = unit[0] if unit else None
%>\
% if unit is None:
<span title="${'{:,}'.format(count)} bytes">${count} bytes</span>\
% else:
<span title="${'{:,}'.format(count)} bytes">${('{:.1f}' if count < 10 * unit[0] else '{:.0f}').format(count / unit[0])} ${unit[1]}</span>\
% endif
</%def>
