<%inherit file="layout.mako"/>
<h1>${title}</h1>
% if approval:
<p class="notice">Thank you. If the name ${name} was free, the account waits for an administrator's approval;
you can sign in once it is approved.</p>
% else:
<p class="notice">If the name ${name} was free, the account is made: sign in with it now. If signing in fails,
the name was taken already; <a href="${url('register')}">register</a> with another.</p>
<form method="post" action="${url('login')}" class="account-form">
  ${csrf_field()}
  <input type="hidden" name="next" value="">
  <label for="login-name">Name</label>
  <input id="login-name" type="text" name="name" value="${name}" autocomplete="username" required>
  <label for="login-password">Password</label>
  <input id="login-password" type="password" name="password" autocomplete="current-password" required autofocus>
  <div class="buttons"><button type="submit">Sign in</button></div>
</form>
% endif
