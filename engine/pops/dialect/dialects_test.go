package dialect

import (
	"errors"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Parameter sets taken from the seeds (see doc.go for which seed is which).
var (
	// seed 002 表2-1: an inbound audio call; the access code is calledNum.
	huaweiIn = map[string]string{
		"callerNum": "13800138000", "calledNum": "4008302118", "callid": "1718000000-1234567",
		"mediaType": "1", "callType": "0", "workNo": "1001", "callskill": "defaultVoiceSkill",
		"callskillid": "3", "agentName": "Agent1",
	}
	// seed 002 表2-1: an outbound call; the access code is callerNum.
	huaweiOut = map[string]string{
		"callerNum": "4008302118", "calledNum": "88880523", "callid": "1718000000-7654321",
		"mediaType": "1", "callType": "1", "workNo": "1001", "callskill": "defaultVoiceSkill",
		"callskillid": "3", "agentName": "Agent1",
	}
	// seed 002 表4-6 with the calldata of §4.4.5, as the pop page forwards a
	// Ringing event.
	huaweiEvent = map[string]string{
		"callerNum": "13800138000", "calledNum": "960358", "callid": "1718000000-42",
		"mediaType": "audio", "callType": "0", "workNo": "371",
		"calldata": `{"verifyServiceNo":"88880011","verifyWorkNo":"371","data":{"verifyResult":1}}`,
		"event":    "Ringing",
	}
	// seed 000 §三/§四.
	aliyunIn  = map[string]string{"callNumber": "18888888888", "calledNumber": "057166666666", "callType": "Inbound", "contactId": "job-1003-4421"}
	aliyunOut = map[string]string{"callNumber": "057166666666", "calledNumber": "13912345678", "callType": "Outbound", "contactId": "job-1003-4422"}
	// seed 003 §三, with the & the extracted text lost put back.
	ctiIn = map[string]string{
		"origin": "1", "callid": "20091128101010001", "number": "1234567890", "callerid": "1234567890",
		"calledid": "801", "groupid": "1", "agentid": "1", "empid": "001", "sid": "3B4D5C6D7E8F9A3B4D5C6D7E8F9",
	}
	ctiOut = map[string]string{
		"origin": "2", "callid": "20091128101512002", "number": "13900139000", "callerid": "801",
		"calledid": "13900139000", "groupid": "1", "agentid": "1", "empid": "001", "sid": "3B4D5C6D7E8F9A3B4D5C6D7E8F9",
	}
	// seed 004 呼叫中心-通话记录-通话详情页.
	sobotCall = map[string]string{
		"partnerId": "CRM-10086", "callId": "c-20240601-0001", "email": "zhangsan@example.com",
		"sign": "07e3dd381713d08f3ca68b5ebef68f43", "timestamp": "1718000000000", "uid": "u-7788",
		"uphone": "13800138000", "uemail": "li@example.com",
		"ivrPath": `[{"navKey":"1","navName":"售后"}]`, "province": "广东", "city": "深圳",
	}
	// seed 004 客服工作台, spelled as its example URL spells it (partnerid).
	sobotChat = map[string]string{
		"params": `{"key":"value","vip":true}`, "partnerid": "zc", "uid": "xxx", "email": "zhangsan@example.com",
		"sign": "07e3dd381713d08f3ca68b5ebef68f43", "timestamp": "1718000000000", "createChatTime": "1717999990000",
		"cid": "cid-991", "groupId": "g-12", "groupName": "售前组",
	}
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		dialect Name
		params  map[string]string
		want    Call // Raw is checked separately
	}{
		{"huawei get inbound", HuaweiGet, huaweiIn, Call{
			Dialect: HuaweiGet, CallerNum: "13800138000", CalledNum: "4008302118", CallID: "1718000000-1234567",
			MediaType: "1", CallType: "0", WorkNo: "1001", CallSkill: "defaultVoiceSkill", CallSkillID: "3", AgentName: "Agent1",
			Direction: Inbound, CustomerNumber: "13800138000", CustomerKeyParam: "callerNum", AssociatedData: map[string]string{},
		}},
		{"huawei get outbound", HuaweiGet, huaweiOut, Call{
			Dialect: HuaweiGet, CallerNum: "4008302118", CalledNum: "88880523", CallID: "1718000000-7654321",
			MediaType: "1", CallType: "1", WorkNo: "1001", CallSkill: "defaultVoiceSkill", CallSkillID: "3", AgentName: "Agent1",
			Direction: Outbound, CustomerNumber: "88880523", CustomerKeyParam: "calledNum", AssociatedData: map[string]string{},
		}},
		{"huawei post inbound", HuaweiPost, huaweiIn, Call{
			Dialect: HuaweiPost, CallerNum: "13800138000", CalledNum: "4008302118", CallID: "1718000000-1234567",
			MediaType: "1", CallType: "0", WorkNo: "1001", CallSkill: "defaultVoiceSkill", CallSkillID: "3", AgentName: "Agent1",
			Direction: Inbound, CustomerNumber: "13800138000", CustomerKeyParam: "callerNum", AssociatedData: map[string]string{},
		}},
		{"huawei multimedia chat without callType is inbound", HuaweiGet,
			map[string]string{"callerNum": "wx-openid-1", "calledNum": "960358", "mediaType": "5", "origin": "https://cec.example.com"},
			Call{Dialect: HuaweiGet, CallerNum: "wx-openid-1", CalledNum: "960358", MediaType: "5", Direction: Inbound,
				CustomerNumber: "wx-openid-1", CustomerKeyParam: "callerNum",
				AssociatedData: map[string]string{"origin": "https://cec.example.com"}}},
		{"huawei web api ringing with calldata", HuaweiWebAPI, huaweiEvent, Call{
			Dialect: HuaweiWebAPI, CallerNum: "13800138000", CalledNum: "960358", CallID: "1718000000-42",
			MediaType: "audio", CallType: "0", WorkNo: "371", Direction: Inbound, Event: EventRinging,
			CustomerNumber: "13800138000", CustomerKeyParam: "callerNum",
			AssociatedData: map[string]string{
				"calldata":        huaweiEvent["calldata"],
				"verifyServiceNo": "88880011", "verifyWorkNo": "371", "data": `{"verifyResult":1}`,
			},
		}},
		{"huawei configured params keep 随路数据", HuaweiGet,
			// seed 002 图2-9: callerPhone ← callerNum, email ← 随路数据 address, taskId ← 随路数据 ServiceID.
			map[string]string{"callerNum": "13800138000", "callType": "0", "email": "a@b.cn", "taskId": "T-9"},
			Call{Dialect: HuaweiGet, CallerNum: "13800138000", CallType: "0", Direction: Inbound,
				CustomerNumber: "13800138000", CustomerKeyParam: "callerNum",
				AssociatedData: map[string]string{"email": "a@b.cn", "taskId": "T-9"}}},
		{"aliyun inbound", Aliyun, aliyunIn, Call{
			Dialect: Aliyun, CallerNum: "18888888888", CalledNum: "057166666666", CallID: "job-1003-4421", CallType: "Inbound",
			Direction: Inbound, CustomerNumber: "18888888888", CustomerKeyParam: "callNumber", AssociatedData: map[string]string{},
		}},
		{"aliyun outbound", Aliyun, aliyunOut, Call{
			Dialect: Aliyun, CallerNum: "057166666666", CalledNum: "13912345678", CallID: "job-1003-4422", CallType: "Outbound",
			Direction: Outbound, CustomerNumber: "13912345678", CustomerKeyParam: "calledNumber", AssociatedData: map[string]string{},
		}},
		{"aliyun callType in other case", Aliyun,
			map[string]string{"callNumber": "18888888888", "calledNumber": "057166666666", "callType": "inbound"},
			Call{Dialect: Aliyun, CallerNum: "18888888888", CalledNum: "057166666666", CallType: "inbound",
				Direction: Inbound, CustomerNumber: "18888888888", CustomerKeyParam: "callNumber", AssociatedData: map[string]string{}}},
		{"tencent phone ringing", Tencent,
			ParseTencentHash("#?mobile=18888888888&userId=u_3321&type=phone&status=100&agentEmail=kf01%40example.com&agentNickName=%E5%B0%8F%E7%8E%8B&sdkAppId=1400000001"),
			Call{Dialect: Tencent, CallerNum: "18888888888", MediaType: "phone", AgentName: "kf01@example.com",
				Direction: Inbound, Event: EventRinging, CustomerNumber: "18888888888", CustomerKeyParam: "mobile",
				AssociatedData: map[string]string{"userId": "u_3321", "status": "100", "agentNickName": "小王", "sdkAppId": "1400000001"}}},
		{"tencent answered and ended", Tencent, map[string]string{"mobile": "18888888888", "type": "oim", "status": "400"},
			Call{Dialect: Tencent, CallerNum: "18888888888", MediaType: "oim", Direction: Inbound, Event: EventRelease,
				CustomerNumber: "18888888888", CustomerKeyParam: "mobile", AssociatedData: map[string]string{"status": "400"}}},
		{"tencent wechat session keys on openID", Tencent,
			map[string]string{"userId": "oX9a-openid", "nickName": "张三", "type": "im", "status": "200"},
			Call{Dialect: Tencent, MediaType: "im", Direction: Inbound, Event: EventTalking,
				CustomerNumber: "oX9a-openid", CustomerKeyParam: "userId",
				AssociatedData: map[string]string{"userId": "oX9a-openid", "nickName": "张三", "status": "200"}}},
		{"cti inbound", CTI, ctiIn, Call{
			Dialect: CTI, CallerNum: "1234567890", CalledNum: "801", CallID: "20091128101010001", CallType: "1",
			WorkNo: "001", CallSkillID: "1", Direction: Inbound, CustomerNumber: "1234567890", CustomerKeyParam: "number",
			AssociatedData: map[string]string{"agentid": "1"},
		}},
		{"cti outbound", CTI, ctiOut, Call{
			Dialect: CTI, CallerNum: "801", CalledNum: "13900139000", CallID: "20091128101512002", CallType: "2",
			WorkNo: "001", CallSkillID: "1", Direction: Outbound, CustomerNumber: "13900139000", CustomerKeyParam: "number",
			AssociatedData: map[string]string{"agentid": "1"},
		}},
		{"cti event from the trigger URL", CTI,
			map[string]string{"origin": "1", "number": "1234567890", "event": "talking"},
			Call{Dialect: CTI, CallType: "1", Direction: Inbound, Event: EventTalking,
				CustomerNumber: "1234567890", CustomerKeyParam: "number", AssociatedData: map[string]string{}}},
		{"sobot call center", Sobot, sobotCall, Call{
			Dialect: Sobot, CallID: "c-20240601-0001", AgentName: "zhangsan@example.com", Direction: Inbound,
			CustomerNumber: "13800138000", CustomerKeyParam: "uphone",
			AssociatedData: map[string]string{
				"partnerId": "CRM-10086", "uid": "u-7788", "uphone": "13800138000", "uemail": "li@example.com",
				"ivrPath": `[{"navKey":"1","navName":"售后"}]`, "province": "广东", "city": "深圳",
			},
		}},
		{"sobot chat workbench", Sobot, sobotChat, Call{
			Dialect: Sobot, CallID: "cid-991", AgentName: "zhangsan@example.com", CallSkill: "售前组", CallSkillID: "g-12", Direction: Inbound,
			CustomerNumber: "zc", CustomerKeyParam: "partnerid",
			AssociatedData: map[string]string{
				"params": `{"key":"value","vip":true}`, "key": "value", "vip": "true",
				"partnerid": "zc", "uid": "xxx", "cid": "cid-991", "createChatTime": "1717999990000",
			},
		}},
		{"sobot wecom sidebar", Sobot,
			map[string]string{"corpId": "wwf890d4f585acb42a", "userId": "ZhangSan", "partnerId": "wmABC", "serviceId": "svc01",
				"serviceRoleId": "role2", "tel": "13900139000", "timeStamp": "1718000000000", "sign": "x"},
			Call{Dialect: Sobot, WorkNo: "svc01", Direction: Inbound, CustomerNumber: "13900139000", CustomerKeyParam: "tel",
				AssociatedData: map[string]string{"corpId": "wwf890d4f585acb42a", "userId": "ZhangSan", "partnerId": "wmABC",
					"serviceRoleId": "role2", "tel": "13900139000"}}},
		{"screenpop's own params stay out of associated data", CTI,
			map[string]string{"number": "1234567890", "dialect": "cti", "ts": "1718000000", "sig": "abc"},
			Call{Dialect: CTI, Direction: Inbound, CustomerNumber: "1234567890", CustomerKeyParam: "number", AssociatedData: map[string]string{}}},
		{"values are trimmed", Aliyun, map[string]string{"callNumber": " 18888888888 ", "callType": "Inbound "},
			Call{Dialect: Aliyun, CallerNum: "18888888888", CallType: "Inbound", Direction: Inbound,
				CustomerNumber: "18888888888", CustomerKeyParam: "callNumber", AssociatedData: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.dialect, tt.params)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if !maps.Equal(got.Raw, tt.params) {
				t.Errorf("Raw = %v, want the parameters as received %v", got.Raw, tt.params)
			}
			got.Raw, got.Params = nil, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalize =\n %#v\nwant\n %#v", got, tt.want)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		dialect Name
		params  map[string]string
		want    error
		partial func(Call) bool // what is still filled in
	}{
		{"huawei callType neither 0 nor 1", HuaweiGet, map[string]string{"callerNum": "1", "calledNum": "2", "callType": "2"}, ErrNoCustomer,
			func(c Call) bool { return c.CallerNum == "1" && c.CustomerNumber == "" }},
		{"huawei renamed params without callType", HuaweiGet, map[string]string{"callerPhone": "13800138000"}, ErrNoCustomer, nil},
		{"huawei inbound without callerNum", HuaweiPost, map[string]string{"calledNum": "4008302118", "callType": "0"}, ErrNoCustomer,
			func(c Call) bool { return c.Direction == Inbound }},
		{"huawei init event has only workNo", HuaweiWebAPI, map[string]string{"workNo": "371", "event": "Init"}, ErrNoCustomer,
			func(c Call) bool { return c.WorkNo == "371" && c.Event == EventInit }},
		{"aliyun homepage without parameters", Aliyun, map[string]string{}, ErrNoCustomer, nil},
		{"aliyun unknown callType", Aliyun, map[string]string{"callNumber": "1", "callType": "Transfer"}, ErrNoCustomer, nil},
		{"aliyun outbound without calledNumber", Aliyun, map[string]string{"callNumber": "1", "callType": "Outbound"}, ErrNoCustomer, nil},
		{"tencent always-shown page without a call", Tencent, map[string]string{"agentEmail": "kf01@example.com"}, ErrNoCustomer, nil},
		{"cti without number or origin", CTI, map[string]string{"callid": "1", "empid": "001"}, ErrNoCustomer, nil},
		{"sobot without uphone or partnerId", Sobot, map[string]string{"email": "a@b.cn", "sign": "x", "uphone": ""}, ErrNoCustomer, nil},
		{"unknown dialect", Name("genesys"), map[string]string{"number": "1"}, ErrUnknownDialect, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Normalize(tt.dialect, tt.params)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.partial != nil && !tt.partial(c) {
				t.Errorf("partial call not filled: %#v", c)
			}
		})
	}
}

