## The "sidebar" theme: the default layout with every slot it keeps, and a stylesheet of its own
## that sets the header down the left as a sidebar. Nothing else is copied (see docs/themes.md).
<%inherit file="/default/templates/layout.mako"/>
<%def name="theme_head()"><link rel="stylesheet" href="${static('sidebar.css')}"></%def>
${next.body() | n}
