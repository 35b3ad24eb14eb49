// screenpop admin: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // After a failed submit, put the cursor on the first field in error.
    var bad = document.querySelector('[aria-invalid="true"]');
    if (bad) { bad.focus(); }
  });
  // Forms that destroy something ask first.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  }, true);
})();
