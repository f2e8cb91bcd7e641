// Menu groups (<details> in base.html) work without this file; it only tidies them up:
// one group open at a time, and a click elsewhere or Escape closes them.
(function () {
  "use strict";
  const groups = Array.from(document.querySelectorAll("details.nav-group"));
  if (!groups.length) return;
  const closeAll = function (except) {
    groups.forEach(function (group) {
      if (group !== except && group.open) group.open = false;
    });
  };
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (group.open) closeAll(group);
    });
  });
  document.addEventListener("click", function (event) {
    if (!groups.some(function (group) { return group.contains(event.target); })) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = groups.find(function (group) { return group.open; });
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    }
  });
})();
