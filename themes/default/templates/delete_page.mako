<%inherit file="layout.mako"/>
<h1 class="page-title">Delete ${parent.crumbs(page) | n}</h1>
<p>Deleting records a new revision; the history stays and any old revision can be restored.</p>
<form method="post" action="${url('delete_page', name=page)}" class="confirm">
  ${csrf_field()}
  <input type="hidden" name="base_revision" value="${base_revision}">
  <label for="delete-comment">Why? (optional)</label>
  <input id="delete-comment" type="text" name="comment" maxlength="500">
  <div class="buttons">
    <button type="submit" class="danger">Delete this page</button>
    <a href="${url('show_page', name=page)}">Cancel</a>
  </div>
</form>
