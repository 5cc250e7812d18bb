## The index of `wiki export --html`. Context: csp (the policy: no script runs in an export), site_name, title, static(file), pages [(name, href)], note.
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${site_name}</title>
<link rel="icon" href="${static('favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${static('wiki.css')}">
</head>
<body class="export">
<header class="site-header">
  <a class="site-name" href="index.html">${site_name}</a>
</header>
<main id="content" class="content">
<h1 class="page-title">${title}</h1>
<ul class="page-index">
% for name, href in pages:
  <li><a href="${href}">${name}</a></li>
% endfor
</ul>
<p class="hint">${note}</p>
</main>
</body>
</html>
