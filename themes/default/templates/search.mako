<%inherit file="layout.mako"/>
<h1>Search</h1>
% if results is None:
<p>Type words into the search box above. Use <code>"exact phrase"</code>, <code>OR</code>, <code>-word</code> to exclude,
<code>prefix*</code>, and <code>title:word</code> to search page names only.</p>
% else:
% if create:
<p class="create-offer"><a class="button primary" href="${url('edit_page', name=create)}" rel="nofollow">Create page “${create}”</a>\
% if templates:
 or start it from \
% for template in templates:
<a href="${url('edit_page', name=create, template=template)}" rel="nofollow">${template}</a>${'' if loop.last else ', '}\
% endfor
% endif
</p>
% endif
% if results.message:
<p class="notice" role="status">${results.message}</p>
% endif
% if results.building:
<p class="notice building" role="status">The search index is being built: ${results.building[0]} of ${results.building[1]} pages so far
(${results.building[0] * 100 // max(results.building[1], 1)}%). Until it is done, some pages may be missing from the results.</p>
% endif
<p class="result-count">${results.total} page${'' if results.total == 1 else 's'} found for “${results.query}”.</p>
% if results.suggestion:
<p class="suggestion">Did you mean <a href="${url('search', q=results.suggestion, fulltext=1)}">${results.suggestion}</a>?</p>
% endif
<ol class="results" start="${(results.page - 1) * 20 + 1}">
% for hit in results.hits:
  <li>
    <a class="result-title" href="${url('show_page', name=hit.name)}">${hit.name.rpartition('/')[2]}</a>
    % if '/' in hit.name:
    <span class="result-path">${hit.name}</span>
    % endif
    <p class="snippet">${snippets[hit.name]}</p>
    <p class="result-meta">revision ${hit.revision}\
    % if hit.modified:
 · modified ${hit.modified.strftime('%Y-%m-%d %H:%M')} UTC\
    % endif
</p>
  </li>
% endfor
</ol>
% if results.pages > 1:
<nav class="pagination" aria-label="Result pages">
  % if results.page > 1:
  <a href="${url('search', q=results.query, fulltext=1, page=results.page - 1)}" rel="prev">← Previous</a>
  % endif
  <span>Page ${results.page} of ${results.pages}</span>
  % if results.page < results.pages:
  <a href="${url('search', q=results.query, fulltext=1, page=results.page + 1)}" rel="next">Next →</a>
  % endif
</nav>
% endif
% endif
