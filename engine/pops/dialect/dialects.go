package dialect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Name identifies how a platform passes call parameters to a pop page.
type Name string

const (
	HuaweiGet    Name = "huawei_get"    // Huawei CEC, URL GET 请求传参 (seed 002 §2)
	HuaweiPost   Name = "huawei_post"   // Huawei CEC, URL POST 请求传参, a form body (seed 002 §3)
	HuaweiWebAPI Name = "huawei_webapi" // Huawei CEC, Web API: AICCSupport.js events (seed 002 §4)
	Aliyun       Name = "aliyun"        // Aliyun CCC (seed 000)
	Tencent      Name = "tencent"       // Tencent TCCC (seed 001)
	CTI          Name = "cti"           // CTI desktop client (seed 003)
	Sobot        Name = "sobot"         // Sobot 智齿 (seed 004)
)

var allNames = []Name{HuaweiGet, HuaweiPost, HuaweiWebAPI, Aliyun, Tencent, CTI, Sobot}

// Names returns every dialect, in a stable order.
func Names() []Name { return slices.Clone(allNames) }

// Valid reports whether n is a known dialect.
func (n Name) Valid() bool { return slices.Contains(allNames, n) }

// IsHuawei reports whether n is one of Huawei CEC's three integration methods.
func (n Name) IsHuawei() bool { return n == HuaweiGet || n == HuaweiPost || n == HuaweiWebAPI }

// OverrideParam is the query parameter by which a pop URL names its dialect
// explicitly (`?dialect=cti`), for when detection cannot tell.
const OverrideParam = "dialect"

// Parameters that screenpop itself adds to pop URLs; they are never
// platform data.
var ownParams = map[string]bool{OverrideParam: true, SigParam: true, TSParam: true, NonceParam: true}

var (
	// ErrUnknownDialect: an override names no dialect.
	ErrUnknownDialect = errors.New("dialect: unknown dialect")
	// ErrUndetected: the parameters look like no platform's.
	ErrUndetected = errors.New("dialect: parameters match no platform")
	// ErrAmbiguous: the parameters look like more than one platform's
	// equally; the error is an *AmbiguousError naming them.
	ErrAmbiguous = errors.New("dialect: parameters match more than one platform")
	// ErrNoCustomer: the customer number cannot be determined from the
	// parameters (missing, or a direction that says neither in nor out).
	ErrNoCustomer = errors.New("dialect: customer number cannot be determined")
)

// AmbiguousError lists the dialects that matched equally well; pass one as
// the override.
type AmbiguousError struct{ Candidates []Name }

func (e *AmbiguousError) Error() string {
	s := make([]string, len(e.Candidates))
	for i, n := range e.Candidates {
		s[i] = string(n)
	}
	return ErrAmbiguous.Error() + " (" + strings.Join(s, ", ") + "); name one with ?" + OverrideParam + "="
}

func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// ParseName accepts a dialect name, ignoring letter case and surrounding
// space; anything else is ErrUnknownDialect.
func ParseName(s string) (Name, error) {
	n := Name(strings.ToLower(strings.TrimSpace(s)))
	if !n.Valid() {
		return "", fmt.Errorf("%w: %q", ErrUnknownDialect, s)
	}
	return n, nil
}

// family is a platform; Huawei's three methods share one.
type family int

const (
	famHuawei family = iota
	famAliyun
	famTencent
	famCTI
	famSobot
	famCount
)

var familyName = [famCount]Name{famHuawei: HuaweiGet, famAliyun: Aliyun, famTencent: Tencent, famCTI: CTI, famSobot: Sobot}

