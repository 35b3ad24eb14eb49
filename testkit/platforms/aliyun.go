package platforms

import (
	"fmt"
	"testing"
)

// AliyunWorkbench stands in for Aliyun CCC's agent workbench (seed 000).
// The 来电弹屏 page, configured with its full URL (页面地址), is shown in an
// iframe: the homepage (设为首页) opens at sign-in without parameters ("此时
// 并没有拼接相关参数"), and on each inbound or outbound call "系统将自动刷新该
// iframe页面" with the parameters "拼接在url上，以http get请求的方式". The
// seed's example appends "?" and the parameters to the configured address
// (页面地址 https://www.tmall.com → https://www.tmall.com?callNumber=…), and
// nothing says it looks for a query already there, so a configured URL
// with its own query gets a second "?". Aliyun documents no message from
// the page back to the workbench.
type AliyunWorkbench struct {
	workbench // Base and PageURL
}

// NewAliyunWorkbench starts the stand-in; it stops when the test ends.
func NewAliyunWorkbench(t testing.TB) *AliyunWorkbench {
	w := &AliyunWorkbench{}
	w.Base = serveOnOtherSite(t, hostPage(aliyunWorkbenchPage))
	return w
}

// AliyunCall is the JavaScript that makes the workbench refresh the page
// for a call: params is what follows the "?" in the seed's example, e.g.
// "callNumber=18888888888&calledNumber=057166666666&callType=Inbound".
// Run it in the workbench's tab.
func AliyunCall(params string) string {
	return fmt.Sprintf(`window.aliyunCall(%q)`, params)
}

const aliyunWorkbenchPage = `<!doctype html><meta charset="utf-8"><title>Aliyun CCC workbench</title>
<script>
window.aliyunCall = function (params) {
  var f = document.getElementById("screen-pop");
  f.src = f.getAttribute("data-configured") + "?" + params;
};
</script>
<iframe id="screen-pop" data-configured="%[1]s" src="%[1]s" width="800" height="520"></iframe>`
