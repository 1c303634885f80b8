// Small behaviours that need no inline script (the pages run under a strict CSP).
document.addEventListener("click", function (e) {
  var el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});

// The phone menu: on a narrow screen the navigation and the account links fold behind
// the 菜单 button of the header (duban.css hides .topmenu until .top has .open).
document.addEventListener("click", function (e) {
  var button = e.target.closest(".menu-toggle");
  if (!button) return;
  var top = button.closest(".top");
  var open = top.classList.toggle("open");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});
document.addEventListener("keydown", function (e) {
  if (e.key !== "Escape") return;
  var top = document.querySelector(".top.open");
  if (!top) return;
  top.classList.remove("open");
  var button = top.querySelector(".menu-toggle");
  button.setAttribute("aria-expanded", "false");
  button.focus();
});

// Tables as cards on a phone: every cell of a .grid table says which column it is in
// (data-label, shown before the value by duban.css), taken from the table's header
// when the template did not write one. Runs on the page and on every htmx swap.
(function () {
  "use strict";

  function headerLabels(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) return null;
    var labels = [];
    var cells = head.rows[head.rows.length - 1].cells;
    for (var i = 0; i < cells.length; i++) {
      var text = (cells[i].getAttribute("aria-label") || cells[i].textContent || "").replace(/\s+/g, " ").trim();
      for (var n = 0; n < (cells[i].colSpan || 1); n++) labels.push(text);
    }
    return labels;
  }

  function label(root) {
    var tables = (root || document).querySelectorAll("table.grid");
    for (var t = 0; t < tables.length; t++) {
      var labels = headerLabels(tables[t]);
      if (!labels) continue;
      var bodies = tables[t].tBodies;
      for (var b = 0; b < bodies.length; b++) {
        var rows = bodies[b].rows;
        for (var r = 0; r < rows.length; r++) {
          var col = 0;
          var cells = rows[r].cells;
          for (var c = 0; c < cells.length; c++) {
            var cell = cells[c];
            if (!cell.hasAttribute("data-label") && labels[col] && cells.length > 1) {
              cell.setAttribute("data-label", labels[col]);
            }
            col += cell.colSpan || 1;
          }
        }
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { label(document); });
  } else {
    label(document);
  }
  document.addEventListener("htmx:load", function (e) { label(e.target.closest("table") ? e.target.closest("table").parentNode : e.target); });
})();
