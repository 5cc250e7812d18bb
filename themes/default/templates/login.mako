<%inherit file="layout.mako"/>
<h1>Sign in</h1>
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
<form method="post" action="${url('login')}" class="account-form">
  ${csrf_field()}
  <input type="hidden" name="next" value="${target}">
  <label for="login-name">Name</label>
  <input id="login-name" type="text" name="name" value="${name}" autocomplete="username" required autofocus>
  <label for="login-password">Password</label>
  <input id="login-password" type="password" name="password" autocomplete="current-password" required>
  <div class="buttons"><button type="submit">Sign in</button></div>
</form>
% if registration != 'off' and not read_only:
<p>No account yet? <a href="${url('register')}">Create one</a>.</p>
% endif
