<%page args="row"/>\
## One changed line: inside its <ins> or <del>, the words that changed are marked.
% if row.get('parts'):
% for text, changed in row['parts']:
% if changed:
<mark class="word">${text}</mark>\
% else:
${text}\
% endif
% endfor
% else:
${row['text']}\
% endif
