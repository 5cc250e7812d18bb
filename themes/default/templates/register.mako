<%inherit file="layout.mako"/>
<h1>Create an account</h1>
% if approval:
<p>An administrator approves new accounts before they can sign in.</p>
% endif
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
<form method="post" action="${url('register')}" class="account-form">
  ${csrf_field()}
  <label for="register-name">Name <span class="hint">(shown with your changes and linked to your home page, e.g. JaneDoe)</span></label>
  <input id="register-name" type="text" name="name" value="${name}" autocomplete="username" maxlength="80" required autofocus>
  <label for="register-password">Password <span class="hint">(at least 8 characters)</span></label>
  <input id="register-password" type="password" name="password" autocomplete="new-password" minlength="8" required>
  <label for="register-password2">Password again</label>
  <input id="register-password2" type="password" name="password2" autocomplete="new-password" minlength="8" required>
  <label for="register-email">E-mail <span class="hint">(optional)</span></label>
  <input id="register-email" type="email" name="email" value="${email}" autocomplete="email">
  % if question:
  <input type="hidden" name="textcha_question" value="${question}">
  <label for="register-textcha">${question}</label>
  <input id="register-textcha" type="text" name="textcha_answer" autocomplete="off" required>
  % endif
  <div class="buttons"><button type="submit">Create account</button></div>
</form>
