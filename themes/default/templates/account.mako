<%inherit file="layout.mako"/>
<h1>Your account: ${user.name}</h1>
% if changed:
<p class="notice" role="status">${changed}</p>
% endif
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
<p>Your home page: <a href="${url('show_page', name=user.name)}">${user.name}</a></p>
<h2>Display name and e-mail</h2>
<form method="post" action="${url('account')}" class="account-form">
  ${csrf_field()}
  <input type="hidden" name="action" value="profile">
  <label for="account-alias">Display name <span class="hint">(optional)</span></label>
  <input id="account-alias" type="text" name="aliasname" value="${user.fields.get('aliasname', '')}" maxlength="80">
  <label for="account-email">E-mail</label>
  <input id="account-email" type="email" name="email" value="${user.email}" autocomplete="email">
  <div class="buttons"><button type="submit">Save</button></div>
</form>
<h2>Password</h2>
<form method="post" action="${url('account')}" class="account-form">
  ${csrf_field()}
  <input type="hidden" name="action" value="password">
  <label for="account-current">Current password</label>
  <input id="account-current" type="password" name="current" autocomplete="current-password" required>
  <label for="account-password">New password <span class="hint">(at least 8 characters; signs you out everywhere else)</span></label>
  <input id="account-password" type="password" name="password" autocomplete="new-password" minlength="8" required>
  <label for="account-password2">New password again</label>
  <input id="account-password2" type="password" name="password2" autocomplete="new-password" minlength="8" required>
  <div class="buttons"><button type="submit">Change password</button></div>
</form>
