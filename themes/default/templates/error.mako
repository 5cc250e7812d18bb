<%inherit file="layout.mako"/>
<h1>${title}</h1>
<p class="notice error" role="alert">${message}</p>
<p><a href="${url('front_page')}">Go to the front page</a> or use the search box above.</p>
