<%inherit file="layout.mako"/>
<h1 class="page-title">Attachments of ${parent.crumbs(page) | n}</h1>
% if error:
<p class="notice error" role="alert">${error}</p>
% endif
% if files:
<div class="table-scroll">
<table class="history">
  <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col">Uploaded</th><th scope="col">Use in the page</th><th scope="col"></th></tr></thead>
  <tbody>
% for f in files:
    <tr>
      <td><a href="${url('download_attachment', name=page, file=f.name)}">${f.name}</a></td>
      <td>${parent.size(f.size) | n}</td>
      <td>${parent.when(f.time) | n}</td>
      <td><code>[${f.name}](attachment:${f.name})</code></td>
      <td>
% if can('delete', page):
        <form method="post" action="${url('page_attachments', name=page)}" enctype="multipart/form-data" class="inline">
          ${csrf_field()}
          <input type="hidden" name="action" value="delete">
          <input type="hidden" name="file" value="${f.name}">
          <button type="submit" aria-label="Delete ${f.name}">Delete</button>
        </form>
% endif
      </td>
    </tr>
% endfor
  </tbody>
</table>
</div>
% else:
<p>No files are attached to this page yet.</p>
% endif
% if can('write', page):
<form method="post" action="${url('page_attachments', name=page)}" enctype="multipart/form-data" class="upload">
  ${csrf_field()}
  <label for="attach-file">Upload a file <span class="hint">(at most ${'{:,}'.format(limit)} bytes; a file with the same
  name replaces it, and the old one is kept)</span></label>
  <input id="attach-file" type="file" name="file" required>
  <div class="buttons"><button type="submit" class="primary">Upload</button></div>
</form>
<p class="hint">Show an attached image with <code>![description](attachment:picture.png)</code>; link a file with
<code>[the report](attachment:report.pdf)</code>.</p>
% endif
