// The live selling desk: new comments come in as soon as they are stored (rendered by the server
// in the page's language): the feed is a long poll that answers when there is something new or
// after WAIT seconds, and is asked again at once. Actions are posted in place, keys move and
// act. Without JavaScript the same forms post and the page reloads.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  if (!desk) return;
  var list = document.getElementById("desk-list");
  var texts = JSON.parse(document.getElementById("desk-texts").textContent);
  var status = document.querySelector('[data-testid="desk-connection"]');
  var last = parseInt(desk.dataset.last || "0", 10);
  var busy = false;
  var WAIT = 20;  // seconds the server may hold a feed read (it answers sooner with news)
  var RETRY = 2000;  // after a failed read
  var FIGURES = 2000;  // the figures come with a read at most this often
  var figuresAt = 0;

  function rowsFrom(html) {
    var box = document.createElement("ul");
    box.innerHTML = html;
    return Array.prototype.slice.call(box.children);
  }
  function poll() {
    if (busy) return setTimeout(poll, 250);
    var retry = 0;
    var figures = Date.now() - figuresAt >= FIGURES;
    if (figures) figuresAt = Date.now();
    fetch(desk.dataset.feedUrl + "?after=" + last + "&wait=" + WAIT + (figures ? "" : "&figures=0"), {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        rowsFrom(data.rows).forEach(function (row) {
          var old = document.getElementById(row.id);
          if (old) old.replaceWith(row); else list.insertBefore(row, list.firstChild);
        });
        last = Math.max(last, data.last);
        if (data.figures !== undefined) document.getElementById("desk-figures").innerHTML = data.figures;
        var empty = document.querySelector('[data-testid="desk-empty"]');
        if (empty && list.children.length) empty.remove();
        status.textContent = texts.watching;
      })
      .catch(function () { status.textContent = texts.offline; retry = RETRY; })
      .then(function () { setTimeout(poll, retry); });
  }
  function act(form) {
    busy = true;
    var row = form.closest(".desk-row");
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
      .then(function (answer) {
        if (answer.data.row) {
          var fresh = rowsFrom(answer.data.row)[0];
          row.replaceWith(fresh);
          fresh.focus();
        } else if (answer.data.error) {
          var note = document.createElement("p");
          note.className = "error-text";
          note.setAttribute("role", "alert");
          note.textContent = answer.data.error;
          row.appendChild(note);
        }
      })
      .catch(function () { form.submit(); })
      .then(function () { busy = false; });
  }
  desk.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset.deskAction) return;
    event.preventDefault();
    act(form);
  });
  desk.addEventListener("keydown", function (event) {
    var row = document.activeElement && document.activeElement.closest(".desk-row");
    if (event.target.tagName === "TEXTAREA" || event.target.tagName === "INPUT") return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var next = row ? (event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling) : list.firstElementChild;
      if (next) { next.focus(); event.preventDefault(); }
    } else if (row && (event.key === "Enter" || event.key === "x" || event.key === "X")) {
      var form = row.querySelector('form[data-desk-action="' + (event.key === "Enter" ? "confirm" : "dismiss") + '"]');
      if (form) { event.preventDefault(); act(form); }
    }
  });
  setTimeout(poll, 0);
})();
