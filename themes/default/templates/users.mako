<%inherit file="layout.mako"/>
<h1>Accounts</h1>
<table class="accounts">
<thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">State</th><th scope="col">Action</th></tr></thead>
<tbody>
% for account in accounts:
<tr>
  <td><a href="${url('show_page', name=account.name)}">${account.name}</a>${' (admin)' if account.admin else ''}</td>
  <td>${account.email}</td>
  <td>${'waiting for approval' if account.pending else ('disabled' if account.disabled else 'active')}</td>
  <td><form method="post" action="${url('users')}">${csrf_field()}
    <input type="hidden" name="user" value="${account.id}">
    % if account.pending:
    <button type="submit" name="action" value="approve">Approve</button>
    % elif account.disabled:
    <button type="submit" name="action" value="enable">Enable</button>
    % else:
    <button type="submit" name="action" value="disable">Disable</button>
    % endif
  </form></td>
</tr>
% endfor
</tbody>
</table>
