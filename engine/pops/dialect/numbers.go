package dialect

import (
	"net/url"
	"slices"
	"strings"
)

// The platforms put phone numbers into URLs unescaped: Aliyun's
// callNumber=+86…, Tencent's hash #?mobile=+86…, Huawei's GET query and
// POST form. Query and form decoding read a raw "+" as a space, so
// "+8613800138000" arrives as " 8613800138000". Every place a number
// enters screenpop reads such a value back with its "+".

// numberParams are the parameters that carry a phone number on some
// platform (seed 000 §四, 001 参数说明, 002 表2-1, 003 §三, 004 tables),
// and the call data keys of screenpop's own events API.
var numberParams = map[string]bool{
	"callerNum": true, "calledNum": true, // Huawei, events API
	"callNumber": true, "calledNumber": true, // Aliyun
	"mobile": true, "agentMobile": true, // Tencent
	"number": true, "callerid": true, "calledid": true, // CTI
	"uphone": true, "tel": true, "serviceTel": true, // Sobot
}

// IsNumberParam reports whether a parameter of that name carries a phone
// number on some platform.
func IsNumberParam(name string) bool { return numberParams[name] }

// RestorePlus gives back the "+" of a phone number that form or query
// decoding turned into a space: a value that starts with one space
// followed by a digit, and does not end in space, is read as "+" and the
// rest. Anything else is returned unchanged: a decoded "+" leaves one
// space in front only, so a value padded on both sides was padded, not
// decoded, and is merely trimmed later.
func RestorePlus(v string) string {
	if len(v) > 1 && v[0] == ' ' && v[1] >= '0' && v[1] <= '9' && !strings.HasSuffix(v, " ") {
		return "+" + strings.TrimSpace(v)
	}
	return v
}

// RestoreNumbers applies RestorePlus in place to the values of every
// number parameter of v and of extra (names a pop configuration maps to a
// number, seed 002 图2-9).
func RestoreNumbers(v url.Values, extra ...string) {
	for k, vs := range v {
		if !numberParams[k] && !slices.Contains(extra, k) {
			continue
		}
		for i := range vs {
			vs[i] = RestorePlus(vs[i])
		}
	}
}
