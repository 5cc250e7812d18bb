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
% if pages_count > 1:
<nav class="pagination" aria-label="More of this list">
% if number > 1:
  <a href="${url('orphaned_pages', page=number - 1)}" rel="prev">← Previous</a>
% endif
  <span>Page ${number} of ${pages_count} (${total} in all)</span>
% if number < pages_count:
  <a href="${url('orphaned_pages', page=number + 1)}" rel="next">Next →</a>
% endif
</nav>
% endif
