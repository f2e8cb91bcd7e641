// Follows a job's progress on its page by polling the JSON API (session cookie).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") return;
  var url = box.dataset.jobUrl;
  var finished = ["succeeded", "failed", "cancelled"];
  function render(job) {
    document.getElementById("job-progress").value = job.progress;
    document.getElementById("job-percent").textContent = job.progress + "%";
    document.getElementById("job-message").textContent = job.message;
    var badge = document.querySelector("#job-status .badge");
    if (badge && badge.dataset.status !== job.status) {
      // The label text comes from the server on reload; the status code is enough to style it.
      badge.dataset.status = job.status;
      badge.className = "badge status-" + job.status;
    }
    var error = document.getElementById("job-error");
    if (job.error) { error.textContent = job.error; error.hidden = false; }
    if (finished.indexOf(job.status) >= 0) {
      window.location.reload();
      return true;
    }
    return false;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) { if (!job || !render(job)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
