<%inherit file="layout.mako"/>
<h1>Wanted pages</h1>
<p>Pages that are linked to but do not exist yet, most wanted first.</p>
% if wanted:
<ul class="wanted">
% for target, sources, wanting in wanted:
  <li><a class="missing" href="${url('edit_page', name=target)}" rel="nofollow">${target}</a>
    <span class="hint">wanted by
% for name in sources:
<a href="${url('show_page', name=name)}">${name}</a>${'' if loop.last else ', '}
% endfor
% if wanting > len(sources):
      and ${wanting - len(sources)} more
% endif
    </span></li>
% endfor
</ul>
% else:
<p>None: every link leads to a page.</p>
% endif
% if pages_count > 1:
<nav class="pagination" aria-label="More of this list">
% if number > 1:
  <a href="${url('wanted_pages', page=number - 1)}" rel="prev">← Previous</a>
% endif
  <span>Page ${number} of ${pages_count} (${total} in all)</span>
% if number < pages_count:
  <a href="${url('wanted_pages', page=number + 1)}" rel="next">Next →</a>
% endif
</nav>
% endif
