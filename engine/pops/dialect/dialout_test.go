package dialect

import (
	"encoding/json"
	"testing"
)

func TestDialOut(t *testing.T) {
	tests := []struct {
		name    string
		dialect Name
		number  string
		desc    string
		want    DialOutAction
		ok      bool
	}{
		// seed 002 §2.4: {name:'callout', param:{number:'88880523', mode:'audio'}}
		{"huawei get", HuaweiGet, "88880523", "ignored", DialOutAction{Kind: DialOutPostMessage,
			Message: json.RawMessage(`{"name":"callout","param":{"number":"88880523","mode":"audio"}}`)}, true},
		{"huawei post", HuaweiPost, "88880523", "", DialOutAction{Kind: DialOutPostMessage,
			Message: json.RawMessage(`{"name":"callout","param":{"number":"88880523","mode":"audio"}}`)}, true},
		{"huawei web api", HuaweiWebAPI, "138 0013 8000", "", DialOutAction{Kind: DialOutPostMessage,
			Message: json.RawMessage(`{"name":"callout","param":{"number":"13800138000","mode":"audio"}}`)}, true},
		// seed 001: {source:'ccc-sdk', payload:{event:'callOut', message:{phoneNumber:'15889xxxxxx', desc:'刘先生'}}}
		{"tencent with desc", Tencent, "15889001234", "刘先生", DialOutAction{Kind: DialOutPostMessage,
			Message: json.RawMessage(`{"source":"ccc-sdk","payload":{"event":"callOut","message":{"phoneNumber":"15889001234","desc":"刘先生"}}}`)}, true},
		{"tencent without desc (optional)", Tencent, "+86 158-8900-1234", " ", DialOutAction{Kind: DialOutPostMessage,
			Message: json.RawMessage(`{"source":"ccc-sdk","payload":{"event":"callOut","message":{"phoneNumber":"+8615889001234"}}}`)}, true},
		{"tencent desc is HTML-safe", Tencent, "15889001234", `</script><b>&`, DialOutAction{Kind: DialOutPostMessage,
			Message: json.RawMessage(`{"source":"ccc-sdk","payload":{"event":"callOut","message":{"phoneNumber":"15889001234","desc":"\u003c/script\u003e\u003cb\u003e\u0026"}}}`)}, true},
		// seed 003 §四: http://localhost:180/cgi-bin/call.cgi?number=123456789, target _blank
		{"cti", CTI, "123456789", "", DialOutAction{Kind: DialOutLink, URL: "http://localhost:180/cgi-bin/call.cgi?number=123456789", Target: "_blank"}, true},
		{"cti extension with keypad characters", CTI, "8001*2#", "", DialOutAction{Kind: DialOutLink, URL: "http://localhost:180/cgi-bin/call.cgi?number=8001%2A2%23", Target: "_blank"}, true},
		{"cti international", CTI, "+(86) 10.1234", "", DialOutAction{Kind: DialOutLink, URL: "http://localhost:180/cgi-bin/call.cgi?number=%2B86101234", Target: "_blank"}, true},
		{"aliyun has none", Aliyun, "18888888888", "", DialOutAction{}, false},
		{"sobot has none", Sobot, "18888888888", "", DialOutAction{}, false},
		{"unknown dialect", Name("x"), "18888888888", "", DialOutAction{}, false},
		{"not a number", HuaweiGet, "call me", "", DialOutAction{}, false},
		{"injection attempt", CTI, "1&url=http://evil", "", DialOutAction{}, false},
		{"empty", Tencent, "  ", "", DialOutAction{}, false},
		{"only a plus", Tencent, "+", "", DialOutAction{}, false},
		{"plus not first", Tencent, "86+1", "", DialOutAction{}, false},
		{"too long", Tencent, "123456789012345678901234567890123", "", DialOutAction{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DialOut(tt.dialect, tt.number, tt.desc)
			if ok != tt.ok || got.Kind != tt.want.Kind || string(got.Message) != string(tt.want.Message) ||
				got.URL != tt.want.URL || got.Target != tt.want.Target {
				t.Errorf("DialOut = %+v (%s), %v\nwant %+v (%s), %v", got, got.Message, ok, tt.want, tt.want.Message, tt.ok)
			}
			if ok && got.Kind == DialOutPostMessage && !json.Valid(got.Message) {
				t.Errorf("invalid JSON %s", got.Message)
			}
		})
	}
}