// signatureKeys are the parameter names each platform sends, exactly as the
// seeds spell them (callid is both Huawei's and the CTI client's, userId
// both Tencent's and Sobot WeCom's, and count for both). A few names are
// scored by value instead (see score): callType (Huawei 0/1, Aliyun
// Inbound/Outbound), origin (CTI 1/2; Huawei's §2.4 sample reads an origin
// URL), status and type (Tencent's codes; too generic to count on their own).
var signatureKeys = [famCount][]string{
	// seed 002 表2-1 / 表3-1 / 表4-6
	famHuawei: {"callerNum", "calledNum", "callid", "mediaType", "workNo", "callskill", "callskillid", "agentName", "calldata"},
	// seed 000 §四
	famAliyun: {"callNumber", "calledNumber", "contactId"},
	// seed 001 来电弹屏参数说明
	famTencent: {"mobile", "userId", "nickName", "avatar", "agentEmail", "agentMobile", "agentNickName", "agentRoleId", "sdkAppId"},
	// seed 003 §三
	famCTI: {"callid", "number", "callerid", "calledid", "groupid", "agentid", "empid", "sid"},
	// seed 004: 工作台, 呼叫中心, 任务, 工单, 客户中心, 质检, 会话监控 and 企业微信 tables;
	// "partnerid" as in the seed's own example URL; sysNum as SPEC §8 names it.
	famSobot: {"partnerId", "partnerid", "email", "sign", "timestamp", "createChatTime", "uid", "cid", "params",
		"groupId", "groupName", "callId", "uphone", "uemail", "ivrPath", "province", "city", "ticketId", "zc_encode",
		"corpId", "userId", "serviceId", "serviceRoleId", "wxUnionId", "wxBuildUnionId", "tel", "serviceTel", "timeStamp", "companyId", "sysNum"},
}

func score(p map[string]string) [famCount]int {
	var s [famCount]int
	for f := range famCount {
		for _, k := range signatureKeys[f] {
			if _, ok := p[k]; ok {
				s[f]++
			}
		}
	}
	if ct, ok := p["callType"]; ok {
		switch v := strings.TrimSpace(ct); {
		case v == "0" || v == "1":
			s[famHuawei]++
		case strings.EqualFold(v, "Inbound") || strings.EqualFold(v, "Outbound"):
			s[famAliyun]++
		}
	}
	if o, ok := p["origin"]; ok {
		switch v := strings.TrimSpace(o); {
		case v == "1" || v == "2":
			s[famCTI]++
		case strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://"):
			// Huawei's click-to-dial sample (seed 002 §2.4) reads the
			// workbench origin from the page URL's origin parameter.
			s[famHuawei]++
		}
	}
	if _, ok := tencentStatusEvent[strings.TrimSpace(p["status"])]; ok {
		s[famTencent]++
	}
	if tencentTypes[strings.TrimSpace(p["type"])] {
		s[famTencent]++
	}
	return s
}

// Detect tells which dialect sent params. An explicit override (the value of
// ?dialect=, or if override is empty the dialect parameter itself) wins when
// it names a dialect and is an ErrUnknownDialect when it does not: a
// misconfigured URL should fail loudly, not be guessed around.
//
// Otherwise each platform scores one point per parameter name of its own
// (signatureKeys) plus points for shared names whose value is its own (a
// callType of Inbound is Aliyun's, 0 is Huawei's). The best score wins; a tie
// is an *AmbiguousError, no match ErrUndetected. Within Huawei, parameters
// carrying calldata or a non-numeric mediaType are Web API events (seed 002
// 表4-6: AICCSupport's mediaType is audio/video/…, the URL methods' is 1/5),
// else method POST means URL POST (§3) and anything else URL GET (§2).
//
// Detection needs the platform's own parameter names: a Huawei page
// configured with renamed parameters (seed 002 §2.3 step 5) or an Aliyun
// homepage loaded before the first call (seed 000 §二, no parameters) cannot
// be detected; such URLs should carry ?dialect=.
func Detect(params map[string]string, method, override string) (Name, error) {
	if override == "" {
		override = params[OverrideParam]
	}
	if strings.TrimSpace(override) != "" {
		return ParseName(override)
	}
	s := score(params)
	best := 0
	for _, v := range s {
		best = max(best, v)
	}
	if best == 0 {
		return "", ErrUndetected
	}
	var winners []family
	for f, v := range s {
		if v == best {
			winners = append(winners, family(f))
		}
	}
	if len(winners) > 1 {
		c := make([]Name, len(winners))
		for i, f := range winners {
			c[i] = familyName[f]
		}
		return "", &AmbiguousError{Candidates: c}
	}
	if winners[0] != famHuawei {
		return familyName[winners[0]], nil
	}
	if _, ok := params["calldata"]; ok {
		return HuaweiWebAPI, nil
	}
	if mt := strings.TrimSpace(params["mediaType"]); mt != "" && !isDigits(mt) {
		return HuaweiWebAPI, nil
	}
	if strings.EqualFold(strings.TrimSpace(method), "POST") {
		return HuaweiPost, nil
	}
	return HuaweiGet, nil
}

