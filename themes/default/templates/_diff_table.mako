<%page args="rows, caption"/>
<table class="diff">
  <caption>${caption}</caption>
  <tbody>
% for row in rows:
    <tr class="${row['kind']}"><td class="marker" aria-hidden="true">${{'added': '+', 'removed': '−', 'hunk': '', 'context': ''}[row['kind']]}</td>\
% if row['kind'] == 'added':
<td><ins><%include file="_diff_line.mako" args="row=row"/></ins></td>\
% elif row['kind'] == 'removed':
<td><del><%include file="_diff_line.mako" args="row=row"/></del></td>\
% else:
<td>${row['text']}</td>\
% endif
</tr>
% endfor
% if not rows:
    <tr class="context"><td></td><td>No differences.</td></tr>
% endif
  </tbody>
</table>
