<%inherit file="layout.mako"/>
<h1 class="page-title">Changes to ${parent.crumbs(page) | n}</h1>
<p class="diff-summary">From
% if start:
<a href="${url('show_page', name=page, rev=start)}" rel="nofollow">revision ${start}</a>\
% if start_entry:
 (${parent.when(start_entry.time) | n}, ${parent.who(start_entry) | n})\
% endif
% else:
nothing (the page did not exist)\
% endif
 to <a href="${url('show_page', name=page, rev=to)}" rel="nofollow">revision ${to}</a>\
% if to_entry:
 (${parent.when(to_entry.time) | n}, ${parent.who(to_entry) | n}\
% if to_entry.comment:
: “${to_entry.comment}”\
% endif
)\
% endif
.</p>
<nav class="diff-nav" aria-label="Other changes">
% if start > 1:
  <a href="${url('diff_page', name=page, **{'from': start - 1, 'to': start})}" rel="nofollow">← Previous change</a>
% endif
% if to < current:
  <a href="${url('diff_page', name=page, **{'from': to, 'to': to + 1})}" rel="nofollow">Next change →</a>
% endif
% if mode == 'side':
  <a href="${url('diff_page', name=page, **{'from': start, 'to': to})}" rel="nofollow">Inline</a>
% else:
  <a href="${url('diff_page', name=page, mode='side', **{'from': start, 'to': to})}" rel="nofollow">Side by side</a>
% endif
  <a href="${url('diff_page', name=page, format='unified', **{'from': start, 'to': to})}" rel="nofollow">Unified diff (text)</a>
  <a href="${url('page_history', name=page)}">History</a>
</nav>
% if mode == 'side':
<%include file="_diff_side.mako" args="pairs=side, caption='Lines before and after'"/>
% else:
<%include file="_diff_table.mako" args="rows=rows, caption='Lines removed and added'"/>
% endif
