package platforms

import (
	"fmt"
	"testing"
)

// TCCCWorkbench stands in for Tencent TCCC's agent workbench, direct-access
// edition (seed 001). The 来电弹屏 page, configured with its URL, sits in an
// iframe from the start (常显). On each call the workbench does what the
// seed says — "当有新的来电/会话时，将相关参数拼接在 URL 的 hash 上面，并通过
// HashChange 监听" — it sets the iframe to the configured URL with
// "#?" and the parameters, as given (TCCC writes a number's "+" unescaped),
// so only the hash changes and the page is not reloaded. It listens for the
// page's dial-out call, window.parent.postMessage({source: 'ccc-sdk',
// payload: {event: 'callOut', message: {phoneNumber, desc}}}, '*'), and
// opens its dial pad showing desc, or phoneNumber without one ("呼出时系统
// 显示字段，选填，没有时显示 phoneNumber").
type TCCCWorkbench struct {
	workbench // Base and PageURL
}

// NewTCCCWorkbench starts the stand-in; it stops when the test ends.
func NewTCCCWorkbench(t testing.TB) *TCCCWorkbench {
	w := &TCCCWorkbench{}
	w.Base = serveOnOtherSite(t, hostPage(tcccWorkbenchPage))
	return w
}

// TCCCCall is the JavaScript that makes the workbench pass a call to the
// page: params is what follows "#?" in the seed's example, e.g.
// "mobile=18888888888&type=phone". Run it in the workbench's tab.
func TCCCCall(params string) string {
	return fmt.Sprintf(`window.tcccCall(%q)`, params)
}

// TCCCReceived is the JavaScript that reads every message the page posted
// to the workbench, as JSON [{origin, data}].
const TCCCReceived = `JSON.stringify(window.received)`

// TCCCDialPad is the JavaScript that reads what the dial pad shows, as
// JSON [{phoneNumber, shown}]: one entry per callOut.
const TCCCDialPad = `JSON.stringify(window.dialPad)`

const tcccWorkbenchPage = `<!doctype html><meta charset="utf-8"><title>TCCC workbench</title>
<script>
window.received = [];
window.dialPad = [];
window.addEventListener("message", function (e) {
  window.received.push({origin: e.origin, data: e.data});
  var d = e.data;
  if (!d || d.source !== "ccc-sdk" || !d.payload || d.payload.event !== "callOut") { return; }
  var m = d.payload.message || {};
  if (!m.phoneNumber) { return; } // 必传
  window.dialPad.push({phoneNumber: m.phoneNumber, shown: m.desc || m.phoneNumber});
});
window.tcccCall = function (params) {
  var f = document.getElementById("screen-pop");
  f.src = f.getAttribute("data-configured") + "#?" + params;
};
</script>
<iframe id="screen-pop" data-configured="%[1]s" src="%[1]s" width="800" height="520"></iframe>`
