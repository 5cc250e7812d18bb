<%inherit file="layout.mako"/>
## The title once: a text that opens with its own level-1 heading has that as its title, and
## a subpage then shows the path above it, so the way up stays one click away.
% if content.lstrip().startswith('<h1'):
% if '/' in page:
<p class="page-path">${parent.crumbs(page) | n}</p>
% endif
% else:
<h1 class="page-title">${parent.crumbs(page) | n}</h1>
% endif
% if notice:
<p class="notice saved" role="status">${notice}</p>
% endif
% if redirected_from:
<p class="redirected">(Redirected from <a href="${url('show_page', name=redirected_from, redirect='no')}">${redirected_from}</a>)</p>
% endif
% if revision != current:
<p class="notice" role="status">This is revision ${revision}, an old version of this page.
  <a href="${url('show_page', name=page)}">Show the current version</a>
  · <a href="${url('diff_page', name=page, **{'from': revision, 'to': current})}" rel="nofollow">Changes since then</a>
  % if can('revert', page):
  · <a href="${url('revert_page', name=page, rev=revision)}" rel="nofollow">Restore this revision</a>
  % endif
</p>
% endif
<article class="page-content">
${content}
</article>
<%def name="footer()">
Revision ${revision}\
% if entry:
 · last modified ${parent.when(entry.time) | n} by ${parent.who(entry) | n}\
% endif
</%def>
