package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/pages"
)

// Pops as the platforms really send them: every request below is written
// from the seed text quoted next to it, not from screenpop's helpers. The
// "+" of an E.164 number is sent unescaped, as the platforms do; a
// signed-in agent's session authorises the pop.
func TestPopAsPlatformsSendIt(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID,
		map[string]string{"手机号": "15200001028", "姓名": "赵六", "等级": "2"}); err != nil {
		t.Fatal(err)
	}
	// seed 002 §2.3 step 5, 图2-9: "callerPhone	呼叫数据	callerNum" — the
	// pop of this page passes callerNum as callerPhone and an associated
	// data key as email.
	if _, err := e.eng.Pops.CreateConfig(t.Context(), f.Tenant.ID, pops.ConfigInput{
		MediaType: pops.MediaAudio, Name: "客户", PageType: pops.PageInternal, PageID: page.ID, OpenMode: pops.OpenEmbed,
		Enabled: true, Params: []pops.Param{{Name: "callerPhone", Source: pops.SourceCall, Key: "callerNum"},
			{Name: "email", Source: pops.SourceAssoc, Key: "email"}}}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, page.ID)
	b := e.browser()
	b.login(f.Agent.Username, f.Password)

	tests := []struct {
		name  string
		seed  string
		query string // raw, "+" unescaped
		form  string // raw form body of a URL POST
	}{
		{"aliyun callNumber with +", "000 §三: 我们请求的url为：https://www.tmall.com?callNumber=18888888888&calledNumber=057166666666&callType=Inbound",
			"callNumber=+8615200001028&calledNumber=057166666666&callType=Inbound", ""},
		{"aliyun number with separators", "000 §四: callNumber 主叫号码",
			"callNumber=+86%20152-0000-1028&calledNumber=057166666666&callType=Inbound", ""},
		{"huawei get with +", "002 表2-1: callerNum 主叫号码; callType 0 呼入",
			"callerNum=+8615200001028&calledNum=4008302118&callType=0&mediaType=1&workNo=1001", ""},
		{"huawei post form with +", "002 §3: URL POST 请求传参",
			"", "callerNum=+8615200001028&calledNum=4008302118&callType=0&mediaType=1&workNo=1001"},
		{"cti number with +", "003 §三: origin=1 callid=20091128101010001 number=1234567890 callerid=…",
			"origin=1&callid=20091128101010001&number=+8615200001028&callerid=+8615200001028&calledid=801&groupid=1&agentid=1&empid=001", ""},
		{"huawei renamed callerPhone", "002 图2-9: callerPhone	呼叫数据	callerNum",
			"callerPhone=15200001028&callType=0", ""},
		{"huawei renamed and mapped email", "002 图2-9, with an associated-data name that alone looks like Sobot's",
			"callerPhone=15200001028&email=a@b.cn", ""},
		{"huawei get without callType", "002 表2-1: callerNum 主叫号码 (no callType configured)",
			"callerNum=15200001028&calledNum=4008302118", ""},
		{"aliyun without callType", "000 §四: callNumber 主叫号码",
			"callNumber=15200001028&calledNumber=057166666666", ""},
		{"?dialect= then the platform's own ?", "000 §三: the platform appends ?callNumber=… to the configured URL",
			"dialect=aliyun?callNumber=15200001028&calledNumber=057166666666&callType=Inbound", ""},
		{"sobot ?& appended", "004 对接方式: url?&params={\"key\":\"value\"}&partnerid=zc&uid=xxx",
			"dialect=sobot?&params=%7B%22key%22%3A%22value%22%7D&uphone=15200001028&uid=xxx", ""},
		{"sobot zc_encode=1", "004: 设置对接页面示例:https://www.sobot.com?zc_encode=1 (‘?’之后的参数整体进行encodeURIComponent编码)",
			url.PathEscape("zc_encode=1&email=zhangsan@example.com&uphone=+8615200001028&ivrPath=[{\"navKey\":\"1\"}]"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req *http.Request
			if tt.form != "" {
				req = httptest.NewRequest(http.MethodPost, path, strings.NewReader(tt.form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req = httptest.NewRequest(http.MethodGet, path+"?"+tt.query, nil)
			}
			resp, body := b.do(req)
			if resp.StatusCode != 200 || !strings.Contains(body, "赵六") {
				t.Fatalf("%s\nstatus %d, customer not shown:\n%s", tt.seed, resp.StatusCode, body)
			}
		})
	}
}

// Every received parameter is call.<name> in page rules: Huawei's
// callskill (seed 002 表2-1 "callskill 技能队列名称") and Sobot's groupName
// (seed 004 "groupName 技能组名称").
func TestPopRulesSeeEveryParameter(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID,
		map[string]string{"手机号": "15200001028", "姓名": "赵六"}); err != nil {
		t.Fatal(err)
	}
	p, err := e.eng.Pages.CreatePage(t.Context(), f.Tenant.ID, name("规则"))
	if err != nil {
		t.Fatal(err)
	}
	def := pages.DefaultDefinition()
	def.Objects = []pages.Object{{Name: "客户", TableID: tb.ID, Fields: []pages.ObjectField{
		{FieldID: tb.FieldByName("姓名").ID},
		{Label: "队列", Computed: `has(call.callskill) ? "Q:" + call.callskill + "/" + call.callskillid : "G:" + call.groupName`},
	}}}
	if _, err := e.eng.Pages.SaveDraft(t.Context(), f.Tenant.ID, p.ID, def, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eng.Pages.Publish(t.Context(), f.Tenant.ID, p.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.login(f.Agent.Username, f.Password)
	path := fmt.Sprintf("/pop/%s/%d", f.Tenant.Slug, p.ID)
	for query, want := range map[string]string{
		"callerNum=15200001028&callType=0&callskill=vip&callskillid=3": "Q:vip/3",
		"uphone=15200001028&groupName=%E5%94%AE%E5%89%8D%E7%BB%84":     "G:售前组",
	} {
		resp, body := b.get(path + "?" + query)
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: status %d, want %q in\n%s", query, resp.StatusCode, want, body)
		}
	}
}