// Options adjust Normalize.
type Options struct {
	// Rename maps a received parameter name to the platform's own name, for
	// a platform where the admin renamed parameters: Huawei's pop parameter
	// configuration passes "callerPhone" for callerNum when so configured
	// (seed 002 §2.3 step 5, 图2-9). A renamed value is used only when the
	// platform's own name is absent.
	Rename map[string]string
	// Assoc maps a received parameter name to the associated-data key it
	// carries (the same Huawei configuration can pass a 随路数据 key under
	// a URL name of the admin's choice). The value is also kept under the
	// received name.
	Assoc map[string]string
}

// renamed returns params with the configured names read as the platform's
// own (an own name that is present wins) and without the associated-data
// names, which are no platform's signature.
func (o Options) renamed(params map[string]string) map[string]string {
	out := make(map[string]string, len(params))
	for k, v := range params {
		if _, assoc := o.Assoc[k]; !assoc {
			out[k] = v
		}
	}
	for from, to := range o.Rename {
		if v, ok := params[from]; ok {
			if _, own := params[to]; !own {
				out[to] = v
			}
			delete(out, from)
		}
	}
	return out
}

// configured reports whether params carry a name the options map.
func (o Options) configured(params map[string]string) bool {
	for k := range params {
		if _, ok := o.Rename[k]; ok {
			return true
		}
		if _, ok := o.Assoc[k]; ok {
			return true
		}
	}
	return false
}

// DetectWith is Detect for a page whose pops are configured with renamed
// parameters (seed 002 §2.3 step 5, 图2-9: up to 20 names of the admin's
// choice). The configured names are read as Huawei's own before guessing,
// so ?callerPhone=… is Huawei's callerNum and a mapped name such as email
// no longer looks like Sobot; a request carrying only configured names is
// Huawei's (only Huawei renames parameters).
func DetectWith(params map[string]string, method, override string, opts Options) (Name, error) {
	if len(opts.Rename) == 0 && len(opts.Assoc) == 0 {
		return Detect(params, method, override)
	}
	if override == "" {
		override = params[OverrideParam]
	}
	name, err := Detect(opts.renamed(params), method, override)
	if errors.Is(err, ErrUndetected) && opts.configured(params) {
		if strings.EqualFold(strings.TrimSpace(method), "POST") {
			return HuaweiPost, nil
		}
		return HuaweiGet, nil
	}
	return name, err
}

// Normalize turns one platform's parameters into a Call. See NormalizeWith.
func Normalize(name Name, params map[string]string) (Call, error) {
	return NormalizeWith(name, params, Options{})
}

// NormalizeWith turns one platform's parameters into a Call. Values are
// trimmed of surrounding space; Raw keeps them as received. It fails with
// ErrUnknownDialect for an unknown name and ErrNoCustomer (wrapped, with the
// reason) when the customer number cannot be determined; the Call is then
// still filled as far as it could be, for display.
func NormalizeWith(name Name, params map[string]string, opts Options) (Call, error) {
	raw := make(map[string]string, len(params))
	for k, v := range params {
		raw[k] = v
	}
	p := make(map[string]string, len(params))
	for k, v := range params {
		if numberParams[k] || numberParams[opts.Rename[k]] {
			v = RestorePlus(v)
		}
		p[k] = strings.TrimSpace(v)
	}
	received := make(map[string]string, len(p))
	for k, v := range p {
		if !ownParams[k] && !isSecretParam(k) {
			received[k] = v
		}
	}
	for from, to := range opts.Rename {
		if v, ok := p[from]; ok {
			if _, own := p[to]; !own {
				p[to] = v
			}
		}
	}
	c := Call{Dialect: name, Raw: raw, Params: received, AssociatedData: map[string]string{}}
	for from, key := range opts.Assoc {
		if v, ok := p[from]; ok {
			c.AssociatedData[key] = v
		}
	}
	var consumed []string
	var err error
	switch name {
	case HuaweiGet, HuaweiPost, HuaweiWebAPI:
		consumed, err = normalizeHuawei(&c, p)
	case Aliyun:
		consumed, err = normalizeAliyun(&c, p)
	case Tencent:
		consumed, err = normalizeTencent(&c, p)
	case CTI:
		consumed, err = normalizeCTI(&c, p)
	case Sobot:
		consumed, err = normalizeSobot(&c, p)
	default:
		return Call{}, fmt.Errorf("%w: %q", ErrUnknownDialect, name)
	}
	if c.Event == "" {
		// screenpop's own convention for platforms that do not say which
		// moment a pop is for: the CTI client has one URL per trigger (seed
		// 003 §三) and the AICCSupport bridge posts the event name.
		if e, ok := ParseEvent(p[EventParam]); ok {
			c.Event = e
		}
	}
	skip := map[string]bool{EventParam: true}
	for _, k := range consumed {
		skip[k] = true
	}
	for from := range opts.Rename {
		skip[from] = true
	}
	for k, v := range p {
		if skip[k] || ownParams[k] || isSecretParam(k) {
			continue
		}
		if _, ok := c.AssociatedData[k]; !ok {
			c.AssociatedData[k] = v
		}
	}
	return c, err
}

