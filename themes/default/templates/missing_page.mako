<%inherit file="layout.mako"/>
<h1 class="page-title">${parent.crumbs(page) | n}</h1>
% if deleted and entry and entry.extra:
<p class="notice" role="status">This page was renamed to <a href="${url('show_page', name=entry.extra)}">${entry.extra}</a>
(${parent.when(entry.time) | n} by ${parent.who(entry) | n}). Its history up to then is kept here too:
<a href="${url('page_history', name=page)}">see the history</a>.</p>
% elif deleted:
<p class="notice" role="status">This page was deleted (revision ${deleted.revision}\
% if entry:
, ${parent.when(entry.time) | n} by ${parent.who(entry) | n}\
% if entry.comment:
: “${entry.comment}”\
% endif
% endif
). Its history is kept: <a href="${url('page_history', name=page)}">see the history</a> to view or restore an old revision.</p>
% else:
<p class="notice" role="status">There is no page named “${page}” yet.</p>
% endif
% if can('write', page):
<p><a class="button primary" href="${url('edit_page', name=page)}" rel="nofollow">Create this page</a></p>
% endif
<p>Or <a href="${url('search', q=page, fulltext=1)}" rel="nofollow">search for “${page}”</a> in other pages.</p>
