<%inherit file="layout.mako"/>
<h1>Orphaned pages</h1>
<p>Pages that no other page links to. Link to them from somewhere, or delete them.</p>
% if pages:
<ul class="page-list">
% for name in pages:
  <li><a href="${url('show_page', name=name)}">${name}</a></li>
% endfor
</ul>
% else:
<p>None: every page is linked from somewhere.</p>
% endif
