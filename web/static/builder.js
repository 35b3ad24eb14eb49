// screenpop page builder: objects of base-table fields, arranged by drag and
// drop, saved as the draft through the REST API after every change, with a
// live preview rendered by the real server-side renderer.
(function () {
  "use strict";

  function readJSON(id) { return JSON.parse(document.getElementById(id).textContent); }

  var state = readJSON("page-state");      // {definition, revision, pageId}
  var catalog = readJSON("page-catalog");  // [{id, name, fields:[{id,name,type,masked,index}]}]
  var T = readJSON("page-texts");
  var interfaces = document.getElementById("page-interfaces") ? readJSON("page-interfaces") : []; // [{id, name, description}]
  var def = state.definition;
  var root = document.querySelector(".builder");
  var objectsEl = document.getElementById("objects");
  var statusEl = document.getElementById("save-status");
  var errorEl = document.getElementById("builder-error");
  var preview = document.getElementById("preview");
  var sample = document.getElementById("sample");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else { e.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }
  function tableById(id) { return catalog.filter(function (t) { return t.id === id; })[0]; }

  // --- page settings --------------------------------------------------------
  var settings = document.getElementById("page-settings");
  settings.querySelector('input[name=layout][value="' + (def.layout || "block") + '"]').checked = true;
  settings.querySelector("select[name=columns]").value = String(def.columns || 2);
  settings.querySelector("select[name=source]").value = def.source || "internal";
  // External pages: one interface granted to the tenant instead of objects.
  var ifaceSelect = settings.querySelector("select[name=externalInterfaceId]");
  interfaces.forEach(function (x) {
    ifaceSelect.appendChild(el("option", { value: String(x.id), text: x.name + (x.description ? " · " + x.description : "") }));
  });
  ifaceSelect.value = String(def.externalInterfaceId || 0);
  if (ifaceSelect.value === "") { ifaceSelect.value = "0"; }
  function isExternal() { return settings.querySelector("select[name=source]").value === "external"; }
  function applySource() {
    var ext = isExternal();
    document.getElementById("interface-field").hidden = !ext;
    document.getElementById("no-interfaces").hidden = !ext || interfaces.length > 0;
    // The objects give way to a note; the save status and errors stay.
    objectsEl.hidden = ext;
    document.getElementById("add-object").hidden = ext;
    document.getElementById("rules-help").hidden = ext;
    document.getElementById("external-note").hidden = !ext;
    document.getElementById("actions-panel").hidden = ext;
    var noTables = document.getElementById("no-tables");
    if (noTables) { noTables.hidden = ext; }
  }
  settings.addEventListener("change", function () { applySource(); changed(); });
  applySource();

  // --- objects ----------------------------------------------------------------
  function fieldItem(f, of, objIndex) {
    // f: catalog field (null for computed); of: the object field settings
    of = of || {};
    var computed = !f;
    var li = el("li", { "class": "pf" + (computed ? " computed" : ""), "data-field-id": computed ? "0" : String(f.id) }, [
      el("span", { "class": "n", text: computed ? (of.label || "ƒ") : f.name }),
      computed ? null : el("span", { "class": "t", text: T["type." + f.type] + (f.masked ? " · ***" : "") }),
      el("button", { type: "button", "class": "cfg small", text: "⚙", title: T["ui.edit"] })
    ]);
    var opts = el("div", { "class": "opts" });
    function opt(name, label, value) {
      var input = el("input", { "data-opt": name, autocomplete: "off", spellcheck: "false" });
      input.value = value || "";
      opts.appendChild(el("label", {}, [document.createTextNode(label), input]));
    }
    opt("label", T["pages.label"], of.label);
    if (computed) { opt("computed", T["pages.computed"], of.computed); }
    opt("visible", T["pages.visible"], of.visible);
    opt("highlight", T["pages.highlight"], of.highlight);
    opt("badge", T["pages.badge"], of.badge);
    if (!computed) {
      // A phone number gets a call button; unset, only the index field does.
      var phone = el("select", { "data-opt": "phone" }, [
        el("option", { value: "", text: T["pages.phone_default"] }),
        el("option", { value: "true", text: T["pages.phone_yes"] }),
        el("option", { value: "false", text: T["pages.phone_no"] })
      ]);
      phone.value = of.phone === true ? "true" : of.phone === false ? "false" : "";
      opts.appendChild(el("label", {}, [document.createTextNode(T["pages.phone"]), phone]));
      opt("dialDesc", T["pages.dial_desc"], of.dialDesc);
    }
    opts.appendChild(el("button", { type: "button", "class": "small danger remove", text: T["ui.delete"] }));
    li.appendChild(opts);
    if (computed) { li.classList.add("open"); }
    return li;
  }

  function objectCard(o, i) {
    var card = el("div", { "class": "objcard", "data-index": String(i), "data-testid": "object-" + i });
    var name = el("input", { "data-k": "name", "data-path": "objects[" + i + "].name", autocomplete: "off" });
    name.value = o.name || "";
    var table = el("select", { "data-k": "tableId", "data-path": "objects[" + i + "].tableId" }, [el("option", { value: "0", text: "—" })]);
    catalog.forEach(function (t) { table.appendChild(el("option", { value: String(t.id), text: t.name })); });
    table.value = String(o.tableId || 0);
    var lookup = el("input", { "data-k": "lookupKey", "data-path": "objects[" + i + "].lookupKey", list: "lookup-keys", autocomplete: "off" });
    lookup.value = o.lookupKey || "customer";
    card.appendChild(el("div", { "class": "objhead" }, [
      el("label", {}, [document.createTextNode(T["pages.object_name"]), name]),
      el("label", {}, [document.createTextNode(T["pages.object_table"]), table]),
      el("label", {}, [document.createTextNode(T["pages.lookup"]), lookup]),
      el("button", { type: "button", "class": "small danger remove-object", text: T["pages.remove_object"] })
    ]));
    var available = el("ul", { "class": "pf-list available", "data-testid": "available-" + i });
    var chosen = el("ul", { "class": "pf-list chosen", "data-path": "objects[" + i + "].fields", "data-testid": "chosen-" + i });
    var t = tableById(o.tableId);
    var used = {};
    (o.fields || []).forEach(function (of) {
      if (!of.fieldId) { chosen.appendChild(fieldItem(null, of, i)); return; }
      var f = t && t.fields.filter(function (x) { return x.id === of.fieldId; })[0];
      if (f) { used[f.id] = true; chosen.appendChild(fieldItem(f, of, i)); }
    });
    if (t) { t.fields.forEach(function (f) { if (!used[f.id]) { available.appendChild(fieldItem(f, null, i)); } }); }
    card.appendChild(el("div", { "class": "lists" }, [
      el("div", {}, [el("h3", { text: T["pages.available"] }), available]),
      el("div", {}, [el("h3", { text: T["pages.chosen"] }), chosen,
        el("button", { type: "button", "class": "small add-computed", text: "+ " + T["pages.add_computed"] })])
    ]));
    var vis = el("input", { "data-k": "visible", "data-path": "objects[" + i + "].visible", autocomplete: "off", spellcheck: "false" });
    vis.value = o.visible || "";
    card.appendChild(el("div", { "class": "rule" }, [el("label", {}, [document.createTextNode(T["pages.visible"]), vis])]));
    if (window.Sortable) {
      var group = "obj-" + i + "-" + (o.tableId || 0);
      [available, chosen].forEach(function (list) {
        window.Sortable.create(list, {
          group: group, animation: 120, forceFallback: true, filter: ".opts, .cfg",
          preventOnFilter: false, onSort: changed
        });
      });
    }
    return card;
  }

  function renderObjects() {
    objectsEl.innerHTML = "";
    (def.objects || []).forEach(function (o, i) { objectsEl.appendChild(objectCard(o, i)); });
  }

  // Read the whole definition back from the page.
  function collect() {
    var d = {
      layout: settings.querySelector("input[name=layout]:checked").value,
      columns: parseInt(settings.querySelector("select[name=columns]").value, 10),
      source: settings.querySelector("select[name=source]").value,
      externalInterfaceId: isExternal() ? parseInt(ifaceSelect.value, 10) || 0 : 0,
      objects: []
    };
    // An external page takes its objects from the interface; the internal
    // objects stay on screen (hidden) in case the admin switches back.
    if (isExternal()) { return d; }
    d.actions = collectActions();
    objectsEl.querySelectorAll(".objcard").forEach(function (card) {
      var o = {
        name: card.querySelector('[data-k="name"]').value,
        tableId: parseInt(card.querySelector('[data-k="tableId"]').value, 10),
        lookupKey: card.querySelector('[data-k="lookupKey"]').value,
        visible: card.querySelector('[data-k="visible"]').value,
        fields: []
      };
      card.querySelectorAll("ul.chosen > li.pf").forEach(function (li) {
        var f = { fieldId: parseInt(li.getAttribute("data-field-id"), 10) };
        li.querySelectorAll("[data-opt]").forEach(function (input) {
          if (!input.value) { return; }
          var k = input.getAttribute("data-opt");
          f[k] = k === "phone" ? input.value === "true" : input.value;
        });
        o.fields.push(f);
      });
      d.objects.push(o);
    });
    return d;
  }

  // --- action buttons (Sobot tickets and cards) --------------------------------
  // The cards' fields, in the seed's order (pages.cardFields checks them);
  // cid and uid default to the ones Sobot passed on the call.
  var cardFields = {
    sobot_product_card: ["title", "url", "description", "label", "thumbnail", "cid", "uid"],
    sobot_order_card: ["orderStatus", "statusCustom", "createTime", "orderCode", "orderUrl", "totalFee", "goodsCount", "goods", "cid", "uid"]
  };
  var actionsEl = document.getElementById("actions");
  function paramRow(kind, p, i, j) {
    var name;
    if (cardFields[kind]) {
      name = el("select", { "data-a": "name", "data-path": "actions[" + i + "].params[" + j + "].name" });
      cardFields[kind].forEach(function (f) { name.appendChild(el("option", { value: f, text: f })); });
    } else {
      name = el("input", { "data-a": "name", "data-path": "actions[" + i + "].params[" + j + "].name", autocomplete: "off", spellcheck: "false" });
    }
    name.value = p.name || "";
    var value = el("input", { "data-a": "value", "data-path": "actions[" + i + "].params[" + j + "].value", list: "action-values", autocomplete: "off", spellcheck: "false" });
    value.value = p.value || "";
    return el("div", { "class": "param", "data-testid": "param-" + i + "-" + j }, [
      el("label", {}, [document.createTextNode(T["pages.action_param_name"]), name]),
      el("label", {}, [document.createTextNode(T["pages.action_param_value"]), value]),
      el("button", { type: "button", "class": "small danger remove-param", text: "×", title: T["ui.delete"] })
    ]);
  }
  function actionCard(a, i) {
    var card = el("div", { "class": "actcard objcard", "data-kind": a.kind, "data-testid": "action-" + i }, [
      el("h3", { text: T["pages.action." + a.kind] || a.kind })
    ]);
    var label = el("input", { "data-a": "label", "data-path": "actions[" + i + "].label", autocomplete: "off", placeholder: T["pages.action." + a.kind] || "" });
    label.value = a.label || "";
    var object = el("select", { "data-a": "object", "data-path": "actions[" + i + "].object" }, [el("option", { value: "", text: "—" })]);
    (def.objects || []).forEach(function (o) { if (o.name) { object.appendChild(el("option", { value: o.name, text: o.name })); } });
    object.value = a.object || "";
    card.appendChild(el("div", { "class": "objhead" }, [
      el("label", {}, [document.createTextNode(T["pages.action_label"]), label]),
      el("label", {}, [document.createTextNode(T["pages.action_object"]), object]),
      el("button", { type: "button", "class": "small danger remove-action", text: T["pages.remove_action"] })
    ]));
    var params = el("div", { "class": "params", "data-path": "actions[" + i + "].params" });
    (a.params || []).forEach(function (p, j) { params.appendChild(paramRow(a.kind, p, i, j)); });
    card.appendChild(params);
    card.appendChild(el("button", { type: "button", "class": "small add-param", text: "+ " + T["pages.add_param"] }));
    return card;
  }
  function renderActions() {
    actionsEl.innerHTML = "";
    (def.actions || []).forEach(function (a, i) { actionsEl.appendChild(actionCard(a, i)); });
    // Values offered for mapping: every field of the objects' tables, and
    // the call parameters Sobot passes.
    var old = document.getElementById("action-values");
    if (old) { old.remove(); }
    var list = el("datalist", { id: "action-values" });
    (def.objects || []).forEach(function (o) {
      var t = tableById(o.tableId);
      (t ? t.fields : []).forEach(function (f) { list.appendChild(el("option", { value: "record." + f.name })); });
    });
    ["call.uid", "call.cid", "call.partnerId", "call.customerNumber", "call.email", "call.groupName"].forEach(function (v) {
      list.appendChild(el("option", { value: v }));
    });
    document.body.appendChild(list);
  }
  // A card's rows without a value are left out of what is saved (the
  // card's other fields stay empty), a ticket's rows without a name or
  // value too; redrawing keeps them (keep) for the admin to fill.
  function collectActions(keep) {
    var out = [];
    actionsEl.querySelectorAll(".actcard").forEach(function (card) {
      var a = {
        kind: card.getAttribute("data-kind"),
        label: card.querySelector('[data-a="label"]').value,
        object: card.querySelector('[data-a="object"]').value,
        params: []
      };
      card.querySelectorAll(".param").forEach(function (row) {
        var p = { name: row.querySelector('[data-a="name"]').value, value: row.querySelector('[data-a="value"]').value };
        if (!keep && p.value.trim() === "" && (cardFields[a.kind] || p.name.trim() === "")) { return; }
        a.params.push(p);
      });
      out.push(a);
    });
    return out;
  }
  document.getElementById("actions-panel").addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.classList.contains("add-action")) {
      def = collect();
      def.actions = collectActions(true);
      var kind = t.getAttribute("data-kind");
      var a = { kind: kind, params: [] };
      if (cardFields[kind]) {
        cardFields[kind].forEach(function (f) { if (f !== "cid" && f !== "uid") { a.params.push({ name: f, value: "" }); } });
      } else {
        a.params.push({ name: "", value: "" });
      }
      def.actions = (def.actions || []).concat([a]);
      renderActions();
      changed();
      return;
    }
    if (t.classList.contains("add-param")) {
      var card = t.closest(".actcard");
      var i = Array.prototype.indexOf.call(actionsEl.children, card);
      var j = card.querySelectorAll(".param").length;
      card.querySelector(".params").appendChild(paramRow(card.getAttribute("data-kind"), {}, i, j));
      return;
    }
    if (t.classList.contains("remove-param")) { t.closest(".param").remove(); changed(); return; }
    if (t.classList.contains("remove-action")) {
      t.closest(".actcard").remove();
      def = collect();
      def.actions = collectActions(true);
      renderActions();
      changed();
    }
  });
  actionsEl.addEventListener("change", changed);
  actionsEl.addEventListener("input", function (ev) { if (ev.target.matches("input")) { changed(); } });

  // --- saving -------------------------------------------------------------------
  var timer = null;
  var inflight = false;
  var again = false;
  function setStatus(s, text) { statusEl.setAttribute("data-state", s); statusEl.textContent = text; }
  function changed() {
    setStatus("dirty", T["pages.unsaved"]);
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  }
  function clearErrors() {
    errorEl.hidden = true;
    root.querySelectorAll(".path-error").forEach(function (e) { e.remove(); });
    root.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }
  function showErrors(problem) {
    var general = [];
    (problem.errors || []).forEach(function (e) {
      var path = (e.location || "").replace(/^body\.(definition\.)?/, "");
      var target = root.querySelector('[data-path="' + path + '"]') || pathTarget(path);
      if (target) {
        target.setAttribute("aria-invalid", "true");
        target.insertAdjacentElement("afterend", el("span", { "class": "path-error", text: e.message }));
      } else {
        general.push(e.message);
      }
    });
    if (general.length || !(problem.errors || []).length) {
      errorEl.textContent = [problem.detail].concat(general).join(" ");
      errorEl.hidden = false;
    }
  }
  // objects[0].fields[2].computed → that field's option input.
  function pathTarget(path) {
    var m = /^objects\[(\d+)\]\.fields\[(\d+)\](?:\.(\w+))?$/.exec(path);
    if (!m) { return null; }
    var li = objectsEl.querySelectorAll(".objcard")[+m[1]];
    li = li && li.querySelectorAll("ul.chosen > li.pf")[+m[2]];
    if (!li) { return null; }
    var input = m[3] && li.querySelector('[data-opt="' + m[3] + '"]');
    if (input) { li.classList.add("open"); return input; }
    return li;
  }
  function save() {
    if (inflight) { again = true; return; }
    inflight = true;
    setStatus("saving", T["pages.saving"]);
    var body = { definition: collect(), revision: state.revision };
    fetch("/api/v1/pages/" + state.pageId + "/draft", {
      method: "PUT", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (r) {
      inflight = false;
      clearErrors();
      if (r.ok) {
        state.revision = r.data.draftRevision;
        def = r.data.draft;
        setStatus("saved", T["pages.saved"]);
        // Rules that do not compile are saved as written and marked; only
        // publishing needs them fixed.
        if ((r.data.draftProblems || []).length) {
          showErrors({ detail: T["page.draft_rule_problems"], errors: r.data.draftProblems });
        }
        reloadPreview();
      } else {
        setStatus("error", T["pages.unsaved"]);
        showErrors(r.data);
      }
      if (again) { again = false; save(); }
    }).catch(function (err) {
      inflight = false;
      setStatus("error", T["pages.unsaved"]);
      errorEl.textContent = err.message;
      errorEl.hidden = false;
    });
  }

  function reloadPreview() {
    var url = "/admin/pages/" + state.pageId + "/preview?draft=1&sample=" + encodeURIComponent(sample.value.trim());
    preview.src = url;
    document.getElementById("preview-full").href = url;
    // Publishing and rolling back reload the page: the sample goes along.
    document.querySelectorAll("[data-sample-copy]").forEach(function (i) { i.value = sample.value.trim(); });
  }

  // --- events --------------------------------------------------------------------
  document.getElementById("add-object").addEventListener("click", function () {
    def = collect();
    var first = catalog[0];
    def.objects.push({ name: (T["pages.objects"] + " " + (def.objects.length + 1)), tableId: first ? first.id : 0, lookupKey: "customer", fields: [] });
    renderObjects();
    changed();
  });
  objectsEl.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.classList.contains("cfg")) { t.closest("li.pf").classList.toggle("open"); return; }
    if (t.classList.contains("remove")) {
      var li = t.closest("li.pf");
      var card = t.closest(".objcard");
      if (li.getAttribute("data-field-id") !== "0") {
        // Back to the table's fields: nothing is lost, no question asked.
        li.classList.remove("open");
        card.querySelector("ul.available").appendChild(li);
      } else {
        if (!window.confirm(T["pages.confirm_remove_field"])) { return; }
        li.remove();
      }
      changed();
      return;
    }
    if (t.classList.contains("remove-object")) {
      if (!window.confirm(T["pages.confirm_remove_object"])) { return; }
      t.closest(".objcard").remove();
      def = collect();
      renderObjects();
      changed();
      return;
    }
    if (t.classList.contains("add-computed")) {
      var list = t.closest(".objcard").querySelector("ul.chosen");
      list.appendChild(fieldItem(null, { label: "", computed: "" }));
      changed();
    }
  });
  objectsEl.addEventListener("change", function (ev) {
    if (ev.target.getAttribute("data-k") === "tableId") {
      // A new table: its fields replace the old ones.
      def = collect();
      var i = +ev.target.closest(".objcard").getAttribute("data-index");
      def.objects[i].fields = [];
      renderObjects();
    }
    changed();
  });
  objectsEl.addEventListener("input", function (ev) {
    if (ev.target.matches("input")) { changed(); }
  });
  // Object names and tables feed the actions' choices.
  objectsEl.addEventListener("change", function () { def = collect(); def.actions = collectActions(true); renderActions(); });
  sample.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(reloadPreview, 300); });
  // The preview iframe has the chosen panel width, so the page lays out
  // exactly as it will in the platform. It is zoomed out only down to a
  // readable scale; what is wider than the column scrolls sideways (zoom,
  // unlike a transform, changes the layout size, so the scrollbars are
  // right).
  var previewWidth = 790;
  var minScale = 0.8;
  function fitPreview() {
    var box = preview.parentElement.clientWidth || previewWidth;
    var scale = Math.max(minScale, Math.min(1, box / previewWidth));
    preview.style.width = previewWidth + "px";
    preview.style.height = Math.round(560 / scale) + "px";
    preview.style.zoom = String(scale);
    preview.parentElement.setAttribute("data-scale", scale.toFixed(2));
  }
  document.querySelectorAll(".widths button").forEach(function (b) {
    b.addEventListener("click", function () {
      document.querySelectorAll(".widths button").forEach(function (x) { x.removeAttribute("aria-pressed"); });
      b.setAttribute("aria-pressed", "true");
      previewWidth = parseInt(b.getAttribute("data-width"), 10);
      fitPreview();
    });
  });
  window.addEventListener("resize", fitPreview);
  document.getElementById("publish-form").addEventListener("submit", function (ev) {
    if (statusEl.getAttribute("data-state") !== "saved") {
      ev.preventDefault();
      save();
      errorEl.textContent = T["pages.unsaved"];
      errorEl.hidden = false;
    }
  });
  document.body.appendChild(el("datalist", { id: "lookup-keys" }, [
    el("option", { value: "customer", text: T["pages.lookup_customer"] }),
    el("option", { value: "callerNum" }), el("option", { value: "calledNum" }), el("option", { value: "calldata:" })
  ]));
  renderObjects();
  renderActions();
  fitPreview();
})();
