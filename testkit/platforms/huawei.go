// Package platforms holds stand-ins for the contact-center platforms, each
// behaving as its document in /work/shared/seeds says, so browser tests
// can put screenpop's pages where the platforms put them.
package platforms

import (
	"fmt"
	"html"
	"net/http"
	"testing"
)

// SupportScriptPath is where the AICC serves AICCSupport.js (seed 002
// §4.4.1: "https://ip:port或域名/service-cloud/resource.root/page/resource.root/js/AICCSupport.js").
const SupportScriptPath = "/service-cloud/resource.root/page/resource.root/js/AICCSupport.js"

// HuaweiWorkbench stands in for Huawei AICC's audio/video workbench (seed
// 002 §4, scenario 3): a host page that embeds a third-party page in an
// iframe and, on another origin than the page, serves AICCSupport.js.
// The script offers the seed's interface — addHandler and removeHandler
// for Init, Ringing, Talking, Release, Switch and lvrReturn (表4-5),
// clickToOutbound({mediaType, calledNum}) (表4-9) and getVerifyResult —
// and logs as the seed shows ("[AICCSupport Log] -Info- addHandler - add
// Init handler"). How the real script hears the workbench is not
// documented; here the host page posts {aiccStandIn: eventName, eventData}
// into the frame with Event(), and the script calls the handlers.
type HuaweiWorkbench struct {
	workbench // Base and PageURL
}

// NewHuaweiWorkbench starts the stand-in; it stops when the test ends.
func NewHuaweiWorkbench(t testing.TB) *HuaweiWorkbench {
	w := &HuaweiWorkbench{}
	mux := http.NewServeMux()
	mux.HandleFunc(SupportScriptPath, func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		fmt.Fprint(rw, supportScript)
	})
	mux.HandleFunc("/workbench", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, workbenchPage, html.EscapeString(r.URL.Query().Get("page")))
	})
	w.Base = serveOnOtherSite(t, mux)
	return w
}

// ScriptURL is the address an admin gives for AICCSupport.js.
func (w *HuaweiWorkbench) ScriptURL() string { return w.Base + SupportScriptPath }

// Event is the JavaScript that makes the workbench fire an event with its
// eventData (表4-6) at the embedded page; run it in the workbench's tab.
func Event(name, eventDataJSON string) string {
	return fmt.Sprintf(`window.fireAICC(%q, %s)`, name, eventDataJSON)
}

// Outbound is the JavaScript that reads what the embedded page asked the
// workbench to dial (clickToOutbound or a callout message), as JSON.
const Outbound = `JSON.stringify(window.outbound)`

const workbenchPage = `<!doctype html><meta charset="utf-8"><title>AICC workbench</title>
<script>
window.outbound = [];
window.addEventListener("message", function (e) { window.outbound.push({origin: e.origin, data: e.data}); });
window.fireAICC = function (name, data) {
  var f = document.getElementById("third-party");
  f.contentWindow.postMessage({aiccStandIn: name, eventData: data}, new URL(f.src).origin);
};
</script>
<iframe id="third-party" src="%s" width="800" height="520"></iframe>`

const supportScript = `(function () {
  "use strict";
  var handlers = {};
  var events = ["Init", "Ringing", "Talking", "Release", "Switch", "lvrReturn"];
  function log(s) { console.log("[AICCSupport Log] -Info- " + s); }
  window.AICCSupport = {
    addHandler: function (eventName, callback) {
      if (events.indexOf(eventName) < 0 || typeof callback !== "function") { return; }
      handlers[eventName] = callback;
      log("addHandler - add " + eventName + " handler");
    },
    removeHandler: function (eventName) {
      delete handlers[eventName];
      log("removeHandler - remove " + eventName + " handler");
    },
    clickToOutbound: function (outboundParam) {
      window.top.postMessage({clickToOutbound: outboundParam}, "*");
      log("clickToOutbound - execute One-click out call");
    },
    getVerifyResult: function (verifyTypeCode) { return window.__verify ? window.__verify[verifyTypeCode] : undefined; }
  };
  window.addEventListener("message", function (e) {
    if (e.source !== window.top || !e.data || !e.data.aiccStandIn) { return; }
    var h = handlers[e.data.aiccStandIn];
    if (h) { h(e.data.eventData); }
  });
})();`
