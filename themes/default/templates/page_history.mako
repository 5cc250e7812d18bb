<%inherit file="layout.mako"/>
<%
  labels = {'SAVE': 'edit', 'SAVENEW': 'created', 'SAVE/REVERT': 'revert', 'SAVE/RENAME': 'renamed', 'DELETE': 'deleted', 'ATTNEW': 'attachment added', 'ATTDEL': 'attachment deleted'}
  revisions = [e for e in entries if e.action not in ('ATTNEW', 'ATTDEL')]
%>
<h1 class="page-title">History of ${parent.crumbs(page) | n}</h1>
<form class="history" method="get" action="${url('diff_page', name=page)}">
<div class="table-scroll">
<table class="history">
  <thead><tr>
    <th scope="col">From</th><th scope="col">To</th><th scope="col">Revision</th><th scope="col">When</th>
    <th scope="col">Who</th><th scope="col">Size</th><th scope="col">Change</th><th scope="col">Comment</th><th scope="col">Actions</th>
  </tr></thead>
  <tbody>
% for i, e in enumerate(revisions):
    <tr>
      <td><input type="radio" name="from" value="${e.revision}" aria-label="compare from revision ${e.revision}" ${'checked' if i == 1 or len(revisions) == 1 else ''}></td>
      <td><input type="radio" name="to" value="${e.revision}" aria-label="compare to revision ${e.revision}" ${'checked' if i == 0 else ''}></td>
      <td>${e.revision}</td>
      <td>${parent.when(e.time) | n}</td>
      <td>${parent.who(e) | n}</td>
      <td>${'—' if sizes.get(e.revision) is None else parent.size(sizes[e.revision]) | n}</td>
      <td>${labels.get(e.action, e.action.lower())}\
% if e.action == 'SAVE/REVERT' and e.extra:
 to revision ${e.extra}\
% elif e.action == 'SAVE/RENAME' and e.extra:
 from ${e.extra}\
% endif
</td>
      <td class="comment">${e.comment}</td>
      <td class="actions">
% if sizes.get(e.revision) is not None:
        <a href="${url('show_page', name=page, rev=e.revision)}" rel="nofollow">view</a>
        <a href="${url('raw_page', name=page, rev=e.revision)}" rel="nofollow">raw</a>
% endif
% if e.revision > 1:
        <a href="${url('diff_page', name=page, **{'from': e.revision - 1, 'to': e.revision})}" rel="nofollow">diff</a>
% endif
% if can('revert', page) and e.revision != current and sizes.get(e.revision) is not None:
        <a href="${url('revert_page', name=page, rev=e.revision)}" rel="nofollow">restore</a>
% endif
      </td>
    </tr>
% endfor
  </tbody>
</table>
</div>
<button type="submit">Compare selected revisions</button>
</form>
% if older is not None or until is not None:
<nav class="pager" aria-label="More history">
% if until is not None:
  <a href="${url('page_history', name=page)}" rel="nofollow">Newest revisions</a>
% endif
% if older is not None:
  <a href="${url('page_history', name=page, until=older)}" rel="nofollow">Older revisions (from ${older} back)</a>
% endif
</nav>
% endif
