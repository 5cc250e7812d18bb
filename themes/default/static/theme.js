// flatwiki: the reader's light/dark choice, kept in this browser. Without this script the
// page follows the system's preference (prefers-color-scheme in wiki.css).
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "flatwiki-theme";
  var stored = null;
  try { stored = window.localStorage.getItem(KEY); } catch (e) { /* storage refused: follow the system */ }
  if (stored === "dark" || stored === "light") { root.setAttribute("data-theme", stored); }

  function dark() {
    var chosen = root.getAttribute("data-theme");
    if (chosen) { return chosen === "dark"; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".theme-toggle");
    if (!button) { return; }
    function show() {
      button.setAttribute("aria-pressed", dark() ? "true" : "false");
      button.textContent = dark() ? "Light" : "Dark";
    }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem(KEY, next); } catch (e) { /* kept for this page only */ }
      show();
    });
  });
}());
