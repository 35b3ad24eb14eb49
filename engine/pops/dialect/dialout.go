package dialect

import (
	"encoding/json"
	"net/url"
	"strings"
)

// DialOutKind says how a phone value's call button reaches the host
// platform (一键外呼, SPEC §8).
type DialOutKind string

const (
	// DialOutPostMessage: post Message to the host window (window.top for
	// Huawei, window.parent for Tencent), with the platform's origin as
	// targetOrigin, never "*" (SPEC §8), though the seeds' samples use "*".
	DialOutPostMessage DialOutKind = "postMessage"
	// DialOutLink: open URL (a link, with Target as its target).
	DialOutLink DialOutKind = "link"
)

// DialOutAction is what a call button does.
type DialOutAction struct {
	Kind    DialOutKind
	Message json.RawMessage // DialOutPostMessage: the exact payload to post
	URL     string          // DialOutLink: the address to open
	Target  string          // DialOutLink: the link's target
}

// CTICallURL is the CTI client's dial-out page: a web server built into the
// desktop client, reachable only from the agent's own machine (seed 003 §二,
// §四 1、外拨: http://localhost:180/cgi-bin/call.cgi?number=…).
const CTICallURL = "http://localhost:180/cgi-bin/call.cgi"

type huaweiCallout struct {
	Name  string             `json:"name"`
	Param huaweiCalloutParam `json:"param"`
}

type huaweiCalloutParam struct {
	Number string `json:"number"`
	Mode   string `json:"mode"`
}

type tencentCallOut struct {
	Source  string         `json:"source"`
	Payload tencentPayload `json:"payload"`
}

type tencentPayload struct {
	Event   string         `json:"event"`
	Message tencentMessage `json:"message"`
}

type tencentMessage struct {
	PhoneNumber string `json:"phoneNumber"`
	Desc        string `json:"desc,omitempty"`
}

// DialOut returns what a call button for number does on the platform name,
// and false when the platform has no documented dial-out (Aliyun CCC and
// Sobot: their seeds define none) or number is not a dialable phone value.
// The number is stripped of the separators people write in phone numbers
// (spaces, -, ., parentheses); what remains must be digits with an optional
// leading + and the keypad's * and #. desc is shown by Tencent's dialer
// instead of the number (seed 001: 呼出时系统显示字段, optional) and is
// ignored elsewhere.
//
//   - Huawei (all three methods): {"name":"callout","param":{"number":…,"mode":"audio"}}
//     posted to the workbench (seed 002 §2.4; only embedded pages can dial, and
//     the older JSON-string form and param:[number, mode] array are also accepted
//     by Huawei but not produced here).
//   - Tencent: {"source":"ccc-sdk","payload":{"event":"callOut","message":{"phoneNumber":…,"desc":…}}}
//     (seed 001 来电弹屏调用电话呼出能力).
//   - CTI: a link to CTICallURL?number=… opened in a new window, which the
//     client closes when the call succeeds (seed 003 §四).
//
// JSON is encoded with HTML escaping, so a payload can be inlined in a page.
func DialOut(name Name, number, desc string) (DialOutAction, bool) {
	n, ok := dialable(number)
	if !ok {
		return DialOutAction{}, false
	}
	switch name {
	case HuaweiGet, HuaweiPost, HuaweiWebAPI:
		return postMessage(huaweiCallout{Name: "callout", Param: huaweiCalloutParam{Number: n, Mode: "audio"}})
	case Tencent:
		return postMessage(tencentCallOut{Source: "ccc-sdk", Payload: tencentPayload{Event: "callOut",
			Message: tencentMessage{PhoneNumber: n, Desc: strings.TrimSpace(desc)}}})
	case CTI:
		return DialOutAction{Kind: DialOutLink, URL: CTICallURL + "?" + url.Values{"number": {n}}.Encode(), Target: "_blank"}, true
	}
	return DialOutAction{}, false
}

func postMessage(v any) (DialOutAction, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return DialOutAction{}, false
	}
	return DialOutAction{Kind: DialOutPostMessage, Message: b}, true
}

// dialable strips separators from a phone value and checks what remains.
func dialable(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	if strings.Trim(n, "+") == "" || len(n) > 32 {
		return "", false
	}
	return n, true
}
