package dialect

import (
	"net/url"
	"testing"
)

// Requests as the platforms really send them: built from the seeds' own
// words (quoted next to each), with the "+" of an E.164 number unescaped,
// and read the way the pop entry reads them (ParseQueryValues, then
// Detect and Normalize).
func TestConformanceRawPlus(t *testing.T) {
	tests := []struct {
		name   string
		seed   string // the seed line the request follows
		query  string // raw, as it reaches the server
		method string
		want   string // CustomerNumber
	}{
		{"aliyun callNumber", "000 §三: https://www.tmall.com?callNumber=18888888888&calledNumber=057166666666&callType=Inbound",
			"callNumber=+8618888888888&calledNumber=057166666666&callType=Inbound", "GET", "+8618888888888"},
		{"aliyun with separators", "000 §三 (callNumber as a person writes it)",
			"callNumber=+86 152-0000-1028&calledNumber=057166666666&callType=Inbound", "GET", "+86 152-0000-1028"},
		{"huawei get", "002 表2-1: callerNum 主叫号码, callType 0 呼入",
			"callerNum=+8613800138000&calledNum=4008302118&callid=1&mediaType=1&callType=0&workNo=1001", "GET", "+8613800138000"},
		{"huawei post form", "002 §3 URL POST 请求传参, the same parameters as a form",
			"callerNum=+8613800138000&calledNum=4008302118&callType=0&workNo=1001", "POST", "+8613800138000"},
		{"cti number", "003 §三: origin=1 callid=… number=1234567890 callerid=…",
			"origin=1&callid=20091128101010001&number=+861234567890&callerid=+861234567890&calledid=801&empid=001", "GET", "+861234567890"},
		{"sobot uphone", "004: uphone 本次通话的电话号码",
			"callId=c-1&email=zhangsan@example.com&uphone=+8613800138000&uid=u-1", "GET", "+8613800138000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, err := ParseQueryValues(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			flat := FromValues(vals)
			name, err := Detect(flat, tt.method, "")
			if err != nil {
				t.Fatal(err)
			}
			c, err := Normalize(name, flat)
			if err != nil || c.CustomerNumber != tt.want {
				t.Errorf("customer = %q, %v; want %q (%s)", c.CustomerNumber, err, tt.want, tt.seed)
			}
		})
	}
}

func TestRestorePlus(t *testing.T) {
	for in, want := range map[string]string{
		" 8613800138000":    "+8613800138000",
		" 86 152-0000-1028": "+86 152-0000-1028",
		"+8613800138000":    "+8613800138000",
		"13800138000":       "13800138000",
		" abc":              " abc",
		"  ":                "  ",
		"":                  "",
		"138 0013 8000":     "138 0013 8000",
		" 8613800138000 ":   " 8613800138000 ", // padded, not decoded
	} {
		if got := RestorePlus(in); got != want {
			t.Errorf("RestorePlus(%q) = %q, want %q", in, got, want)
		}
	}
	v := url.Values{"mobile": {" 8618888888888"}, "nickName": {" 1 star"}, "phone": {" 8613800000000"}}
	RestoreNumbers(v, "phone")
	if v.Get("mobile") != "+8618888888888" || v.Get("nickName") != " 1 star" || v.Get("phone") != "+8613800000000" {
		t.Errorf("RestoreNumbers = %v", v)
	}
}

