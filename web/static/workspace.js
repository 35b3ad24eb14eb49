// screenpop agent workspace: the tenant's pops as tabs, opened or refreshed
// by the call events that arrive on the Server-Sent Events stream.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("ws-texts").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var statusEl = document.getElementById("ws-status");
  var callEl = document.getElementById("ws-call");
  var outEl = document.getElementById("ws-outbound");
  var mediaNav = document.getElementById("ws-media");
  var panesEl = document.getElementById("ws-panes");
  var hiddenEl = document.getElementById("ws-hidden");
  var pops = {};       // id → pop
  var frames = {};     // id → iframe
  var sdkReady = {};   // id → true once the page's SDK said hello
  var pending = {};    // id → events waiting for the SDK
  var verify = {};     // verifyTypeCode → result, for the current call
  var currentMedia = "audio";
  var lastEvent = null;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }
  function maskNumber(n) {
    n = String(n || "");
    return n.length >= 11 ? n.slice(0, 3) + "*".repeat(n.length - 7) + n.slice(-4) : n;
  }

  // --- layout ---------------------------------------------------------------
  function build(list) {
    ["audio", "multimedia"].forEach(function (media) {
      var a = el("a", { href: "#", "data-media": media }, T["pops.media." + media]);
      a.addEventListener("click", function (ev) { ev.preventDefault(); showMedia(media); });
      mediaNav.appendChild(a);
      var pane = el("div", { "class": "ws-pane", "data-media": media });
      var tabs = el("div", { "class": "ws-poptabs", role: "tablist" });
      var area = el("div", { "class": "ws-frames" });
      pane.appendChild(tabs);
      pane.appendChild(area);
      var mine = list.filter(function (p) { return p.media === media; });
      if (!mine.length) { area.appendChild(el("p", { "class": "empty" }, T["workspace.no_pops"])); }
      mine.forEach(function (p) {
        pops[p.id] = p;
        if (p.openMode !== "embed") { return; }
        var b = el("button", { type: "button", role: "tab", "aria-selected": "false", "data-pop": String(p.id), "data-testid": "poptab-" + p.name }, p.name);
        b.addEventListener("click", function () { showPop(p); });
        tabs.appendChild(b);
      });
      panesEl.appendChild(pane);
    });
    showMedia("audio");
  }
  function showMedia(media) {
    currentMedia = media;
    mediaNav.querySelectorAll("a").forEach(function (a) {
      if (a.getAttribute("data-media") === media) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
    });
    panesEl.querySelectorAll(".ws-pane").forEach(function (p) { p.hidden = p.getAttribute("data-media") !== media; });
  }
  function showPop(p) {
    showMedia(p.media);
    var pane = panesEl.querySelector('.ws-pane[data-media="' + p.media + '"]');
    pane.querySelectorAll(".ws-poptabs button").forEach(function (b) {
      b.setAttribute("aria-selected", b.getAttribute("data-pop") === String(p.id) ? "true" : "false");
    });
    pane.querySelectorAll(".ws-frames iframe").forEach(function (f) { f.hidden = f !== frames[p.id]; });
  }
  function frameFor(p) {
    if (frames[p.id]) { return frames[p.id]; }
    var f = el("iframe", { name: "sp-pop-" + p.id, title: p.name, "data-testid": "frame-" + p.name, referrerpolicy: "no-referrer" });
    if (p.openMode === "hidden") {
      hiddenEl.appendChild(f);
    } else {
      f.hidden = true; // shown when its tab is chosen
      panesEl.querySelector('.ws-pane[data-media="' + p.media + '"] .ws-frames').appendChild(f);
    }
    frames[p.id] = f;
    return f;
  }

  // --- opening a pop ---------------------------------------------------------
  function postInto(target, url, form) {
    var f = el("form", { method: "post", action: url, target: target });
    Object.keys(form || {}).forEach(function (k) { f.appendChild(el("input", { type: "hidden", name: k, value: form[k] })); });
    document.body.appendChild(f);
    f.submit();
    f.remove();
  }
  function open(p, reveal) {
    pops[p.id] = p;
    if (p.openMode === "standalone") {
      var name = "sp-pop-" + p.id;
      if (p.kind === "post") { window.open("about:blank", name); postInto(name, p.url, p.form); } else { window.open(p.url, name); }
      return;
    }
    var f = frameFor(p);
    if (p.kind === "webapi") {
      if (!f.getAttribute("src")) { f.src = p.url; }
    } else if (p.kind === "post") {
      postInto(f.name, p.url, p.form);
    } else {
      f.src = p.url;
    }
    if (reveal && p.openMode === "embed") { showPop(p); }
  }

  // --- the Web API pages (JS SDK) ---------------------------------------------
  // The SDK's window may be the pop frame or any frame inside it; it is
  // the window that said hello.
  var sdkWindow = {};
  function toSDK(p, message) {
    var f = frames[p.id];
    if (!f || !f.contentWindow || !p.origin) { return; }
    if (!sdkReady[p.id]) {
      // Until the page is ready only the current call matters: a new
      // event replaces what waited, and a Release is never replayed to a
      // page that did not see the call (no stale Release of the previous
      // call). Verification results are kept.
      var q = (pending[p.id] || []).filter(function (m) { return m.type !== "event"; });
      if (message.type !== "event" || message.eventName !== "Release") { q.push(message); }
      pending[p.id] = q;
      return;
    }
    var sdk = sdkWindow[p.id] || { win: f.contentWindow, origin: p.origin };
    sdk.win.postMessage(message, sdk.origin);
  }
  function popByWindow(win) {
    var found = null;
    Object.keys(frames).forEach(function (id) {
      for (var w = win; w && !found; w = w.parent === w ? null : w.parent) {
        if (frames[id].contentWindow === w) { found = pops[id]; }
        if (w === window) { break; }
      }
    });
    return found;
  }

  // --- events -----------------------------------------------------------------
  function handle(msg, replay) {
    if (msg.type === "call") {
      lastEvent = msg;
      verify = {};
      var d = msg.eventData || {};
      callEl.textContent = T["workspace.call"] + " · " + (T["event." + msg.event] || msg.event) + " · " + maskNumber(d.callerNum) + " → " + maskNumber(d.calledNum);
      callEl.setAttribute("data-event", msg.event);
      var opened = false;
      (msg.pops || []).forEach(function (p) {
        if (p.media !== msg.media) { return; }
        if (p.kind === "webapi") {
          open(p, false);
          toSDK(p, { source: "screenpop", type: "event", eventName: msg.event, eventData: d });
          return;
        }
        if (p.matches && !(replay && p.openMode === "standalone")) {
          open(p, !opened);
          opened = opened || p.openMode === "embed";
        }
      });
      showMedia(msg.media);
    } else if (msg.type === "verify") {
      (msg.verify || []).forEach(function (r) { verify[r.verifyTypeCode] = r; });
      Object.keys(pops).forEach(function (id) {
        if (pops[id].kind === "webapi") { toSDK(pops[id], { source: "screenpop", type: "verify", results: msg.verify }); }
      });
    } else if (msg.type === "outbound") {
      outEl.hidden = false;
      outEl.textContent = T["workspace.outbound"] + " · " + msg.number;
    }
  }

  function outbound(calledNum, mediaType) {
    fetch("/workspace/outbound", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ calledNum: String(calledNum || ""), mediaType: mediaType || "audio" })
    }).then(function (r) {
      if (r.ok) { outEl.hidden = false; outEl.textContent = T["workspace.outbound"] + " · " + calledNum; }
    });
  }

  window.addEventListener("message", function (ev) {
    var data = ev.data;
    if (!data || typeof data !== "object") { return; }
    var p = popByWindow(ev.source);
    if (!p) { return; }
    var sameOrigin = ev.origin === window.location.origin;
    // The SDK may run in a frame nested inside the pop (the workspace is
    // then a further ancestor): it answers to that frame's own origin.
    var nested = ev.source !== frames[p.id].contentWindow;
    if (!sameOrigin && ev.origin !== p.origin && !nested) { return; }
    if (data.source === "screenpop-sdk") {
      if (data.action === "ready") {
        sdkReady[p.id] = true;
        var sdk = sdkWindow[p.id] = { win: ev.source, origin: ev.origin };
        sdk.win.postMessage({ source: "screenpop", type: "event", eventName: "Init", eventData: { workNo: window.__wsWorkNo } }, sdk.origin);
        (pending[p.id] || []).forEach(function (m) { sdk.win.postMessage(m, sdk.origin); });
        pending[p.id] = [];
        var rs = Object.keys(verify).map(function (k) { return verify[k]; });
        if (rs.length) { sdk.win.postMessage({ source: "screenpop", type: "verify", results: rs }, sdk.origin); }
      } else if (data.action === "clickToOutbound" && data.data) {
        outbound(data.data.calledNum, data.data.mediaType);
      }
    } else if (sameOrigin && data.name === "callout" && data.param) {
      // The call button of one of our own pages (Huawei's dial-out dialect).
      outbound(data.param.number, data.param.mode);
    }
  });

  // --- the event stream ---------------------------------------------------------
  // The cursor is the id of the last event this page has; the server sends
  // what came after it, so a reconnect misses nothing. The page reconnects
  // by itself, with a growing pause, whatever went wrong: a browser gives up
  // for good on a non-200 answer (a 503 while the database restarts).
  var cursor = null;   // last event id (string), null before the first
  var seen = {};       // event ids handled, so a message is applied once
  var seenOrder = [];
  var retryDelay = 1000;
  var es = null;

  function firstTime(id) {
    if (!id) { return true; }
    if (seen[id]) { return false; }
    seen[id] = true;
    seenOrder.push(id);
    if (seenOrder.length > 1000) { delete seen[seenOrder.shift()]; }
    return true;
  }
  function setStatus(state) {
    statusEl.setAttribute("data-state", state);
    statusEl.textContent = T["workspace." + state];
  }
  function track(ev) {
    if (ev.lastEventId) { cursor = ev.lastEventId; }
  }
  function resync() {
    // The server could not deliver something: reload the current call.
    fetch("/workspace/state", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (state) {
      if (state && state.last && firstTime(String(state.last.id))) { handle(state.last, true); }
    }).catch(function () {});
  }
  function connect() {
    es = new EventSource("/workspace/stream" + (cursor !== null ? "?after=" + encodeURIComponent(cursor) : ""));
    es.onopen = function () { retryDelay = 1000; setStatus("connected"); };
    es.onerror = function () {
      setStatus("reconnecting");
      es.close();
      var wait = retryDelay * (0.5 + Math.random());
      retryDelay = Math.min(retryDelay * 2, 30000);
      setTimeout(connect, wait);
    };
    es.onmessage = function (ev) {
      track(ev);
      var msg = JSON.parse(ev.data);
      if (msg.type === "call" || msg.type === "outbound") {
        if (!firstTime(String(msg.id))) { return; }
      }
      handle(msg, false);
    };
    es.addEventListener("state", function (ev) {
      track(ev);
      var msg = JSON.parse(ev.data);
      if (msg.type === "call" && firstTime(String(msg.id))) { handle(msg, true); }
    });
    es.addEventListener("resync", function (ev) { track(ev); resync(); });
  }

  fetch("/workspace/state", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (state) {
    window.__wsWorkNo = state.workNo;
    build(state.pops || []);
    // Homepages open at sign-in; always-shown pages are there from the start.
    (state.pops || []).forEach(function (p) { if (p.homepage || p.alwaysShown || p.kind === "webapi") { open(p, p.homepage); } });
    callEl.textContent = T["workspace.idle"];
    // After a reload the last customer is still on screen.
    if (state.last) {
      firstTime(String(state.last.id));
      cursor = String(state.last.id);
      handle(state.last, true);
    }
    connect();
  });
})();
