<%inherit file="layout.mako"/>
<h1 class="page-title">Rename ${parent.crumbs(page) | n}</h1>
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
<p>The page moves to its new name with its whole history. Its old address then says where it went.</p>
<form method="post" action="${url('rename_page', name=page)}" class="confirm">
  ${csrf_field()}
  <input type="hidden" name="base_revision" value="${base_revision}">
  <label for="rename-new">New name</label>
  <input id="rename-new" type="text" name="new_name" value="${new_name or page}" required maxlength="255">
% if backlinks:
  <label class="checkbox"><input type="checkbox" name="update_links" value="1" checked>
    Update the links in the ${len(backlinks)} page${'' if len(backlinks) == 1 else 's'} that link here
    (${', '.join(backlinks[:5])}${'…' if len(backlinks) > 5 else ''}); each change is a normal revision</label>
% endif
% if unchangeable:
  <p class="notice">You may not change ${len(unchangeable)} page${'' if len(unchangeable) == 1 else 's'} that
  link${'s' if len(unchangeable) == 1 else ''} here, so their links stay as they are:
  ${', '.join(unchangeable[:10])}${'…' if len(unchangeable) > 10 else ''}.</p>
% endif
  <label for="rename-comment">Comment</label>
  <input id="rename-comment" type="text" name="comment" value="${comment}" maxlength="500">
  <div class="buttons">
    <button type="submit" class="primary">Rename</button>
    <a href="${url('show_page', name=page)}">Cancel</a>
  </div>
</form>
