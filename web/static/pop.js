// screenpop pop pages: call buttons that speak the host platform's dial-out
// message, and, for platforms that pass calls without reloading the page
// (Tencent's URL hash, Huawei Web API events, Sobot's "selected" message),
// fetching the new customer into the page.
(function () {
  "use strict";
  var body = document.body;
  var origins = (body.getAttribute("data-origins") || "").split(" ").filter(Boolean);

  // The platform's origins to post to: never "*", so a number never goes
  // to a stranger. In order: the origin URL parameter a platform passes
  // (seed 004: targetOrigin = getUrlParam()['origin']; Huawei's §2.4
  // sample too) when it is one of the tenant's; the origin framing us
  // (ancestorOrigins, or our own workspace); else every allowed origin,
  // for browsers without ancestorOrigins (Firefox): postMessage delivers
  // only to the one that is really there.
  function hostOrigins(toTop) {
    var param = new URLSearchParams(window.location.search).get("origin");
    if (param && origins.indexOf(param) >= 0) { return [param]; }
    var anc = window.location.ancestorOrigins;
    if (anc && anc.length) {
      // window.top is the last ancestor, window.parent the first; our own
      // workspace frames our pages too.
      var host = toTop ? anc[anc.length - 1] : anc[0];
      return origins.indexOf(host) >= 0 || host === window.location.origin ? [host] : [];
    }
    return origins.slice();
  }

  document.addEventListener("click", function (ev) {
    // Call buttons and page actions (Sobot tickets and cards) alike post
    // their exact message to the host platform.
    var b = ev.target.closest("button.dial, button.pop-action");
    if (!b || window.parent === window) { return; }
    var toTop = b.getAttribute("data-window") === "top";
    var targets = hostOrigins(toTop);
    if (!targets.length) { return; }
    var win = toTop ? window.top : window.parent;
    var msg = JSON.parse(b.getAttribute("data-msg"));
    targets.forEach(function (t) { win.postMessage(msg, t); });
    b.classList.add("sent");
  });

  var live = body.getAttribute("data-live");
  var content = body.getAttribute("data-content");
  var root = document.getElementById("pop-root");
  // A page waiting at its plain address (no ?dialect=tencent) follows
  // Tencent TCCC's hash too: the admin may have configured just that
  // address, and TCCC only changes the hash (seed 001:
  // https://www.qq.com#?mobile=18888888888&type=phone). Only a "#?" hash
  // is a call; any other is the page's own anchor.
  var hashContent = body.getAttribute("data-hash-content");
  if (!live && hashContent) {
    live = "hash";
    content = hashContent;
  }
  if (!live || !content || !root) { return; }

  function load(params) {
    var q = new URLSearchParams(params);
    if (!Array.from(q.keys()).length) { return; }
    fetch(content + "&" + q.toString(), { credentials: "include", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) { root.innerHTML = html; });
  }

  if (live === "hash") {
    // Tencent TCCC: #?mobile=…&userId=…&type=phone&status=100…
    // TCCC writes the number's "+" unescaped (#?mobile=+86…); read it as
    // decodeURIComponent would, a "+", not as a form's space.
    var fromHash = function () {
      var hash = window.location.hash;
      if (hashContent && hash.indexOf("#?") !== 0) { return; }
      load(hash.replace(/^#\??/, "").replace(/\+/g, "%2B"));
    };
    window.addEventListener("hashchange", fromHash);
    fromHash();
    return;
  }

  // Huawei Web API inside the AICC workbench (seed 002 §4.4): the AICC's
  // own AICCSupport.js, loaded before this script, calls our handlers with
  // each event's eventData (表4-6). A new call, an answer or a switch to
  // another multimedia user brings that customer in without a reload;
  // Init, Release and lvrReturn leave the page as it is.
  var aicc = window.AICCSupport;
  if (aicc && typeof aicc.addHandler === "function") {
    ["Init", "Ringing", "Talking", "Release", "Switch", "lvrReturn"].forEach(function (name) {
      aicc.addHandler(name, function (eventData) {
        if (["Ringing", "Talking", "Switch"].indexOf(name) < 0) { return; }
        var p = flat(eventData);
        p.event = name;
        load(p);
      });
    });
  }

  function flat(obj) {
    var out = {};
    Object.keys(obj || {}).forEach(function (k) {
      var v = obj[k];
      if (v === null || v === undefined) { return; }
      out[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
    });
    return out;
  }

  window.addEventListener("message", function (ev) {
    if (origins.indexOf(ev.origin) < 0) { return; }
    var data = ev.data;
    if (typeof data === "string") { try { data = JSON.parse(data); } catch (e) { return; } }
    if (!data || typeof data !== "object") { return; }
    if (data.eventName) {
      // Huawei AICC events, {eventName, eventData}: a call starts or changes.
      if (["Ringing", "Talking", "Switch"].indexOf(data.eventName) < 0) { return; }
      var p = flat(data.eventData);
      p.event = data.eventName;
      load(p);
    } else if (data.name === "selected") {
      // Sobot: the agent selected another visitor.
      var q = flat(data.query);
      if (data.partnerId) { q.partnerId = data.partnerId; }
      if (data.params) { q.params = typeof data.params === "string" ? data.params : JSON.stringify(data.params); }
      if (data.visitData && data.visitData.uid) { q.uid = data.visitData.uid; }
      load(q);
    }
  });
})();
