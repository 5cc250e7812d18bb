<%page args="pairs, caption"/>
## The change side by side: the old lines on the left, the new ones on the right.
<div class="table-scroll">
<table class="diff side">
  <caption>${caption}</caption>
  <thead><tr><th scope="col">Before</th><th scope="col">After</th></tr></thead>
  <tbody>
% for left, right in pairs:
% if left is not None and left['kind'] == 'hunk':
    <tr class="hunk"><td colspan="2">${left['text']}</td></tr>
% elif left is not None and left['kind'] == 'context':
    <tr class="context"><td>${left['text']}</td><td>${right['text']}</td></tr>
% else:
    <tr class="change">\
% if left is not None:
<td class="removed"><del><%include file="_diff_line.mako" args="row=left"/></del></td>\
% else:
<td class="empty"></td>\
% endif
% if right is not None:
<td class="added"><ins><%include file="_diff_line.mako" args="row=right"/></ins></td>\
% else:
<td class="empty"></td>\
% endif
</tr>
% endif
% endfor
% if not pairs:
    <tr class="context"><td colspan="2">No differences.</td></tr>
% endif
  </tbody>
</table>
</div>