// seed 002 §2.3 step 5 / 图2-9: "callerPhone	呼叫数据	callerNum" — the admin
// renames callerNum; the page may also receive associated data under a
// name of its own (here email, which alone would look like Sobot's).
func TestDetectWithConfiguredNames(t *testing.T) {
	opts := Options{Rename: map[string]string{"callerPhone": "callerNum"}, Assoc: map[string]string{"email": "custEmail"}}
	tests := []struct {
		name   string
		params map[string]string
		method string
		want   Name
	}{
		{"renamed caller only", map[string]string{"callerPhone": "13800138000"}, "GET", HuaweiGet},
		{"renamed caller and mapped email", map[string]string{"callerPhone": "13800138000", "email": "a@b.cn"}, "GET", HuaweiGet},
		{"mapped email alone, posted", map[string]string{"email": "a@b.cn"}, "POST", HuaweiPost},
		{"override still wins", map[string]string{"callerPhone": "1", "dialect": "cti"}, "GET", CTI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectWith(tt.params, tt.method, "", opts)
			if err != nil || got != tt.want {
				t.Fatalf("DetectWith = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	c, err := NormalizeWith(HuaweiGet, map[string]string{"callerPhone": " 8613800138000", "email": "a@b.cn"}, opts)
	if err != nil || c.CustomerNumber != "+8613800138000" || c.Direction != Inbound || c.AssociatedData["custEmail"] != "a@b.cn" {
		t.Errorf("configured names = %#v, %v", c, err)
	}
	// Without the configuration, the same request is not Huawei's.
	if n, _ := Detect(map[string]string{"callerPhone": "1", "email": "a@b.cn"}, "GET", ""); n == HuaweiGet {
		t.Errorf("plain Detect read configured names")
	}
}

// No direction given: the caller is the customer, on every platform.
func TestNoDirectionIsInbound(t *testing.T) {
	tests := []struct {
		name    string
		seed    string
		dialect Name
		params  map[string]string
		want    string
	}{
		{"huawei get without callType", "002 表2-1: callerNum 主叫号码 (callType not configured, 图2-9)", HuaweiGet,
			map[string]string{"callerNum": "13800138000", "calledNum": "4008302118"}, "13800138000"},
		{"aliyun without callType", "000 §四: callNumber 主叫号码", Aliyun,
			map[string]string{"callNumber": "18888888888", "calledNumber": "057166666666"}, "18888888888"},
		{"cti without origin or number", "003 §三: callerid - 主叫号码", CTI,
			map[string]string{"callerid": "1234567890", "calledid": "801"}, "1234567890"},
		{"sobot", "004: uphone 本次通话的电话号码", Sobot, map[string]string{"uphone": "13800138000"}, "13800138000"},
		{"tencent", "001: mobile 用户手机号", Tencent, map[string]string{"mobile": "18888888888"}, "18888888888"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Normalize(tt.dialect, tt.params)
			if err != nil || c.CustomerNumber != tt.want || c.Direction != Inbound {
				t.Errorf("%s: customer %q direction %q, %v", tt.seed, c.CustomerNumber, c.Direction, err)
			}
		})
	}
}

// A platform appends its own "?a=b" to the configured URL, which already
// has ?dialect= (seed 000 §三 "我们请求的url为：https://www.tmall.com?callNumber=…";
// seed 004 "url?&params={…}&partnerid=zc&uid=xxx").
func TestParseQueryAppendedQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want map[string]string
	}{
		{"dialect=aliyun?callNumber=18888888888&calledNumber=057166666666&callType=Inbound",
			map[string]string{"dialect": "aliyun", "callNumber": "18888888888", "calledNumber": "057166666666", "callType": "Inbound"}},
		{"dialect=sobot?&params=%7B%22key%22%3A%22value%22%7D&partnerid=zc&uid=xxx",
			map[string]string{"dialect": "sobot", "params": `{"key":"value"}`, "partnerid": "zc", "uid": "xxx"}},
		// seed 004: "设置对接页面示例:https://www.sobot.com?zc_encode=1" — everything
		// after '?' encodeURIComponent-encoded as one piece.
		{url.QueryEscape("zc_encode=1&uphone=+8613800138000&email=a@b.cn&ivrPath=[1]"),
			map[string]string{"zc_encode": "1", "uphone": " 8613800138000", "email": "a@b.cn", "ivrPath": "[1]"}},
		{"dialect=sobot&" + url.PathEscape("zc_encode=1&uphone=13800138000&email=a@b.cn"),
			map[string]string{"dialect": "sobot", "zc_encode": "1", "uphone": "13800138000", "email": "a@b.cn"}},
	}
	for _, tt := range tests {
		got, err := ParseQuery(tt.raw)
		if err != nil {
			t.Fatalf("%s: %v", tt.raw, err)
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q (all %v)", tt.raw, k, got[k], v, got)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %v", tt.raw, got)
		}
	}
}

// Every received parameter is kept for page rules (call.<name>), but no
// credential.
func TestCallParams(t *testing.T) {
	c, _ := Normalize(HuaweiGet, map[string]string{"callerNum": "1", "callType": "0", "callskill": "vip", "callskillid": "3", "sid": "x"})
	if c.Params["callskill"] != "vip" || c.Params["callskillid"] != "3" || c.Params["callType"] != "0" {
		t.Errorf("Params = %v", c.Params)
	}
	if _, ok := c.Params["sid"]; ok {
		t.Errorf("a credential reached Params: %v", c.Params)
	}
	c, _ = Normalize(Sobot, map[string]string{"uphone": "1", "groupName": "售前组", "sign": "abc"})
	if c.Params["groupName"] != "售前组" || c.Params["sign"] != "" {
		t.Errorf("Params = %v", c.Params)
	}
}
