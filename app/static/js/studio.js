// Video studio pages: follow an asset's processing, and add clip/caption rows in the editor.
(function () {
  "use strict";
  // Asset page: poll the JSON API (session cookie) while the asset is processing.
  var box = document.getElementById("asset");
  if (box && box.dataset.status === "processing") {
    var poll = function () {
      fetch(box.dataset.assetUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (asset) {
          if (asset && asset.status !== "processing") { window.location.reload(); return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
  // Editor: copy the blank row template with the next free index.
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var kind = button.dataset.addRow;
      var rows = document.getElementById(kind + "-rows");
      var template = document.getElementById(kind + "-template");
      var next = 0;
      rows.querySelectorAll("[data-index]").forEach(function (row) {
        next = Math.max(next, parseInt(row.dataset.index, 10) + 1);
      });
      var html = template.innerHTML.split("__i__").join(String(next));
      rows.insertAdjacentHTML("beforeend", html);
      var added = rows.lastElementChild;
      var legend = added.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.trim() + " " + (next + 1);
    });
  });
})();
