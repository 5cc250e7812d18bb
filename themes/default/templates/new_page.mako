<%inherit file="layout.mako"/>
<h1>New page</h1>
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
<form method="get" action="${url('new_page')}" class="account-form">
  <label for="new-name">Name of the page <span class="hint">(e.g. Meeting Notes, or Projects/Website for a subpage)</span></label>
  <input id="new-name" type="text" name="name" value="${typed}" maxlength="255" required autofocus>
  % if templates:
  <label for="new-template">Start from</label>
  <select id="new-template" name="template">
    <option value="">an empty page</option>
    % for template in templates:
    <option value="${template}">${template}</option>
    % endfor
  </select>
  % endif
  <div class="buttons"><button type="submit" class="primary">Create</button></div>
</form>