// EventParam is the parameter by which a pop URL or a forwarded SDK event
// names the Event, where the platform itself does not.
const EventParam = "event"

// normalizeHuawei follows seed 002 表2-1 (GET), 表3-1 (POST) and 表4-6 (Web
// API events): callType 0 is inbound and 1 outbound; inbound the customer is
// the caller (callerNum), outbound the called party (calledNum), the other
// number being the access code.
func normalizeHuawei(c *Call, p map[string]string) ([]string, error) {
	c.CallerNum = p["callerNum"]
	c.CalledNum = p["calledNum"]
	c.CallID = p["callid"]
	c.MediaType = p["mediaType"]
	c.CallType = p["callType"]
	c.WorkNo = p["workNo"]
	c.CallSkill = p["callskill"]
	c.CallSkillID = p["callskillid"]
	c.AgentName = p["agentName"]
	consumed := append(HuaweiDefaultParams(), "calldata")
	if cd, ok := p["calldata"]; ok && cd != "" {
		// 随路数据 arrives as one string (表4-6); the IVR side of the seed
		// (§4.4.5) shows it as a JSON object, so spread one out when it is.
		c.AssociatedData["calldata"] = cd
		spreadJSON(c.AssociatedData, cd)
	}
	switch c.CallType {
	case "0":
		c.Direction = Inbound
	case "1":
		c.Direction = Outbound
	case "":
		// No direction given: the call is inbound and the caller the
		// customer, on every platform (表2-1: multimedia text chats,
		// mediaType 5, are never outbound; an admin may leave callType out
		// of the configured parameters, 图2-9).
		c.Direction = Inbound
	}
	switch c.Direction {
	case Inbound:
		return consumed, c.setCustomer("callerNum", c.CallerNum)
	case Outbound:
		return consumed, c.setCustomer("calledNum", c.CalledNum)
	}
	return consumed, fmt.Errorf("%w: huawei: callType %q is neither 0 (inbound) nor 1 (outbound)", ErrNoCustomer, c.CallType)
}

// normalizeAliyun follows seed 000 §四: callNumber is the caller, calledNumber
// the called party, callType Inbound or Outbound, contactId the call id.
func normalizeAliyun(c *Call, p map[string]string) ([]string, error) {
	c.CallerNum = p["callNumber"]
	c.CalledNum = p["calledNumber"]
	c.CallID = p["contactId"]
	c.CallType = p["callType"]
	consumed := []string{"callNumber", "calledNumber", "contactId", "callType"}
	switch {
	case strings.EqualFold(c.CallType, "Inbound"):
		c.Direction = Inbound
		return consumed, c.setCustomer("callNumber", c.CallerNum)
	case strings.EqualFold(c.CallType, "Outbound"):
		c.Direction = Outbound
		return consumed, c.setCustomer("calledNumber", c.CalledNum)
	case c.CallType == "":
		// No direction given: inbound, the caller is the customer (a
		// homepage loads without any parameter before the first call and
		// finds no number either way).
		c.Direction = Inbound
		return consumed, c.setCustomer("callNumber", c.CallerNum)
	}
	return consumed, fmt.Errorf("%w: aliyun: callType %q is neither Inbound nor Outbound", ErrNoCustomer, c.CallType)
}

// tencentStatusEvent maps TCCC's status (用户状态, seed 001) to an Event:
// 100 呼入中 (ringing), 200 已接入 (answered), 400 已结束 (ended).
var tencentStatusEvent = map[string]Event{"100": EventRinging, "200": EventTalking, "400": EventRelease}

