<%inherit file="layout.mako"/>
<%
  import itertools
  labels = {'SAVE': 'edit', 'SAVENEW': 'new', 'SAVE/REVERT': 'revert', 'SAVE/RENAME': 'rename', 'DELETE': 'delete', 'ATTNEW': 'attachment', 'ATTDEL': 'attachment deleted'}
%>
<h1>Recent changes</h1>
% if not entries:
<p>No changes yet.</p>
% endif
% for day, group in itertools.groupby(entries, key=lambda e: e.time.date()):
<h2>${day.strftime('%A %d %B %Y')}</h2>
<ul class="changes">
% for e in group:
  <li>
    <span class="time">${e.time.strftime('%H:%M')}</span>
    <a href="${url('show_page', name=e.name)}">${e.name}</a>
    <span class="action action-${labels.get(e.action, 'other').replace(' ', '-')}">${labels.get(e.action, e.action.lower())}</span>
    % if e.revision > 1:
    <a href="${url('diff_page', name=e.name, **{'from': e.revision - 1, 'to': e.revision})}" rel="nofollow">diff</a>
    % endif
    <a href="${url('page_history', name=e.name)}" rel="nofollow">history</a>
    <span class="who">${parent.who(e) | n}</span>
    % if e.comment:
    <span class="comment">“${e.comment}”</span>
    % endif
  </li>
% endfor
</ul>
% endfor
% if len(entries) >= limit:
<p><a href="${url('recent_changes', count=limit * 2)}">Show more</a></p>
% endif
