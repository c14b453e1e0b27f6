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
// Under 600 px tables become stacked cards (app.css); each cell then shows the
// name of its column, copied here from the table's header row.
function labelCells(root) {
  root.querySelectorAll("table:not(.grid)").forEach(function (table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) { return; }
    var names = [];
    Array.prototype.forEach.call(head.cells, function (c) {
      for (var i = 0; i < (c.colSpan || 1); i++) { names.push(c.textContent.trim()); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (names[col] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", names[col]); }
          col += cell.colSpan || 1;
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
document.addEventListener("htmx:load", function (e) { labelCells(e.target); });