// tencentTypes are TCCC's service types (服务类型, seed 001): phone 电话, im
// 微信/网页渠道图文会话, om 全媒体仅音频通话, oim 音频通话 + 图文会话.
var tencentTypes = map[string]bool{"phone": true, "im": true, "om": true, "oim": true}

// normalizeTencent follows seed 001: the hash carries mobile (the customer's
// phone), userId (a user id, or the WeChat openID on the WeChat channel),
// status and type. TCCC fills the hash on inbound calls and sessions only
// ("每次呼入时"; outbound parameters are promised for later), so the direction
// is inbound. Without a mobile (a WeChat or web chat) the customer key is
// userId.
func normalizeTencent(c *Call, p map[string]string) ([]string, error) {
	c.MediaType = p["type"]
	c.AgentName = p["agentEmail"]
	c.Direction = Inbound
	c.Event = tencentStatusEvent[p["status"]]
	c.CallerNum = p["mobile"]
	consumed := []string{"mobile", "type", "agentEmail"}
	if p["mobile"] != "" {
		return consumed, c.setCustomer("mobile", p["mobile"])
	}
	if p["userId"] != "" {
		return consumed, c.setCustomer("userId", p["userId"])
	}
	return consumed, fmt.Errorf("%w: tencent: neither mobile nor userId in the hash", ErrNoCustomer)
}

// normalizeCTI follows seed 003 §三: origin is the direction (1 呼入, 2 呼出),
// number the customer's phone whatever the direction, callerid/calledid the
// two parties, groupid the agent group (席位组), agentid the seat (席位代号),
// empid the agent's work number (工号), sid the session id of the login.
// The seed's field list calls the call id "called"; its example and the
// client send callid.
func normalizeCTI(c *Call, p map[string]string) ([]string, error) {
	c.CallerNum = p["callerid"]
	c.CalledNum = p["calledid"]
	c.CallID = p["callid"]
	c.CallType = p["origin"]
	c.WorkNo = p["empid"]
	c.CallSkillID = p["groupid"]
	consumed := []string{"callerid", "calledid", "callid", "origin", "empid", "groupid", "number"}
	switch c.CallType {
	case "1":
		c.Direction = Inbound
	case "2":
		c.Direction = Outbound
	default:
		c.Direction = Inbound // no direction given: the caller is the customer
	}
	if p["number"] != "" {
		return consumed, c.setCustomer("number", p["number"])
	}
	// number is documented as always present; without it fall back the way
	// Huawei's parameters work.
	if c.Direction == Outbound {
		return consumed, c.setCustomer("calledid", c.CalledNum)
	}
	return consumed, c.setCustomer("callerid", c.CallerNum)
}

// normalizeSobot follows seed 004's tables for every page that can embed a
// 对接页面: uphone is the customer's phone on the call-center, task, ticket,
// customer-center, QA and monitoring pages; tel on the WeCom (企业微信)
// sidebar; partnerId (对接 ID, the enterprise's own customer id) on the chat
// workbench, where there is no phone. Sobot does not say the direction.
func normalizeSobot(c *Call, p map[string]string) ([]string, error) {
	c.CallID = p["callId"]
	if c.CallID == "" {
		c.CallID = p["cid"] // 会话 ID of a chat
	}
	c.AgentName = p["email"]
	c.CallSkill = p["groupName"]
	c.CallSkillID = p["groupId"]
	c.WorkNo = p["serviceId"]
	// Sobot never says the direction: inbound, the customer is the one
	// the page is about.
	c.Direction = Inbound
	consumed := []string{"callId", "email", "groupName", "groupId", "serviceId", "timestamp", "timeStamp", "zc_encode"}
	if cd, ok := p["params"]; ok && cd != "" {
		// 自定义资料字段, a JSON object (`params={"key":"value"}`).
		c.AssociatedData["params"] = cd
		spreadJSON(c.AssociatedData, cd)
		consumed = append(consumed, "params")
	}
	for _, k := range []string{"uphone", "tel"} {
		if p[k] != "" {
			return consumed, c.setCustomer(k, p[k])
		}
	}
	if k, v, ok := getFold(p, "partnerId"); ok && v != "" {
		return consumed, c.setCustomer(k, v)
	}
	return consumed, fmt.Errorf("%w: sobot: neither uphone nor partnerId", ErrNoCustomer)
}

