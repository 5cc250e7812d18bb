<%inherit file="layout.mako"/>
<h1>Change the look</h1>
<p>The wiki's pages stay the same; only how they look changes. Your choice is kept in this
browser${', and in your account' if reader.known else ''}. Light or dark follows your system, or the switch in the header.</p>
<form method="post" action="${url('choose_theme')}" class="theme-form">
  ${csrf_field()}
  <input type="hidden" name="back" value="${back}">
  <fieldset>
    <legend>Theme</legend>
    % for name in themes:
    <label class="checkbox"><input type="radio" name="theme" value="${name}" ${'checked' if name == current else ''}> ${name}</label>
    % endfor
  </fieldset>
  <div class="buttons"><button type="submit" class="primary">Use this theme</button></div>
</form>
