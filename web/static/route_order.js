// Outbound routes page: drag a row to reorder; "Save this order" sends the rows' order
// (each row holds a hidden route input of that form). The up/down buttons work without this.
(function () {
  const body = document.getElementById("routes");
  if (!body) return;
  let dragged = null;
  body.addEventListener("dragstart", (e) => { dragged = e.target.closest("tr"); });
  body.addEventListener("dragover", (e) => {
    e.preventDefault();
    const row = e.target.closest("tr");
    if (dragged && row && row !== dragged) {
      const after = e.clientY > row.getBoundingClientRect().top + row.offsetHeight / 2;
      row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
    }
  });
  body.addEventListener("drop", (e) => { e.preventDefault(); dragged = null; });
})();
