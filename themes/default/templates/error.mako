<%inherit file="layout.mako"/>
<h1>${title}</h1>
<p class="notice error" role="alert">${message}</p>
% if sign_in:
<p><a href="${url('login', next=request_path)}">Sign in</a> to go on.</p>
% endif
<p><a href="${url('front_page')}">Go to the front page</a> or use the search box above.</p>