func (c *Call) setCustomer(param, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %s: %s is empty", ErrNoCustomer, c.Dialect, param)
	}
	c.CustomerNumber, c.CustomerKeyParam = v, param
	return nil
}

// getFold finds key exactly, else in any letter case (Sobot's own example
// URL spells partnerId "partnerid", seed 004 对接方式 1).
func getFold(p map[string]string, key string) (string, string, bool) {
	if v, ok := p[key]; ok {
		return key, v, true
	}
	var found []string
	for k := range p {
		if strings.EqualFold(k, key) {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return "", "", false
	}
	sort.Strings(found)
	return found[0], p[found[0]], true
}

// spreadJSON copies a JSON object's members into dst without overwriting:
// strings as they are, other values as compact JSON. Anything but an object
// is left alone (the raw text is kept by the caller).
func spreadJSON(dst map[string]string, text string) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if dec.Decode(&obj) != nil {
		return
	}
	for k, raw := range obj {
		if _, ok := dst[k]; ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			dst[k] = s
			continue
		}
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			dst[k] = b.String()
		}
	}
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// FromValues flattens a parsed query or form to one value per name, the
// first, as the platforms send each parameter once.
func FromValues(v url.Values) map[string]string {
	out := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

// ParseQuery parses a raw query string into one value per name (see
// ParseQueryValues).
func ParseQuery(raw string) (map[string]string, error) {
	vals, err := ParseQueryValues(raw)
	return FromValues(vals), err
}

// appendedQuery finds a "?" that starts a second query: one a platform
// put after a configured URL that already had a query (Aliyun and Sobot
// append "?a=b" to whatever address they are given, seed 000 §三, seed 004
// 对接方式 1), so /pop/t/1?dialect=aliyun becomes
// /pop/t/1?dialect=aliyun?callNumber=…
var appendedQuery = regexp.MustCompile(`\?(&|[A-Za-z_][A-Za-z0-9_.\-]*=)`)

// ParseQueryValues parses a raw query string (with or without the leading
// "?"). A second "?name=" (a platform appending its own query to a
// configured URL that had one) is read as "&name=". It also undoes Sobot's
// zc_encode=1 form, where everything after "?" is encodeURIComponent-
// encoded as one piece (seed 004, 呼叫中心-通话记录-通话详情页): such a
// query arrives as a single name containing "=" and no value, and is
// parsed again once decoded. Pairs that do not decode are skipped and the
// first such error is returned with what could be parsed.
func ParseQueryValues(raw string) (url.Values, error) {
	raw = strings.TrimPrefix(raw, "?")
	raw = appendedQuery.ReplaceAllString(raw, "&$1")
	vals, err := url.ParseQuery(raw)
	var blobs []string
	for k, vs := range vals {
		if strings.Contains(k, "=") && allEmpty(vs) {
			blobs = append(blobs, k)
			delete(vals, k)
		}
	}
	sort.Strings(blobs)
	for _, b := range blobs {
		inner, ierr := url.ParseQuery(appendedQuery.ReplaceAllString(strings.TrimPrefix(b, "?"), "&$1"))
		if err == nil {
			err = ierr
		}
		for k, vs := range inner {
			if _, ok := vals[k]; !ok && len(vs) > 0 {
				vals[k] = vs
			}
		}
	}
	return vals, err
}

func allEmpty(vs []string) bool {
	for _, v := range vs {
		if v != "" {
			return false
		}
	}
	return true
}

// ParseTencentHash parses the hash TCCC puts on a pop page's URL (seed 001:
// `https://www.qq.com#?mobile=18888888888&type=phone`), which the page's
// script forwards on load and on every hashchange. It accepts the fragment
// with or without "#" and "?", or a whole URL. Values are percent-decoded
// but "+" stays "+" (as JavaScript's decodeURIComponent leaves it), so an
// E.164 number like +8613800000000 survives; a value that does not decode is
// kept as it came. The first of repeated names wins.
func ParseTencentHash(fragment string) map[string]string {
	if i := strings.IndexByte(fragment, '#'); i >= 0 {
		fragment = fragment[i+1:]
	}
	fragment = strings.TrimPrefix(fragment, "?")
	out := map[string]string{}
	for pair := range strings.SplitSeq(fragment, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = percentDecode(k), percentDecode(v)
		if k == "" {
			continue
		}
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

func percentDecode(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}
