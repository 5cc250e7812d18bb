<%inherit file="layout.mako"/>
<h1 class="page-title">Restore revision ${revision} of ${parent.crumbs(page) | n}</h1>
<p>This saves the text of revision ${revision} as a new revision. Nothing is lost: the current text stays in the history.</p>
<form method="post" action="${url('revert_page', name=page)}" class="confirm">
  ${csrf_field()}
  <input type="hidden" name="revision" value="${revision}">
  <input type="hidden" name="base_revision" value="${base_revision}">
  <label for="revert-comment">Comment</label>
  <input id="revert-comment" type="text" name="comment" value="Reverted to revision ${revision}" maxlength="500">
  <div class="buttons">
    <button type="submit" class="primary">Restore revision ${revision}</button>
    <a href="${url('page_history', name=page)}">Cancel</a>
  </div>
</form>
<h2>Revision ${revision}</h2>
<article class="page-content old-revision">${content}</article>
