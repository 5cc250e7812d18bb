<%inherit file="layout.mako"/>
<h1>Sign out</h1>
<form method="post" action="${url('logout')}" class="confirm">
  ${csrf_field()}
  <div class="buttons"><button type="submit">Sign out</button></div>
</form>
