package platforms

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SobotWorkbench stands in for Sobot's 客服工作台 (seed 004 iFrame 接入): a
// host page on another origin that embeds the enterprise's 对接页面 in an
// iframe whose URL carries the chat workbench's parameters (partnerId,
// email, sign, timestamp, uid, cid, …) signed as the seed says; that
// switches visitors by posting {name: "selected", query, params,
// partnerId, visitData: {uid}} into the frame; and that records every
// message the page posts to it (tickets, cards) in window.received.
// It signs on its own, from the seed's formulas, not with screenpop's code.
type SobotWorkbench struct {
	workbench // Base and PageURL
	// SysNum is the company's 企业标识 and Secret its 安全密钥 ("" when
	// off: the basic sign).
	SysNum, Secret string
}

// NewSobotWorkbench starts the stand-in; it stops when the test ends.
func NewSobotWorkbench(t testing.TB, sysNum, secret string) *SobotWorkbench {
	w := &SobotWorkbench{SysNum: sysNum, Secret: secret}
	mux := http.NewServeMux()
	mux.HandleFunc("/workbench", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, sobotWorkbenchPage, html.EscapeString(r.URL.Query().Get("page")))
	})
	w.Base = serveOnOtherSite(t, mux)
	return w
}

// SobotVisitor is one visitor the agent selects in the workbench.
type SobotVisitor struct {
	PartnerID string // 对接 ID, the enterprise's customer id
	Email     string // 当前客服的登陆邮箱
	UID, CID  string // the visitor's Sobot user id and this chat's id
	GroupID   string
	GroupName string
}

// ChatQuery is the chat workbench's parameters for a visitor (seed 004
// 客服工作台请求此页面时,传入字段包括: partnerId, email, sign, timestamp,
// createChatTime, uid, cid, params, groupId, groupName), signed:
// "sign=md5(sysNum+email)", or with the secret on "sign=MD5(sysNum+密钥+
// timestamp +partnerId)若 partnerId 为空,则不用加到 sign 中".
func (w *SobotWorkbench) ChatQuery(v SobotVisitor, at time.Time) url.Values {
	ts := strconv.FormatInt(at.UnixMilli(), 10) // "时间戳(长整型,毫秒级时间戳)"
	var signed string
	if w.Secret == "" {
		signed = w.SysNum + v.Email
	} else {
		signed = w.SysNum + w.Secret + ts + v.PartnerID
	}
	sum := md5.Sum([]byte(signed))
	return url.Values{"partnerId": {v.PartnerID}, "email": {v.Email}, "sign": {hex.EncodeToString(sum[:])},
		"timestamp": {ts}, "createChatTime": {ts}, "uid": {v.UID}, "cid": {v.CID},
		"groupId": {v.GroupID}, "groupName": {v.GroupName}}
}

// FrameURL is the 对接页面's address with the visitor's parameters appended
// the way the seed writes it ("url?&params={…}&partnerid=zc&uid=xxx"): after
// a "?" of the configured URL's own, with "&".
func FrameURL(page string, q url.Values) string {
	sep := "?"
	if strings.Contains(page, "?") {
		sep = "&"
	}
	return page + sep + q.Encode()
}

// Selected is the JavaScript that makes the workbench switch to another
// visitor: "当您切换工作台左侧用户列表时 … 我们会抛出一个 postMessage … 监听
// name:selected", event.data = {name: "selected", query: urlObj, params,
// partnerId, visitData: {uid}}. Run it in the workbench's tab.
func (w *SobotWorkbench) Selected(v SobotVisitor, at time.Time) string {
	query := map[string]string{}
	for k, vs := range w.ChatQuery(v, at) {
		query[k] = vs[0]
	}
	data, _ := json.Marshal(map[string]any{"name": "selected", "query": query, "params": map[string]string{},
		"partnerId": v.PartnerID, "visitData": map[string]string{"uid": v.UID}})
	return fmt.Sprintf(`window.selectVisitor(%s)`, data)
}

// Received is the JavaScript that reads the messages the page posted to
// the workbench, as JSON: [{origin, data}].
const Received = `JSON.stringify(window.received)`

const sobotWorkbenchPage = `<!doctype html><meta charset="utf-8"><title>智齿客服工作台</title>
<script>
window.received = [];
window.addEventListener("message", function (e) { window.received.push({origin: e.origin, data: e.data}); });
window.selectVisitor = function (data) {
  var f = document.getElementById("docking-page");
  f.contentWindow.postMessage(data, new URL(f.src).origin);
};
</script>
<iframe id="docking-page" src="%s" width="730" height="500"></iframe>`
