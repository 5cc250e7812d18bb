<%inherit file="layout.mako"/>
<%
  import itertools
  def letter_of(name):
      first = name[:1].upper()
      return first if first.isalpha() else '#'
  groups = [(k, list(g)) for k, g in itertools.groupby(pages, key=letter_of)]
%>
<h1>Page index</h1>
<p>${total} pages. See also the <a href="${url('orphaned_pages')}">orphaned pages</a> (nothing links to them)
and the <a href="${url('wanted_pages')}">wanted pages</a> (linked, but not written yet).</p>
<nav class="letters" aria-label="Jump to letter">
% for key, count in letters:
% if letter is None:
  <a href="#letter-${key}">${key}</a>
% elif key == letter:
  <strong aria-current="page">${key} <span class="hint">(${count})</span></strong>
% else:
  <a href="${url('page_index', letter=key)}">${key} <span class="hint">(${count})</span></a>
% endif
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
% if pages_count > 1:
<nav class="pagination" aria-label="More pages under ${letter}">
% if number > 1:
  <a href="${url('page_index', letter=letter, page=number - 1)}" rel="prev">← Previous ${len(pages)}</a>
% endif
  <span>Page ${number} of ${pages_count}</span>
% if number < pages_count:
  <a href="${url('page_index', letter=letter, page=number + 1)}" rel="next">Next →</a>
% endif
</nav>
% endif
