## The page alone, for paper: no header, no actions.
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<title>${title} — ${site_name}</title>
<link rel="stylesheet" href="${static('wiki.css')}">
<link rel="stylesheet" href="${static('pygments.css')}">
</head>
<body class="print">
<main class="content">
<h1 class="page-title">${page}</h1>
<article class="page-content">
${content}
</article>
<p class="printed-from">${site_name}: ${address} — revision ${revision}\
% if entry:
, ${entry.time.strftime('%Y-%m-%d %H:%M')} UTC\
% endif
</p>
</main>
</body>
</html>
