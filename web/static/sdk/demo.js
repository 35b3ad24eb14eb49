// The SDK demo: registers every event and shows each call of the API.
(function () {
  "use strict";
  var out = document.getElementById("log");
  function show(label, value) { out.textContent += label + " " + JSON.stringify(value) + "\n"; }
  ["Init", "Ringing", "Talking", "Release", "Switch", "lvrReturn"].forEach(function (name) {
    AICCSupport.addHandler(name, function (eventData) { show(name, eventData); });
  });
  document.getElementById("dial").addEventListener("click", function () {
    AICCSupport.clickToOutbound({ mediaType: "audio", calledNum: document.getElementById("number").value });
    show("clickToOutbound", document.getElementById("number").value);
  });
  document.getElementById("verify").addEventListener("click", function () {
    show("getVerifyResult", AICCSupport.getVerifyResult(document.getElementById("code").value));
  });
  document.getElementById("remove").addEventListener("click", function () {
    AICCSupport.removeHandler("Ringing");
    show("removeHandler", "Ringing");
  });
})();
