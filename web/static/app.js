// screenpop admin: progressive enhancement only; every page works without it.
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  // A field form shows only what applies to the chosen type: length for
  // strings and numbers, masking for strings and numbers, items for
  // dictionaries.
  function initFieldForm(form) {
    var type = form.querySelector('[data-role="type"]');
    if (!type) { return; }
    function sync() {
      var t = type.value;
      form.querySelectorAll('[data-show]').forEach(function (el) {
        var what = el.getAttribute("data-show");
        var show = (what === "length" || what === "mask") ? (t === "1" || t === "2") : (what === "dict" && t === "5");
        el.hidden = !show;
      });
    }
    type.addEventListener("change", sync);
    sync();
  }

  // Drag and drop reordering; the new order is saved at once through the
  // API and the page shows an error (and reloads the true order) if that fails.
  function initSortable(list) {
    if (!window.Sortable) { return; }
    window.Sortable.create(list, {
      handle: ".handle",
      animation: 120,
      forceFallback: true, // pointer events: same behaviour in every browser and in tests
      onEnd: function () {
        var ids = Array.prototype.map.call(list.querySelectorAll(":scope > li[data-id]"), function (li) {
          return parseInt(li.getAttribute("data-id"), 10);
        });
        list.setAttribute("aria-busy", "true");
        fetch(list.getAttribute("data-sortable"), {
          method: "PUT",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
          body: JSON.stringify({ fieldIds: ids })
        }).then(function (resp) {
          list.removeAttribute("aria-busy");
          if (!resp.ok) { throw new Error("HTTP " + resp.status); }
          list.setAttribute("data-saved", ids.join(","));
        }).catch(function (err) {
          window.alert(err.message);
          window.location.reload();
        });
      }
    });
  }

  // The column chooser sends one cols parameter: the ticked fields in the
  // order of their numbers (unnumbered ones after, in table order).
  function initColumns(form) {
    form.addEventListener("submit", function () {
      var picked = [];
      form.querySelectorAll('input[name="col"]').forEach(function (box, i) {
        if (!box.checked) { return; }
        var pos = parseInt(form.querySelector('input[name="pos.' + box.value + '"]').value, 10);
        picked.push({ id: box.value, pos: isNaN(pos) ? 1000 + i : pos, i: i });
      });
      picked.sort(function (a, b) { return a.pos - b.pos || a.i - b.i; });
      form.querySelector('input[name="cols"]').value = picked.map(function (p) { return p.id; }).join(",");
      form.querySelectorAll('input[name="col"], input[name^="pos."]').forEach(function (x) { x.disabled = true; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-columns]").forEach(initColumns);
    document.querySelectorAll("[data-fieldform]").forEach(initFieldForm);
    document.querySelectorAll("[data-sortable]").forEach(initSortable);
    // After a failed submit, put the cursor on the first field in error.
    var bad = document.querySelector('[aria-invalid="true"]');
    if (bad) {
      var details = bad.closest("details");
      if (details) { details.open = true; }
      bad.focus();
    }
  });

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  }, true);

  // While a form is on its way the button that sent it spins and cannot
  // be pressed twice. Disabled only after this event: a disabled submitter
  // would drop its name and value from the form data.
  document.addEventListener("submit", function (ev) {
    if (ev.defaultPrevented || ev.target.target === "_blank") { return; }
    var btn = ev.submitter || ev.target.querySelector("button[type=submit], button:not([type])");
    if (!btn) { return; }
    btn.setAttribute("aria-busy", "true");
    setTimeout(function () { btn.disabled = true; }, 0);
  });
  // Coming back with the browser's back button shows the page as it was:
  // undo the busy state.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll('button[aria-busy="true"]').forEach(function (b) { b.removeAttribute("aria-busy"); b.disabled = false; });
  });

  // A success message is a toast: it fades after a few seconds, and a
  // click dismisses it. Errors stay where they are, beside the form.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".toast").forEach(function (t) {
      var hide = function () { t.classList.add("gone"); };
      t.addEventListener("click", hide);
      setTimeout(hide, 6000);
    });
  });
})();
