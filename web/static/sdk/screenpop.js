/*
 * screenpop JS SDK for pages shown in the screenpop agent workspace.
 * API-compatible with Huawei AICC's AICCSupport (seed 002 §4.4, SPEC §8):
 * pages written for AICCSupport work unchanged.
 *
 *   <script src="https://pop.example.com/sdk/screenpop.js"></script>
 *   AICCSupport.addHandler("Ringing", function (eventData) { ... });
 *   AICCSupport.removeHandler("Ringing");
 *   AICCSupport.clickToOutbound({ mediaType: "audio", calledNum: "13800138000" });
 *   AICCSupport.getVerifyResult("faceCheck");  // {verifyResult: "1"}; "" for a bad code (表4-11)
 *
 * Events (表4-5): Init, Ringing, Talking, Release, Switch, and lvrReturn
 * (a verification result: {verifyTypeCode, verifyResult}), with eventData (表4-6) {callerNum, calledNum, callid, mediaType, callType,
 * workNo, calldata} — calldata a string. Messages are accepted only from
 * the workspace's origin (the origin this script was loaded from), from
 * any window above this page: the workspace may be its parent or any
 * ancestor.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var workspace = new URL(script ? script.src : window.location.href).origin;
  var handlers = {};
  var results = {};
  var EVENTS = ["Init", "Ringing", "Talking", "Release", "Switch", "lvrReturn"];
  // 表4-9: clickToOutbound's mediaType, required.
  var OUTBOUND_MEDIA = ["audio", "video", "email", "whatsapp"];
  // The last Init, for handlers registered after it arrived (in
  // window.onload, say): they still get it, once.
  var init = null;
  var initDelivered = false;

  function log(level, fn, text) {
    // The same shape as AICCSupport's console lines.
    console.log("[AICCSupport Log] -" + level + "- " + fn + " - " + text);
  }

  function ancestors() {
    var out = [];
    for (var w = window; w !== w.parent; w = w.parent) { out.push(w.parent); }
    return out;
  }
  function fromAncestor(win) { return ancestors().indexOf(win) >= 0; }
  // Only the ancestor on the workspace's origin receives (targetOrigin).
  function toWorkspace(message) {
    ancestors().forEach(function (w) { w.postMessage(message, workspace); });
  }

  // The seed's own demo page (§4.4.6) prints each event with
  // console.log('…', data) in handlers that never declare data: a global
  // the AICC's script evidently leaves behind. Pages copied from it work
  // here too: window.data is the event being delivered, unless the page
  // has a data of its own (declared, assigned or an element's id), which
  // is never touched.
  var lent;
  function lendData(eventData) {
    if ("data" in window && window.data !== lent) { return; }
    lent = eventData;
    window.data = eventData;
  }

  function deliver(name, data) {
    var cb = handlers[name];
    if (!cb) { return false; }
    var eventData = data || {};
    lendData(eventData);
    try { cb(eventData); } catch (e) { log("Error", name, String(e)); }
    return true;
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== workspace || !fromAncestor(ev.source)) { return; }
    var m = ev.data;
    if (!m || m.source !== "screenpop") { return; }
    if (m.type === "event") {
      log("Info", "event", "receive " + m.eventName + " event");
      if (m.eventName === "Init") {
        init = m.eventData || {};
        initDelivered = deliver("Init", init);
        return;
      }
      deliver(m.eventName, m.eventData);
    } else if (m.type === "verify") {
      (m.results || []).forEach(function (r) {
        var known = results[r.verifyTypeCode];
        results[r.verifyTypeCode] = r;
        // lvrReturn (the demo's 身份认证结果返回事件): a verification result
        // came back for the call, in getVerifyResult's shape plus its code;
        // a result already delivered is not repeated.
        if (!known || String(known.verifyResult) !== String(r.verifyResult)) {
          deliver("lvrReturn", { verifyTypeCode: String(r.verifyTypeCode), verifyResult: String(r.verifyResult) });
        }
      });
    }
  });

  var api = {
    addHandler: function (eventName, cb) {
      if (EVENTS.indexOf(eventName) < 0 || typeof cb !== "function") {
        log("Error", "addHandler", "invalid event " + eventName);
        return;
      }
      handlers[eventName] = cb;
      log("Info", "addHandler", "add " + eventName + " handler");
      if (eventName === "Init" && init && !initDelivered) {
        initDelivered = true;
        setTimeout(function () { deliver("Init", init); }, 0);
      }
    },
    removeHandler: function (eventName) {
      delete handlers[eventName];
      log("Info", "removeHandler", "remove " + eventName + " handler");
    },
    clickToOutbound: function (outboundParam) {
      var p = outboundParam || {};
      if (!p.calledNum) { log("Error", "clickToOutbound", "calledNum is required"); return; }
      if (OUTBOUND_MEDIA.indexOf(p.mediaType) < 0) {
        log("Error", "clickToOutbound", "mediaType must be one of " + OUTBOUND_MEDIA.join(", "));
        return;
      }
      toWorkspace({ source: "screenpop-sdk", action: "clickToOutbound",
        data: { mediaType: p.mediaType, calledNum: String(p.calledNum) } });
      log("Info", "clickToOutbound", "execute One-click out call");
    },
    getVerifyResult: function (verifyTypeCode) {
      // 表4-10/4-11: letters, digits and _ only; verifyResult "" says the
      // code is not valid, "0" that no result came back yet.
      if (!/^[A-Za-z0-9_]+$/.test(String(verifyTypeCode || ""))) {
        log("Error", "getVerifyResult", "invalid verifyTypeCode");
        return { verifyResult: "" };
      }
      var r = results[verifyTypeCode];
      log("Info", "getVerifyResult", "get " + verifyTypeCode + " result");
      return { verifyResult: r ? String(r.verifyResult) : "0" };
    }
  };
  window.AICCSupport = api;
  window.ScreenPop = api;
  if (window.parent !== window) {
    // Say hello once the page's own scripts, window.onload included, have
    // registered their handlers, so Init finds them.
    var hello = function () { setTimeout(function () { toWorkspace({ source: "screenpop-sdk", action: "ready" }); }, 0); };
    if (document.readyState === "complete") { hello(); } else { window.addEventListener("load", hello); }
  }
})();
