package dialect

import (
	"maps"
	"strings"
	"unicode/utf8"
)

// Direction is the direction of a call from the contact center's point of
// view. A platform that does not say (Sobot never does; Huawei without
// callType, Aliyun without callType, the CTI client without origin) is read
// as Inbound: the caller is the customer.
type Direction string

const (
	Inbound  Direction = "in"  // the customer called in (Huawei callType 0, Aliyun Inbound, CTI origin 1)
	Outbound Direction = "out" // the agent called out (Huawei callType 1, Aliyun Outbound, CTI origin 2)
)

// Event is the moment of a call that a pop reports, in the vocabulary of
// Huawei's AICCSupport.js (seed 002 §4.4.2 表4-5), which SPEC §8 adopts for
// every platform. The empty Event means the platform did not say.
type Event string

const (
	EventInit    Event = "Init"    // the workbench opened (no call yet)
	EventRinging Event = "Ringing" // 来电 / Tencent status 100 呼入中
	EventTalking Event = "Talking" // 接听 / Tencent status 200 已接入
	EventRelease Event = "Release" // 挂断 / Tencent status 400 已结束
	EventSwitch  Event = "Switch"  // the agent switched to another multimedia user
)

// ParseEvent accepts an event name in any letter case.
func ParseEvent(s string) (Event, bool) {
	for _, e := range []Event{EventInit, EventRinging, EventTalking, EventRelease, EventSwitch} {
		if strings.EqualFold(strings.TrimSpace(s), string(e)) {
			return e, true
		}
	}
	return "", false
}

// Call is one call as every platform's parameters normalise to it. The
// string fields mirror Huawei CEC's nine default call-data parameters
// (seed 002 表2-1, SPEC §7), which screenpop uses as its own call data; a
// field stays empty when the platform has no counterpart.
type Call struct {
	Dialect Name

	CallerNum   string // Huawei callerNum, Aliyun callNumber, CTI callerid
	CalledNum   string // Huawei calledNum, Aliyun calledNumber, CTI calledid
	CallID      string // Huawei callid, Aliyun contactId, CTI callid, Sobot callId (else cid)
	MediaType   string // the platform's own value, unchanged: Huawei 1/5 (URL) or audio/video/wechat/… (Web API), Tencent type phone/im/om/oim
	CallType    string // the platform's own value, unchanged: Huawei 0/1, Aliyun Inbound/Outbound, CTI origin 1/2
	WorkNo      string // Huawei workNo, CTI empid, Sobot WeCom serviceId
	CallSkill   string // Huawei callskill, Sobot groupName
	CallSkillID string // Huawei callskillid, CTI groupid (席位组), Sobot groupId
	AgentName   string // Huawei agentName (业务帐号), Tencent agentEmail, Sobot email

	Direction Direction
	Event     Event

	// CustomerNumber is the key the customer is looked up by (SPEC §8 table):
	// Huawei callerNum when inbound and calledNum when outbound; Aliyun the
	// same by callType Inbound/Outbound; Tencent mobile; CTI number; Sobot
	// uphone, else partnerId. CustomerKeyParam names the parameter it came
	// from, because a few platforms fall back to a key that is not a phone
	// number (Sobot partnerId, Tencent userId) and the lookup may want to
	// search another field for it.
	CustomerNumber   string
	CustomerKeyParam string

	// AssociatedData holds 随路数据 (Huawei calldata, Sobot params, parsed
	// when they are JSON objects) and every other parameter that has no field
	// above, so a pop configuration can map "associated data, key" to it
	// (SPEC §7). Credentials (sign, sid, sig, …) are never copied here.
	AssociatedData map[string]string

	// Params is every received parameter but credentials and screenpop's
	// own, trimmed, with numbers' "+" restored: what page rules see as
	// call.<name> (Huawei callskill, Sobot groupName, …).
	Params map[string]string

	// Raw is every parameter exactly as received, for display and debugging.
	// It may hold credentials; show RedactedRaw instead.
	Raw map[string]string
}

// huaweiCallData are the nine default call-data parameters in the order the
// Huawei seed lists them (seed 002 §2.3 step 5, 表2-1).
var huaweiCallData = []string{"callerNum", "calledNum", "callid", "mediaType", "callType", "workNo", "callskill", "callskillid", "agentName"}

// HuaweiDefaultParams returns the nine call-data parameter names Huawei CEC
// passes when a pop page has no parameters configured (seed 002 §2.3 step 5;
// the seed's "69个参数" is a typo for 9). A pop configuration without its own
// parameters passes these (SPEC §7).
func HuaweiDefaultParams() []string { return append([]string(nil), huaweiCallData...) }

// CallData returns the call's value for one of the nine Huawei call-data
// names, so an external pop URL can be built in Huawei's vocabulary from any
// platform's call (SPEC §7: urlParamName → call data key). callType is
// rendered as Huawei's 0/1 from Direction when the direction is known.
func (c Call) CallData(key string) (string, bool) {
	switch key {
	case "callerNum":
		return c.CallerNum, true
	case "calledNum":
		return c.CalledNum, true
	case "callid":
		return c.CallID, true
	case "mediaType":
		return c.MediaType, true
	case "callType":
		switch c.Direction {
		case Inbound:
			return "0", true
		case Outbound:
			return "1", true
		}
		return c.CallType, true
	case "workNo":
		return c.WorkNo, true
	case "callskill":
		return c.CallSkill, true
	case "callskillid":
		return c.CallSkillID, true
	case "agentName":
		return c.AgentName, true
	}
	return "", false
}

// secretParams are parameters that carry credentials: screenpop's sig, Sobot's
// sign, the CTI client's session id and login password (seed 003 §二, §三).
var secretParams = map[string]bool{"sig": true, "sign": true, "sid": true, "password": true, "pass": true, "secret": true}

func isSecretParam(k string) bool { return secretParams[strings.ToLower(k)] }

// Redacted is what RedactedRaw shows instead of a credential.
const Redacted = "[redacted]"

// RedactedRaw returns Raw with credentials replaced by Redacted, for a debug
// view that an agent or admin may see.
func (c Call) RedactedRaw() map[string]string {
	out := maps.Clone(c.Raw)
	for k := range out {
		if isSecretParam(k) {
			out[k] = Redacted
		}
	}
	return out
}

// MaxParamLength bounds a call parameter's value, as the platforms' own
// fields are bounded (seed documents: 256 characters); associated data
// (Huawei calldata, Sobot params, a JSON object of fields) may be longer.
// A pop page echoes parameters, so an unbounded one would come back
// several times its size.
const (
	MaxParamLength      = 256
	MaxAssocParamLength = 4096
)

// assocParams are the parameters carrying associated data.
var assocParams = map[string]bool{"calldata": true, "params": true, "callData": true}

// TooLong returns the first parameter over its length limit and the limit,
// or "" when all fit. Lengths are in characters.
func TooLong(params map[string][]string) (string, int) {
	for k, vs := range params {
		limit := MaxParamLength
		if assocParams[k] {
			limit = MaxAssocParamLength
		}
		if utf8.RuneCountInString(k) > MaxParamLength {
			return k[:32] + "…", MaxParamLength
		}
		for _, v := range vs {
			if len(v) > limit && utf8.RuneCountInString(v) > limit {
				return k, limit
			}
		}
	}
	return "", 0
}
