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
  var since = desk.dataset.since || "";  // when the last read began: rows changed after it come back
  var busy = false;
  var WAIT = 20;  // seconds the server may hold a feed read (it answers sooner with news)
  var RETRY = 2000;  // after a failed read
  var FIGURES = 2000;  // the figures come with a read at most this often
  var figuresAt = 0;
  var stale = false;  // rows changed since the figures shown were read

  function rowsFrom(html) {
    var box = document.createElement("ul");
    box.innerHTML = html;
    return Array.prototype.slice.call(box.children);
  }
  function redraw(old, row) {
    // A notice this desk was given about the row (confirmed by someone else) stays with it.
    var notice = old.querySelector('[data-testid="desk-notice"]');
    if (notice && !row.querySelector('[data-testid="desk-notice"]')) row.appendChild(notice);
    old.replaceWith(row);
  }
  function poll() {
    if (busy) return setTimeout(poll, 250);
    var retry = 0;
    var sinceFigures = Date.now() - figuresAt;
    var figures = sinceFigures >= FIGURES;
    // News came without the figures: fetch them at once when due, or come back when they are.
    var wait = !stale ? WAIT : figures ? 0 : Math.max(0.1, (FIGURES - sinceFigures) / 1000);
    if (figures) figuresAt = Date.now();
    var url = desk.dataset.feedUrl + "?after=" + last + "&wait=" + wait + (figures ? "" : "&figures=0")
      + (since ? "&since=" + encodeURIComponent(since) : "");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var news = rowsFrom(data.rows);
        news.forEach(function (row) {
          var old = document.getElementById(row.id);
          if (old) redraw(old, row); else list.insertBefore(row, list.firstChild);
        });
        // Rows already shown that someone changed (taken, confirmed, a hold released): redrawn
        // in place; rows this desk no longer shows are left out.
        var changed = rowsFrom(data.changed || "");
        changed.forEach(function (row) {
          var old = document.getElementById(row.id);
          if (old) redraw(old, row);
        });
        last = Math.max(last, data.last);
        since = data.since || since;
        if (data.figures !== undefined) {
          document.getElementById("desk-figures").innerHTML = data.figures;
          stale = false;
        } else if (news.length || changed.length) {
          stale = true;
        }
        if (data.captures !== undefined) document.getElementById("desk-captures-list").innerHTML = data.captures;
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
          (document.getElementById(row.id) || row).replaceWith(fresh);  // a read may have redrawn it
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
