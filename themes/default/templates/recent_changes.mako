<%inherit file="layout.mako"/>
<%
  import itertools
  labels = {'SAVE': 'edit', 'SAVENEW': 'new', 'SAVE/REVERT': 'revert', 'SAVE/RENAME': 'rename', 'DELETE': 'delete', 'ATTNEW': 'attachment', 'ATTDEL': 'attachment deleted'}
  attachment_actions = ('ATTNEW', 'ATTDEL')
%>
<h1>Recent changes</h1>
<form class="filters" method="get" action="${url('recent_changes')}">
  <label for="rc-days">Of the last</label>
  <select id="rc-days" name="days">
% for value, label in ((1, 'day'), (7, '7 days'), (30, '30 days'), (0, 'any time')):
    <option value="${value}" ${'selected' if (days or 0) == value else ''}>${label}</option>
% endfor
  </select>
  <label for="rc-count">at most</label>
  <select id="rc-count" name="count">
% for value in (50, 100, 500, 1000):
    <option value="${value}" ${'selected' if limit == value else ''}>${value}</option>
% endfor
  </select>
  <button type="submit">Show</button>
  <a href="${url('recent_feed')}" class="feed">Atom feed</a>
</form>
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
    % if e.action in attachment_actions and e.extra:
    <span class="comment">${e.extra}</span>
    % elif e.comment:
    <span class="comment">“${e.comment}”</span>
    % endif
  </li>
% endfor
</ul>
% endfor
% if len(entries) >= limit:
<p><a href="${url('recent_changes', count=min(limit * 2, 1000), days=days or 0)}">Show more</a></p>
% endif
