// flatwiki's editor, as progressive enhancement of the plain form (which works without it):
// a toolbar, keyboard shortcuts, a live preview rendered by the server beside the text (which
// also keeps the draft), a warning before leaving unsaved text, and images pasted or dropped
// into the text uploaded as attachments and linked.
(function () {
  "use strict";

  var PREVIEW_DELAY = 700; // ms after the last key: one render per pause, not per key

  // What each button writes, in Markdown and in MoinMoin's wiki markup: [before, after, placeholder].
  var MARKUP = {
    markdown: {
      bold: ["**", "**", "bold text"], italic: ["*", "*", "italic text"], heading: ["\n## ", "\n", "Heading"],
      link: ["[[", "]]", "PageName"], list: ["\n* ", "\n", "item"], code: ["`", "`", "code"],
      table: ["\n| Column | Column |\n| --- | --- |\n| ", " | |\n", "cell"],
      attachment: function (name) { return /\.(png|jpe?g|gif|webp|svg)$/i.test(name) ?
        "![" + name + "](<attachment:" + name + ">)" : "[" + name + "](<attachment:" + name + ">)"; }
    },
    wiki: {
      bold: ["'''", "'''", "bold text"], italic: ["''", "''", "italic text"], heading: ["\n== ", " ==\n", "Heading"],
      link: ["[[", "]]", "PageName"], list: ["\n * ", "\n", "item"], code: ["`", "`", "code"],
      table: ["\n||", "|| ||\n", "cell"],
      attachment: function (name) { return /\.(png|jpe?g|gif|webp|svg)$/i.test(name) ?
        "{{attachment:" + name + "}}" : "[[attachment:" + name + "]]"; }
    }
  };

  function start(form) {
    var text = form.querySelector("textarea[name=text]");
    if (!text) { return; }
    var markup = MARKUP[form.getAttribute("data-markup")] || MARKUP.markdown;
    var original = text.value;
    var submitting = false;

    // Toolbar -------------------------------------------------------------
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    [["bold", "Bold", "Ctrl+B"], ["italic", "Italic", "Ctrl+I"], ["heading", "Heading"], ["link", "Link"],
     ["list", "List"], ["code", "Code"], ["table", "Table"], ["attachment", "Image or file…"]].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b[1];
      button.setAttribute("data-format", b[0]);
      if (b[2]) { button.title = b[1] + " (" + b[2] + ")"; }
      bar.appendChild(button);
    });
    var picker = document.createElement("input");
    picker.type = "file";
    picker.multiple = true;
    picker.hidden = true;
    picker.setAttribute("aria-label", "Attach files");
    bar.appendChild(picker);
    text.parentNode.insertBefore(bar, text);

    function wrap(kind) {
      var parts = markup[kind];
      var start = text.selectionStart, end = text.selectionEnd;
      var chosen = text.value.slice(start, end) || parts[2];
      text.setRangeText(parts[0] + chosen + parts[1], start, end, "end");
      text.selectionStart = start + parts[0].length;
      text.selectionEnd = text.selectionStart + chosen.length;
      text.focus();
      changed();
    }

    function insert(snippet) {
      text.setRangeText(snippet, text.selectionStart, text.selectionEnd, "end");
      text.focus();
      changed();
    }

    bar.addEventListener("click", function (event) {
      var kind = event.target.getAttribute && event.target.getAttribute("data-format");
      if (!kind) { return; }
      if (kind === "attachment") { picker.click(); } else { wrap(kind); }
    });
    picker.addEventListener("change", function () { upload(picker.files); picker.value = ""; });

    // Live preview, which also keeps the draft ----------------------------
    var pane = document.createElement("section");
    pane.className = "live-preview page-content";
    pane.setAttribute("aria-label", "Preview");
    pane.setAttribute("aria-live", "polite");
    var status = document.createElement("p");
    status.className = "editor-status hint";
    status.setAttribute("role", "status");
    form.classList.add("with-preview");
    text.parentNode.insertBefore(pane, text.nextSibling);
    bar.parentNode.insertBefore(status, bar);
    var timer = null, sent = null;
    var uploadsTold = 0; // how often an upload wrote the status: a preview sent before must not overwrite it

    function preview(first) {
      timer = null;
      if (text.value === sent) { return; }
      var data = new URLSearchParams(new FormData(form)); // the form's own encoding, as the server expects
      data.set("action", "preview");
      data.set("fragment", "1");
      if (first === true) { data.set("keep_draft", "0"); } // the text as loaded: no draft to keep (or lose)
      sent = text.value;
      var told = uploadsTold;
      // (form.action would be the buttons named "action": the attribute is the address)
      fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
        return response.text();
      }).then(function (html) {
        pane.innerHTML = html; // rendered and sanitised by the server
        if (told === uploadsTold) { status.textContent = text.value === original ? "" : "Draft kept (not saved yet)."; }
      }).catch(function (error) {
        sent = null;
        if (told === uploadsTold) { status.textContent = "Preview failed (" + error.message + "); the text is still here."; }
      });
    }

    function changed() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(preview, PREVIEW_DELAY);
    }

    text.addEventListener("input", changed);
    preview(true);

    // Keys ----------------------------------------------------------------
    function press(name) {
      var button = form.querySelector("button[name=action][value=" + name + "]");
      if (button) { button.click(); }
    }
    text.addEventListener("keydown", function (event) {
      var mod = event.ctrlKey || event.metaKey;
      if (!mod) { return; }
      var key = event.key.toLowerCase();
      if (key === "s") { event.preventDefault(); press("save"); }
      else if (key === "enter") { event.preventDefault(); if (timer) { clearTimeout(timer); } sent = null; preview(); }
      else if (key === "b") { event.preventDefault(); wrap("bold"); }
      else if (key === "i") { event.preventDefault(); wrap("italic"); }
    });

    // Leaving with unsaved text ---------------------------------------------
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && text.value !== original) { event.preventDefault(); event.returnValue = ""; }
    });

    // Images pasted or dropped: attached to the page, then linked -----------------
    function upload(files) {
      uploadsTold += 1;
      if (form.getAttribute("data-new") === "1") {
        status.textContent = "Save the page once, then add images and files: they are attached to a page that exists.";
        return;
      }
      Array.prototype.forEach.call(files, function (file) {
        var name = file.name && file.name !== "image.png" ? file.name :
          "pasted-" + new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14) + "." +
          ((file.type.split("/")[1] || "png").replace("jpeg", "jpg"));
        var data = new FormData();
        data.set("csrf_token", form.querySelector("input[name=csrf_token]").value);
        data.set("file", file, name);
        status.textContent = "Uploading " + name + "…";
        fetch(form.getAttribute("data-attachments"), {
          method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
        }).then(function (response) {
          if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
          return response.json();
        }).then(function (answer) { // the stored name: it may differ from the file's
          insert(markup.attachment(answer.name));
          status.textContent = "Attached " + answer.name + ".";
        }).catch(function (error) {
            status.textContent = "Could not attach " + name + " (" + error.message + ").";
          });
      });
    }
    text.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (files && files.length) { event.preventDefault(); upload(files); }
    });
    text.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
      }
    });
    text.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) { event.preventDefault(); upload(files); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.editor"), start);
  });
}());
