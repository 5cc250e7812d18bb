<%inherit file="layout.mako"/>
<h1>Wanted pages</h1>
<p>Pages that are linked to but do not exist yet, most wanted first.</p>
% if wanted:
<ul class="wanted">
% for target, sources in wanted:
  <li><a class="missing" href="${url('edit_page', name=target)}" rel="nofollow">${target}</a>
    <span class="hint">wanted by
% for name in sources:
<a href="${url('show_page', name=name)}">${name}</a>${'' if loop.last else ', '}
% endfor
    </span></li>
% endfor
</ul>
% else:
<p>None: every link leads to a page.</p>
% endif
