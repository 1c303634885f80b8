// Small behaviours that need no inline script (the pages run under a strict CSP).
document.addEventListener("click", function (e) {
  var el = e.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    e.preventDefault();
  }
});
