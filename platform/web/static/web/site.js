/* LAPOR! Federation: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // An error summary takes focus, so a screen reader announces what must be fixed.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();

    // "Copy link" on the submission page.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (!source) return;
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          var note = document.querySelector("[data-copied]");
          if (note) note.hidden = false;
        });
      });
    });

    // Keyboard shortcuts of the console lists: j/k move, Enter opens, x selects, / searches.
    var list = document.querySelector("[data-keyboard-list]");
    var rows = list ? Array.prototype.slice.call(list.querySelectorAll("tbody tr")) : [];
    var current = -1;

    function select(index) {
      if (!rows.length) return;
      if (current >= 0) rows[current].classList.remove("selected");
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows[current].classList.add("selected");
      var link = rows[current].querySelector("a");
      if (link) link.focus();
    }

    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/") {
        var search = document.querySelector("[data-shortcut='/']");
        if (search) { event.preventDefault(); search.focus(); }
      } else if (rows.length && event.key === "j") {
        select(current + 1);
      } else if (rows.length && event.key === "k") {
        select(current - 1);
      } else if (rows.length && event.key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        if (box) box.checked = !box.checked;
      }
    });
  });
})();
