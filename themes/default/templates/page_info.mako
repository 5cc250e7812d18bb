<%inherit file="layout.mako"/>
<h1 class="page-title">Info on ${parent.crumbs(page) | n}</h1>
<dl class="info">
  <dt>Size</dt><dd>${'deleted' if size is None else parent.size(size) | n}</dd>
  <dt>Revisions</dt><dd><a href="${url('page_history', name=page)}">${revisions}</a></dd>
  <dt>Created</dt><dd>${parent.when(created.time) | n} by ${parent.who(created) | n}</dd>
  <dt>Last modified</dt><dd>${parent.when(modified.time) | n} by ${parent.who(modified) | n}</dd>
  <dt>Authors</dt><dd>${', '.join(f'{who} ({count})' for who, count in authors)}</dd>
  <dt>Links here</dt><dd>
% if incoming:
% for name in incoming:
<a href="${url('show_page', name=name)}">${name}</a>${'' if loop.last else ', '}
% endfor
% else:
none
% endif
</dd>
  <dt>Links to</dt><dd>
% if outgoing:
% for name in outgoing:
<a href="${url('show_page', name=name) if page_exists(name) else url('edit_page', name=name)}" class="${'' if page_exists(name) else 'missing'}">${name}</a>${'' if loop.last else ', '}
% endfor
% else:
none
% endif
</dd>
</dl>
