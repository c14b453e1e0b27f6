// Köprü's only script besides htmx. Pages carry no inline script (the content
// security policy forbids it), so behaviour is bound here by data attributes.
document.addEventListener("click", function (e) {
  var t = e.target.closest && e.target.closest("[data-print]");
  if (t) { e.preventDefault(); window.print(); }
});
// A form preview never submits.
document.addEventListener("submit", function (e) {
  if (e.target.hasAttribute && e.target.hasAttribute("data-no-submit")) { e.preventDefault(); }
});
