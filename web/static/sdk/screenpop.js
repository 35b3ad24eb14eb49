/*
 * screenpop JS SDK for pages shown in the screenpop agent workspace.
 * API-compatible with Huawei AICC's AICCSupport (SPEC §8): pages written
 * for AICCSupport work unchanged.
 *
 *   <script src="https://pop.example.com/sdk/screenpop.js"></script>
 *   AICCSupport.addHandler("Ringing", function (eventData) { ... });
 *   AICCSupport.removeHandler("Ringing");
 *   AICCSupport.clickToOutbound({ mediaType: "audio", calledNum: "13800138000" });
 *   AICCSupport.getVerifyResult("faceCheck");  // {verifyResult: "1", ...} or "" for a bad code
 *
 * Events: Init, Ringing, Talking, Release, Switch, with eventData
 * {callerNum, calledNum, callid, mediaType, callType, workNo, calldata}.
 * Messages are accepted only from the workspace's origin, which is the
 * origin this script was loaded from.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var workspace = new URL(script ? script.src : window.location.href).origin;
  var handlers = {};
  var results = {};
  var EVENTS = ["Init", "Ringing", "Talking", "Release", "Switch"];

  function log(level, fn, text) {
    // The same shape as AICCSupport's console lines.
    console.log("[AICCSupport Log] -" + level + "- " + fn + " - " + text);
  }

  window.addEventListener("message", function (ev) {
    if (ev.origin !== workspace || ev.source !== window.parent) { return; }
    var m = ev.data;
    if (!m || m.source !== "screenpop") { return; }
    if (m.type === "event") {
      log("Info", "event", "receive " + m.eventName + " event");
      var cb = handlers[m.eventName];
      if (cb) {
        try { cb(m.eventData || {}); } catch (e) { log("Error", m.eventName, String(e)); }
      }
    } else if (m.type === "verify") {
      (m.results || []).forEach(function (r) { results[r.verifyTypeCode] = r; });
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
    },
    removeHandler: function (eventName) {
      delete handlers[eventName];
      log("Info", "removeHandler", "remove " + eventName + " handler");
    },
    clickToOutbound: function (params) {
      params = params || {};
      if (!params.calledNum) { log("Error", "clickToOutbound", "calledNum is required"); return; }
      window.parent.postMessage({ source: "screenpop-sdk", action: "clickToOutbound",
        data: { mediaType: params.mediaType || "audio", calledNum: String(params.calledNum) } }, workspace);
      log("Info", "clickToOutbound", "execute One-click out call");
    },
    getVerifyResult: function (verifyTypeCode) {
      if (!/^[A-Za-z0-9_]+$/.test(String(verifyTypeCode || ""))) {
        log("Error", "getVerifyResult", "invalid verifyTypeCode");
        return "";
      }
      var r = results[verifyTypeCode];
      log("Info", "getVerifyResult", "get " + verifyTypeCode + " result");
      if (!r) { return { verifyResult: "0" }; }
      return { verifyResult: String(r.verifyResult), verifyReturn1: r.verifyReturn1, verifyReturn2: r.verifyReturn2, verifyReturn3: r.verifyReturn3 };
    }
  };
  window.AICCSupport = api;
  window.ScreenPop = api;
  if (window.parent !== window) {
    window.parent.postMessage({ source: "screenpop-sdk", action: "ready" }, workspace);
  }
})();
