## A page of `wiki export --html`: standalone, every link relative (works from file:// and
## under any path). Context: csp (the policy: no script runs in an export), site_name, title, content, static(file), index_href, note.
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${site_name}</title>
<link rel="icon" href="${static('favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${static('wiki.css')}">
<link rel="stylesheet" href="${static('pygments.css')}">
</head>
<body class="export">
<header class="site-header">
  <a class="site-name" href="${index_href}">${site_name}</a>
  <nav class="site-nav" aria-label="Wiki"><a href="${index_href}">All pages</a></nav>
</header>
<main id="content" class="content">
<h1 class="page-title">${title}</h1>
<article class="page-content">
${content | n}
</article>
% if note:
<p class="hint">${note}</p>
% endif
</main>
</body>
</html>
