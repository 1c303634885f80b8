// Warn before leaving a page whose form holds text that was not saved.
// A form opts in with data-unsaved-warning; typing in it marks it dirty (data-dirty,
// which the server also sets when it shows a form back with input it did not save),
// and submitting it clears the mark. Uploads done in place (htmx) leave the page, and
// the mark, alone. No inline script: the pages run under a strict CSP.
(function () {
  "use strict";
  function watched(el) {
    return el && el.closest ? el.closest("form[data-unsaved-warning]") : null;
  }
  function markDirty(e) {
    var form = watched(e.target);
    if (form) form.setAttribute("data-dirty", "");
  }
  document.addEventListener("input", markDirty, true);
  document.addEventListener("change", markDirty, true);
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.matches && form.matches("form[data-unsaved-warning]")) {
      // Leaving through this form's own submission saves what it holds.
      form.removeAttribute("data-dirty");
    }
  });
  window.addEventListener("beforeunload", function (e) {
    if (document.querySelector("form[data-unsaved-warning][data-dirty]")) {
      e.preventDefault();
      e.returnValue = "";  // older browsers show the prompt only when this is set
      return "";
    }
  });
})();
