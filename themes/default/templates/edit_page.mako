<%inherit file="layout.mako"/>
<%def name="extra_head()"><script src="${static('editor.js')}" defer></script></%def>
<h1 class="page-title">${'Create' if is_new else 'Edit'} ${page}${'' if section is None else ': one section'}</h1>
% if section is not None:
<p class="hint">You are editing one section. Saving puts it back into the page as it was when you began; if someone
saved the page meanwhile, the two are merged as for a whole page. <a href="${url('edit_page', name=page)}" rel="nofollow">Edit the whole page</a></p>
% endif
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
% if conflict:
<div class="notice conflict" role="alert">
  <p><strong>Edit conflict.</strong> Someone else saved revision ${conflict.current_revision} while you were editing
  revision ${conflict.base_revision}, and ${conflicts} place${'' if conflicts == 1 else 's'} were changed by both of you.
  Nothing was overwritten. The editor below holds both changes merged; where they clash, both versions stand between
  <code>&lt;&lt;&lt;&lt;&lt;&lt;&lt;</code> and <code>&gt;&gt;&gt;&gt;&gt;&gt;&gt;</code> lines. Choose, remove the markers, and save.</p>
  <%include file="_diff_table.mako" args="rows=their_changes, caption='Their changes'"/>
  <%include file="_diff_table.mako" args="rows=your_changes, caption='Your changes'"/>
</div>
% endif
% if draft is not None:
<p class="notice" role="status">You have an unsaved draft of this page from ${draft_age} (based on revision
${draft.base_revision}). <a href="${url('edit_page', name=page, draft='restore')}" rel="nofollow">Restore the draft</a>
— if the page changed since, saving merges the two.</p>
% endif
% if preview is not None:
<section class="preview" aria-labelledby="preview-heading">
  <h2 id="preview-heading">Preview <span class="hint">(not saved yet)</span></h2>
  <div class="page-content">${preview}</div>
</section>
% endif
% if is_new and templates:
<nav class="templates" aria-label="Templates">Start from a template:
% for template in templates:
  <a href="${url('edit_page', name=page, template=template)}" rel="nofollow">${template}</a>${'' if loop.last else ','}
% endfor
</nav>
% endif
<form class="editor" method="post" action="${url('edit_page', name=page)}" data-page="${page}" data-markup="${markup}" data-new="${'1' if is_new else '0'}"
      data-attachments="${url('page_attachments', name=page)}">
  ${csrf_field()}
  <input type="hidden" name="base_revision" value="${base_revision}">
  % if section is not None:
  <input type="hidden" name="section" value="${section}">
  % endif
  <label for="edit-text">Page text <span class="hint">(${'MoinMoin wiki markup' if markup == 'wiki' else 'Markdown'} — see <a href="${url('show_page', name='HelpOnEditing')}" target="_blank">HelpOnEditing</a>)</span></label>
  <textarea id="edit-text" name="text" rows="24" spellcheck="true">
${text}</textarea>
  <label for="edit-comment">Comment <span class="hint">(a few words on what you changed)</span></label>
  <input id="edit-comment" type="text" name="comment" value="${comment}" maxlength="500">
  % if question:
  <input type="hidden" name="textcha_question" value="${question}">
  <label for="edit-textcha">${question}</label>
  <input id="edit-textcha" type="text" name="textcha_answer" autocomplete="off">
  % endif
  % if confirm == 'keep_markers':
  <label class="checkbox"><input type="checkbox" name="keep_markers" value="1"> Save the conflict markers as they are</label>
  % elif confirm == 'confirm_empty':
  <label class="checkbox"><input type="checkbox" name="confirm_empty" value="1"> Yes, save this page empty</label>
  % endif
  <div class="buttons">
    <button type="submit" name="action" value="preview">Preview</button>
    <button type="submit" name="action" value="save" class="primary">Save</button>
    <a href="${url('show_page', name=page)}">Cancel</a>
  </div>
</form>
