// Follows an unfinished job on its page: re-reads the page itself every second and swaps the
// job's section, so the status, start time, progress and messages shown are always the
// server's (in the page's language and local time), never a stale label over a moving bar.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") return;
  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job");
    var current = document.getElementById("job");
    if (!fresh || !current) return false;
    current.replaceWith(fresh);
    return fresh.dataset.finished === "true";
  }
  function poll() {
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (!html || !swap(html)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
