// The imports page: drag and drop, upload progress, then the job's progress
// polled from the JSON API until it ends. Without this script the form
// still posts and the history shows the result after a reload.
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  function text(el, s) { if (el) { el.textContent = s; } }

  function initDropzone(zone) {
    var input = zone.querySelector('input[type=file]');
    var label = zone.querySelector('[data-drop-label]');
    var base = label ? label.textContent : "";
    if (label) { label.setAttribute("data-base", base); }
    var warning = zone.parentNode.querySelector("[data-masked-warning]");
    function show() {
      var name = input.files.length ? input.files[0].name : "";
      text(label, name || base);
      if (warning) { warning.hidden = !maskedExportName(name); }
    }
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) {
        input.files = ev.dataTransfer.files;
        show();
      }
    });
    input.addEventListener("change", show);
  }

  // maskedExportName reports whether a file is named as our exports
  // without reveal are ("客户_已脱敏.csv", "customers_masked.xlsx"): its
  // masked values will not be imported.
  function maskedExportName(name) {
    return /_(已脱敏|masked)[^.]*\.(csv|xlsx)$/i.test(name);
  }

  function rowsText(form, done, total) {
    return form.getAttribute("data-msg-rows").replace("111", String(done)).replace("222", String(total));
  }

  function statusText(form, status) {
    return form.getAttribute("data-status-" + status) || status;
  }

  // localTime writes a time the way the server writes the history's rows
  // (2006-01-02 15:04), in the browser's time zone, so rows added while
  // polling read like the others.
  function localTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) { return ""; }
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  document.querySelectorAll("time[data-local]").forEach(function (t) {
    var s = localTime(t.getAttribute("datetime"));
    if (s) { t.textContent = s; }
  });

  // jobRow finds or makes the history row of a job.
  function jobRow(form, job) {
    var body = document.querySelector("[data-jobs]");
    var row = body.querySelector('tr[data-job="' + job.id + '"]');
    if (row) { return row; }
    var empty = body.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    row = document.createElement("tr");
    row.setAttribute("data-job", job.id);
    row.setAttribute("data-testid", "job-" + job.id);
    var cells = [["file"], ["status"], ["progress"], ["inserted"], ["updated"], ["unchanged"], ["rejected"], ["duplicates"], ["masked"], ["created"], ["actions"]];
    cells.forEach(function (c) {
      var td = document.createElement("td");
      td.setAttribute("data-field", c[0]);
      row.appendChild(td);
    });
    text(row.querySelector('[data-field="file"]'), job.sheet ? job.fileName + " · " + job.sheet : job.fileName);
    var prog = row.querySelector('[data-field="progress"]');
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0; bar.setAttribute("data-field", "bar");
    var rows = document.createElement("span");
    rows.className = "muted"; rows.setAttribute("data-field", "rows");
    prog.appendChild(bar); prog.appendChild(document.createTextNode(" ")); prog.appendChild(rows);
    text(row.querySelector('[data-field="created"]'), localTime(job.createdAt));
    body.insertBefore(row, body.firstChild);
    return row;
  }

  function render(form, job) {
    var row = jobRow(form, job);
    row.setAttribute("data-status", job.status);
    var st = row.querySelector('[data-field="status"]');
    text(st, statusText(form, job.status));
    if (job.error) {
      var e = document.createElement("div");
      e.className = "field-error";
      e.textContent = job.error;
      st.appendChild(e);
    }
    if (job.exampleSkipped) { st.appendChild(exampleNote(form, "div")); }
    var bar = row.querySelector('[data-field="bar"]');
    if (bar) {
      if (job.status === "running" && !job.totalRows) { bar.removeAttribute("value"); } else { bar.value = job.percent; }
    }
    text(row.querySelector('[data-field="rows"]'), job.status === "running" && !job.totalRows ?
      form.getAttribute("data-msg-reading") : rowsText(form, job.rowsDone, job.totalRows));
    ["inserted", "updated", "unchanged", "rejected", "duplicates", "masked"].forEach(function (k) {
      text(row.querySelector('[data-field="' + k + '"]'), String(job[k]));
    });
    var actions = row.querySelector('[data-field="actions"]');
    if (job.status === "done" || job.status === "failed" || job.status === "cancelled") {
      actions.textContent = "";
      if (job.reportUrl) {
        var view = document.createElement("a");
        view.href = "/admin/data/" + job.tableId + "/imports/" + job.id;
        view.setAttribute("data-testid", "view-errors");
        view.textContent = form.getAttribute("data-label-view-errors");
        actions.appendChild(view);
        actions.appendChild(document.createTextNode(" · "));
        var a = document.createElement("a");
        a.href = "/admin/data/" + job.tableId + "/imports/" + job.id + "/report";
        a.setAttribute("data-testid", "report");
        a.textContent = form.getAttribute("data-label-report");
        actions.appendChild(a);
      }
    }
  }

  // poll follows a job until it ends.
  function poll(form, tableID, jobID) {
    fetch("/api/v1/tables/" + tableID + "/imports/" + jobID, {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.json();
    }).then(function (job) {
      render(form, job);
      if (job.status === "queued" || job.status === "running") {
        window.setTimeout(function () { poll(form, tableID, jobID); }, 700);
      }
    }).catch(function () {
      window.setTimeout(function () { poll(form, tableID, jobID); }, 3000);
    });
  }

  function showError(box, problem) {
    box.textContent = "";
    var lines = [problem.detail || problem.title || ""];
    (problem.errors || []).forEach(function (e) { if (e.message && lines.indexOf(e.message) < 0) { lines.push(e.message); } });
    lines.forEach(function (l) {
      var div = document.createElement("div");
      div.textContent = l;
      box.appendChild(div);
    });
    box.hidden = false;
  }

  // exampleNote says the template's example row was skipped.
  function exampleNote(form, tag) {
    var ex = document.createElement(tag);
    ex.className = "muted";
    ex.setAttribute("data-testid", "example-skipped");
    ex.textContent = form.getAttribute("data-msg-example-skipped");
    return ex;
  }

  function showDryRun(form, holder, dry) {
    holder.textContent = "";
    var h = document.createElement("p");
    h.setAttribute("data-testid", "dry-counts");
    h.textContent = dry.totalRows + " / " + dry.good + " / " + dry.rejected + " / " + dry.duplicates;
    holder.appendChild(h);
    if (dry.exampleSkipped) { holder.appendChild(exampleNote(form, "p")); }
    if (dry.sheets && dry.sheets.length > 1) {
      var sh = document.createElement("p");
      sh.setAttribute("data-testid", "dry-sheet");
      sh.textContent = dry.sheet + " (" + dry.sheets.join(", ") + ")";
      holder.appendChild(sh);
    }
    var table = document.createElement("table");
    table.className = "list issues";
    (dry.preview || []).forEach(function (r) {
      var tr = document.createElement("tr");
      r.fields.forEach(function (f) {
        var td = document.createElement("td");
        td.textContent = f.value;
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    holder.appendChild(table);
    var issues = document.createElement("table");
    issues.className = "list issues";
    issues.setAttribute("data-testid", "dry-issues");
    (dry.issues || []).forEach(function (is) {
      var tr = document.createElement("tr");
      [String(is.line), is.column || "", is.message].forEach(function (s) {
        var td = document.createElement("td");
        td.textContent = s;
        tr.appendChild(td);
      });
      issues.appendChild(tr);
    });
    if (!(dry.issues || []).length) {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = form.getAttribute("data-msg-no-errors");
      holder.appendChild(p);
    }
    holder.appendChild(issues);
  }

  function initForm(form) {
    var tableID = form.getAttribute("data-table");
    var limit = parseInt(form.getAttribute("data-limit"), 10) * 1024 * 1024;
    var status = document.querySelector("[data-upload-status]");
    var errors = document.querySelector("[data-upload-error]");
    var dryHolder = document.querySelector("[data-dry-result]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var input = form.querySelector('input[type=file]');
      errors.hidden = true;
      if (!input.files.length) { return; }
      if (input.files[0].size > limit) {
        showError(errors, { detail: form.getAttribute("data-msg-too-large") });
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action").split("?")[0]);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { text(status, form.getAttribute("data-msg-uploading") + " " + Math.round(e.loaded * 100 / e.total) + "%"); }
      });
      xhr.addEventListener("load", function () {
        text(status, "");
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = { detail: "HTTP " + xhr.status }; }
        if (xhr.status >= 400) { showError(errors, body); return; }
        if (body.dryRun) { showDryRun(form, dryHolder, body.dryRun); return; }
        if (body.job) {
          dryHolder.textContent = "";
          render(form, body.job);
          poll(form, tableID, body.job.id);
          form.reset();
          var label = form.querySelector("[data-drop-label]");
          if (label) { label.textContent = label.getAttribute("data-base") || label.textContent; }
        }
      });
      xhr.addEventListener("error", function () { text(status, ""); showError(errors, { detail: "network error" }); });
      text(status, form.getAttribute("data-msg-uploading"));
      xhr.send(new FormData(form));
    });
    // Jobs still running when the page was loaded are followed too.
    document.querySelectorAll('tr[data-job][data-status="queued"], tr[data-job][data-status="running"]').forEach(function (row) {
      poll(form, tableID, row.getAttribute("data-job"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dropzone]").forEach(initDropzone);
    document.querySelectorAll("[data-imports]").forEach(initForm);
  });
})();
