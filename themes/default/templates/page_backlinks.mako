<%inherit file="layout.mako"/>
<h1 class="page-title">Links to ${parent.crumbs(page) | n}</h1>
% if sources:
<p>${len(sources)} page${'' if len(sources) == 1 else 's'} link${'s' if len(sources) == 1 else ''} here.</p>
<ul class="page-list">
% for name in sources:
  <li><a href="${url('show_page', name=name)}">${name}</a></li>
% endfor
</ul>
% else:
<p>No page links here yet.</p>
% endif