func TestNormalizeFallbacks(t *testing.T) {
	// CTI without number falls back on the direction.
	c, err := Normalize(CTI, map[string]string{"origin": "2", "callerid": "801", "calledid": "13900139000"})
	if err != nil || c.CustomerNumber != "13900139000" || c.CustomerKeyParam != "calledid" {
		t.Errorf("cti fallback = %q from %q, %v", c.CustomerNumber, c.CustomerKeyParam, err)
	}
	// Sobot prefers the phone of the call to partnerId.
	c, err = Normalize(Sobot, map[string]string{"partnerId": "CRM-1", "uphone": "13800138000"})
	if err != nil || c.CustomerNumber != "13800138000" {
		t.Errorf("sobot uphone first = %q, %v", c.CustomerNumber, err)
	}
	// A Huawei calldata that is not JSON is kept as one value.
	c, err = Normalize(HuaweiWebAPI, map[string]string{"callerNum": "1", "callType": "0", "calldata": "order=42"})
	if err != nil || !maps.Equal(c.AssociatedData, map[string]string{"calldata": "order=42"}) {
		t.Errorf("plain calldata = %v, %v", c.AssociatedData, err)
	}
}

func TestNormalizeWithRename(t *testing.T) {
	// seed 002 图2-9: the page is configured to receive callerPhone for
	// callerNum; here the admin also passes callType as direction.
	params := map[string]string{"callerPhone": "13800138000", "direction": "0", "email": "a@b.cn"}
	c, err := NormalizeWith(HuaweiGet, params, Options{Rename: map[string]string{"callerPhone": "callerNum", "direction": "callType"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.CustomerNumber != "13800138000" || c.Direction != Inbound {
		t.Errorf("renamed = %#v", c)
	}
	if !maps.Equal(c.AssociatedData, map[string]string{"email": "a@b.cn"}) {
		t.Errorf("AssociatedData = %v", c.AssociatedData)
	}
	if !maps.Equal(c.Raw, params) {
		t.Errorf("Raw = %v", c.Raw)
	}
	// The platform's own name wins over a renamed one.
	c, _ = NormalizeWith(HuaweiGet, map[string]string{"callerNum": "1", "caller": "2", "callType": "0"},
		Options{Rename: map[string]string{"caller": "callerNum"}})
	if c.CustomerNumber != "1" {
		t.Errorf("own name lost to rename: %q", c.CustomerNumber)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name     string
		params   map[string]string
		method   string
		override string
		want     Name
	}{
		{"huawei GET inbound", huaweiIn, "GET", "", HuaweiGet},
		{"huawei GET outbound", huaweiOut, "GET", "", HuaweiGet},
		{"huawei POST", huaweiIn, "POST", "", HuaweiPost},
		{"huawei POST, lower-case method", huaweiOut, "post", "", HuaweiPost},
		{"huawei web api by calldata", huaweiEvent, "POST", "", HuaweiWebAPI},
		{"huawei web api by mediaType", map[string]string{"callerNum": "1", "calledNum": "2", "callType": "0", "mediaType": "video"}, "POST", "", HuaweiWebAPI},
		{"huawei GET with the §2.4 origin parameter", map[string]string{"callerNum": "1", "origin": "https://cec.example.com"}, "GET", "", HuaweiGet},
		{"huawei only callType 0", map[string]string{"callType": "0"}, "GET", "", HuaweiGet},
		{"aliyun inbound", aliyunIn, "GET", "", Aliyun},
		{"aliyun outbound", aliyunOut, "GET", "", Aliyun},
		{"aliyun only callType", map[string]string{"callType": "Outbound"}, "GET", "", Aliyun},
		{"tencent seed example", ParseTencentHash("#?mobile=18888888888&type=phone"), "POST", "", Tencent},
		{"tencent full hash", ParseTencentHash("#?mobile=18888888888&userId=u1&nickName=%E5%BC%A0%E4%B8%89&status=100&type=phone&agentEmail=a%40b.cn&sdkAppId=1400"), "POST", "", Tencent},
		{"tencent wechat", map[string]string{"userId": "oX9a", "type": "im", "status": "200"}, "POST", "", Tencent},
		{"cti inbound", ctiIn, "GET", "", CTI},
		{"cti outbound", ctiOut, "GET", "", CTI},
		{"cti minimal", map[string]string{"origin": "1", "number": "1234567890"}, "GET", "", CTI},
		{"sobot call center", sobotCall, "GET", "", Sobot},
		{"sobot chat workbench", sobotChat, "GET", "", Sobot},
		{"sobot task page", map[string]string{"email": "a@b.cn", "sign": "x", "timestamp": "1718000000000", "uid": "1", "uphone": "138", "uemail": ""}, "GET", "", Sobot},
		{"sobot wecom", map[string]string{"corpId": "ww1", "userId": "u", "partnerId": "p", "serviceId": "s", "tel": "139", "timeStamp": "1", "sign": "x"}, "GET", "", Sobot},
		{"override wins over detection", huaweiIn, "GET", "cti", CTI},
		{"override in any case", map[string]string{"callid": "1"}, "GET", " CTI ", CTI},
		{"override from the dialect parameter", map[string]string{"callid": "1", "dialect": "huawei_post"}, "GET", "", HuaweiPost},
		{"explicit override beats the parameter", map[string]string{"callid": "1", "dialect": "huawei_post"}, "GET", "cti", CTI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(tt.params, tt.method, tt.override)
			if err != nil || got != tt.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDetectFailures(t *testing.T) {
	var amb *AmbiguousError
	// callid alone is both Huawei's and the CTI client's.
	_, err := Detect(map[string]string{"callid": "20091128101010001"}, "GET", "")
	if !errors.Is(err, ErrAmbiguous) || !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []Name{HuaweiGet, CTI}) {
		t.Errorf("callid alone: %v", err)
	}
	if !strings.Contains(err.Error(), "?dialect=") {
		t.Errorf("the error should say how to resolve it: %v", err)
	}
	// ... and resolves with an override.
	if n, err := Detect(map[string]string{"callid": "20091128101010001"}, "GET", "cti"); n != CTI || err != nil {
		t.Errorf("override: %q, %v", n, err)
	}
	// userId alone is Tencent's and Sobot WeCom's.
	_, err = Detect(map[string]string{"userId": "u1"}, "GET", "")
	if !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []Name{Tencent, Sobot}) {
		t.Errorf("userId alone: %v", err)
	}
	// A callType that is neither platform's value, an origin that is neither.
	for _, p := range []map[string]string{{}, {"foo": "bar"}, {"callType": "2"}, {"origin": "3"}, {"status": "100x", "type": "fax"}} {
		if _, err := Detect(p, "GET", ""); !errors.Is(err, ErrUndetected) {
			t.Errorf("Detect(%v) = %v, want ErrUndetected", p, err)
		}
	}
	// An override that names nothing fails even if detection would succeed.
	for _, o := range []string{"genesys", "huawei"} {
		if _, err := Detect(huaweiIn, "GET", o); !errors.Is(err, ErrUnknownDialect) {
			t.Errorf("override %q: %v", o, err)
		}
	}
	if _, err := Detect(huaweiIn, "GET", ""); err != nil {
		t.Errorf("no override: %v", err)
	}
	if _, err := Detect(map[string]string{"callerNum": "1", "dialect": "avaya"}, "GET", ""); !errors.Is(err, ErrUnknownDialect) {
		t.Errorf("bad dialect parameter: %v", err)
	}
}

func TestNames(t *testing.T) {
	for _, n := range Names() {
		if got, err := ParseName(string(n)); got != n || err != nil {
			t.Errorf("ParseName(%q) = %q, %v", n, got, err)
		}
	}
	if _, err := ParseName(""); !errors.Is(err, ErrUnknownDialect) {
		t.Errorf("ParseName empty: %v", err)
	}
	if !HuaweiWebAPI.IsHuawei() || Aliyun.IsHuawei() {
		t.Error("IsHuawei")
	}
}

func TestParseTencentHash(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{"#?mobile=18888888888&type=phone", map[string]string{"mobile": "18888888888", "type": "phone"}},
		{"?mobile=18888888888&type=phone", map[string]string{"mobile": "18888888888", "type": "phone"}},
		{"mobile=18888888888", map[string]string{"mobile": "18888888888"}},
		{"https://www.qq.com/#?mobile=18888888888&userId=u_1&status=100", map[string]string{"mobile": "18888888888", "userId": "u_1", "status": "100"}},
		// URL-encoded Chinese and email, as encodeURIComponent writes them.
		{"#?nickName=%E5%BC%A0%E4%B8%89%20%E5%85%88%E7%94%9F&agentEmail=kf%40example.com&avatar=https%3A%2F%2Fthirdwx.qlogo.cn%2Fa.png%3Fx%3D1%26y%3D2",
			map[string]string{"nickName": "张三 先生", "agentEmail": "kf@example.com", "avatar": "https://thirdwx.qlogo.cn/a.png?x=1&y=2"}},
		// Raw Chinese as a browser may hand it over undecoded.
		{"#?nickName=张三&agentNickName=小王", map[string]string{"nickName": "张三", "agentNickName": "小王"}},
		// A + is a +, encoded or not: E.164 numbers survive.
		{"#?mobile=+8613800138000", map[string]string{"mobile": "+8613800138000"}},
		{"#?mobile=%2B8613800138000", map[string]string{"mobile": "+8613800138000"}},
		// Undecodable values are kept; names without values are empty; the first of a repeat wins.
		{"#?avatar=%zz&flag&mobile=1&mobile=2&=x&&", map[string]string{"avatar": "%zz", "flag": "", "mobile": "1"}},
		{"", map[string]string{}},
		{"#", map[string]string{}},
	}
	for _, tt := range tests {
		if got := ParseTencentHash(tt.in); !maps.Equal(got, tt.want) {
			t.Errorf("ParseTencentHash(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// encodeURIComponent as JavaScript does it, for Sobot's zc_encode.
func encodeURIComponent(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func TestParseQuery(t *testing.T) {
	plain, err := ParseQuery("?partnerId=CRM-10086&uphone=13800138000&province=%E5%B9%BF%E4%B8%9C&uphone=1")
	if err != nil || !maps.Equal(plain, map[string]string{"partnerId": "CRM-10086", "uphone": "13800138000", "province": "广东"}) {
		t.Errorf("plain = %v, %v", plain, err)
	}
	// seed 004: with zc_encode=1 everything after ? is encodeURIComponent'd as one piece.
	inner := "zc_encode=1&partnerId=CRM-10086&uphone=13800138000&ivrPath=" + url.QueryEscape(`[{"navKey":"1","navName":"售后"}]`) + "&city=%E6%B7%B1%E5%9C%B3"
	for _, raw := range []string{encodeURIComponent(inner), "zc_encode=1&" + encodeURIComponent(strings.TrimPrefix(inner, "zc_encode=1&"))} {
		got, err := ParseQuery(raw)
		want := map[string]string{"zc_encode": "1", "partnerId": "CRM-10086", "uphone": "13800138000", "ivrPath": `[{"navKey":"1","navName":"售后"}]`, "city": "深圳"}
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("ParseQuery(%q) = %v, %v", raw, got, err)
		}
	}
	// A bad escape is reported, the rest kept.
	got, err := ParseQuery("a=%zz&b=2")
	if err == nil || got["b"] != "2" {
		t.Errorf("bad escape = %v, %v", got, err)
	}
	if got := FromValues(url.Values{"a": {"1", "2"}, "b": {}}); !maps.Equal(got, map[string]string{"a": "1"}) {
		t.Errorf("FromValues = %v", got)
	}
}

func TestCall(t *testing.T) {
	c, err := Normalize(CTI, ctiIn)
	if err != nil {
		t.Fatal(err)
	}
	r := c.RedactedRaw()
	if r["sid"] != Redacted || r["number"] != "1234567890" || c.Raw["sid"] != ctiIn["sid"] {
		t.Errorf("RedactedRaw = %v (Raw %v)", r, c.Raw)
	}
	if _, ok := c.AssociatedData["sid"]; ok {
		t.Error("the CTI session id leaked into AssociatedData")
	}
	s, _ := Normalize(Sobot, sobotCall)
	if s.RedactedRaw()["sign"] != Redacted {
		t.Error("sign not redacted")
	}
	// CallData renders every dialect in Huawei's vocabulary.
	a, _ := Normalize(Aliyun, aliyunOut)
	want := map[string]string{"callerNum": "057166666666", "calledNum": "13912345678", "callid": "job-1003-4422",
		"mediaType": "", "callType": "1", "workNo": "", "callskill": "", "callskillid": "", "agentName": ""}
	for _, k := range HuaweiDefaultParams() {
		if v, ok := a.CallData(k); !ok || v != want[k] {
			t.Errorf("CallData(%q) = %q, %v; want %q", k, v, ok, want[k])
		}
	}
	if _, ok := a.CallData("calldata"); ok {
		t.Error("CallData knows only the nine")
	}
	if len(HuaweiDefaultParams()) != 9 {
		t.Error("nine parameters")
	}
	if e, ok := ParseEvent("RELEASE"); !ok || e != EventRelease {
		t.Error("ParseEvent")
	}
}
