<%inherit file="layout.mako"/>
<%
  import itertools
  def letter(name):
      first = name[:1].upper()
      return first if first.isalpha() else '#'
  groups = [(k, list(g)) for k, g in itertools.groupby(pages, key=letter)]
%>
<h1>Page index</h1>
<p>${len(pages)} pages. See also the <a href="${url('orphaned_pages')}">orphaned pages</a> (nothing links to them)
and the <a href="${url('wanted_pages')}">wanted pages</a> (linked, but not written yet).</p>
<nav class="letters" aria-label="Jump to letter">
% for key, _ in groups:
  <a href="#letter-${key}">${key}</a>
% endfor
</nav>
% for key, names in groups:
<h2 id="letter-${key}">${key}</h2>
<ul class="page-list">
% for name in names:
  <li class="depth-${name.count('/')}"><a href="${url('show_page', name=name)}">${name}</a></li>
% endfor
</ul>
% endfor
