package dialect

// Transport values of Descriptor.
const (
	TransportQuery       = "URL query"
	TransportForm        = "form POST"
	TransportPostMessage = "postMessage events"
	TransportHash        = "URL hash"
)

// ParamDoc documents one parameter a platform sends.
type ParamDoc struct {
	Name      string
	Meaning   string // English
	MeaningZH string // Chinese, as the seed puts it
}

// Descriptor documents a dialect for the admin help page: how the platform
// passes parameters, what they mean and which one is the customer key.
type Descriptor struct {
	Name          Name
	Platform      string // "Huawei CEC"
	PlatformZH    string // "华为 CEC"
	Transport     string // one of the Transport constants
	Params        []ParamDoc
	CustomerKey   string // English
	CustomerKeyZH string
	Note          string // what an admin configuring the platform should know
	NoteZH        string
	Seed          string // the seed section this follows
}

var huaweiURLParams = []ParamDoc{
	{"callerNum", "Calling number: the customer's number on an inbound call; the access code (or the configured outbound caller number) on an outbound call.", "主叫号码。呼入呼叫中心时，客户的号码为主叫号码；呼叫中心执行呼出操作时，系统接入码（或系统配置的呼出主叫号码）为主叫号码。"},
	{"calledNum", "Called number: the access code on an inbound call; the customer's number on an outbound call.", "被叫号码。呼入呼叫中心时，系统接入码为被叫号码；呼叫中心执行呼出操作时，客户的号码为被叫号码。"},
	{"callid", "Call ID, unique per session; the same as the call ID in the contact record.", "会话ID。即呼叫中当次会话的唯一标识，与“客户接触历史 > 接触记录”的接触详情中“呼叫ID”保持一致。"},
	{"mediaType", "Media type: 1 audio/video call, 5 multimedia text chat.", "媒体类型。1：音视频呼叫；5：多媒体文字交谈。"},
	{"callType", "Call type: 0 inbound, 1 outbound (multimedia text chats are never outbound).", "呼叫类型。0：呼入；1：呼出（多媒体文字交谈类型的呼叫不支持该呼叫类型）。"},
	{"workNo", "Platform work number of the agent handling the call.", "执行当前操作的座席平台工号。"},
	{"callskill", "Skill queue the agent uses for the call.", "呼叫中座席使用的技能队列。"},
	{"callskillid", "ID of that skill queue.", "呼叫中座席使用的技能队列的技能队列编号。"},
	{"agentName", "The agent's business account.", "呼叫中座席的业务帐号。"},
}

const (
	huaweiKey    = "callerNum when callType is 0 (inbound), calledNum when callType is 1 (outbound)."
	huaweiKeyZH  = "callType 为 0（呼入）时取 callerNum，为 1（呼出）时取 calledNum。"
	huaweiNote   = "Without configured pop parameters the nine above are passed; with them, only the configured names (as call data or 随路数据), so renamed parameters need a pop URL with ?dialect= and a rename. Click-to-dial works only from embedded pages."
	huaweiNoteZH = "未配置弹屏参数时默认传递以上 9 个参数；配置后只传递所配置的参数（呼叫数据或随路数据），改名的参数需在弹屏地址上加 ?dialect= 并配置映射。一键外呼仅支持“嵌入”方式打开的页面。"
)

var descriptors = []Descriptor{
	{
		Name: HuaweiGet, Platform: "Huawei CEC", PlatformZH: "华为 CEC", Transport: TransportQuery,
		Params: huaweiURLParams, CustomerKey: huaweiKey, CustomerKeyZH: huaweiKeyZH,
		Note: "Integration method URL GET: the parameters are in the page URL. " + huaweiNote, NoteZH: "集成方式“URL GET请求传参”：参数在页面 URL 中。" + huaweiNoteZH,
		Seed: "002 §2 (表2-1, §2.4)",
	},
	{
		Name: HuaweiPost, Platform: "Huawei CEC", PlatformZH: "华为 CEC", Transport: TransportForm,
		Params: huaweiURLParams, CustomerKey: huaweiKey, CustomerKeyZH: huaweiKeyZH,
		Note: "Integration method URL POST: the same parameters as a form body, not in the URL. " + huaweiNote, NoteZH: "集成方式“URL POST请求传参”：同样的参数以表单提交，不出现在 URL 中。" + huaweiNoteZH,
		Seed: "002 §3 (表3-1)",
	},
	{
		Name: HuaweiWebAPI, Platform: "Huawei CEC", PlatformZH: "华为 CEC", Transport: TransportPostMessage,
		Params: []ParamDoc{
			{"callerNum", "Calling number.", "主叫号码。"},
			{"calledNum", "Called number.", "被叫号码。"},
			{"callid", "Call ID, unique per session; the same as the call ID in the contact record.", "会话id。即呼叫中当次会话的唯一标识，与“客户接触历史 > 接触记录”的接触详情中“呼叫ID”保持一致。"},
			{"mediaType", "Media type: audio, video, wechat, email, whatsapp or web.", "媒体类型。枚举值：audio, video, wechat, email, whatsapp, web。"},
			{"callType", "Call type: 0 inbound, 1 outbound.", "呼叫类型。0：呼入，1：呼出。"},
			{"workNo", "The agent's work number (the only field of the Init event).", "当前坐席工号（初始化事件只有坐席工号）。"},
			{"calldata", "Associated data (随路数据) of the call.", "随路数据。"},
		},
		CustomerKey: huaweiKey, CustomerKeyZH: huaweiKeyZH,
		Note:   "Integration method Web API: the page loads AICCSupport.js and receives Init, Ringing, Talking, Release and Switch events; the pop page forwards each event's data to screenpop. Only embedded external pages get events.",
		NoteZH: "集成方式“Web API”：页面引入 AICCSupport.js，接收 Init、Ringing、Talking、Release、Switch 事件，弹屏页把事件数据转给 screenpop。仅嵌入的外部页面可收到事件。",
		Seed:   "002 §4.4 (表4-5, 表4-6)",
	},
	{
		Name: Aliyun, Platform: "Aliyun CCC", PlatformZH: "阿里云 CCC", Transport: TransportQuery,
		Params: []ParamDoc{
			{"callNumber", "Calling number.", "主叫号码"},
			{"calledNumber", "Called number.", "被叫号码"},
			{"callType", "Call type: Inbound or Outbound.", "电话类型：Inbound(呼入) / Outbound(呼出)"},
			{"contactId", "Call ID.", "通话ID"},
		},
		CustomerKey: "callNumber when callType is Inbound, calledNumber when Outbound.", CustomerKeyZH: "callType 为 Inbound 时取 callNumber，为 Outbound 时取 calledNumber。",
		Note:   "HTTPS only, at most five pop pages per instance. The homepage (设为首页) opens at agent sign-in without parameters, for signing in to the business system, and is refreshed with the parameters on each call.",
		NoteZH: "仅支持 https，每个实例最多五个弹屏页面。“首页”在座席登录时不带参数打开（用于登录业务系统），每次呼入/呼出时带参数刷新。",
		Seed:   "000 §一–§四",
	},
	{
		Name: Tencent, Platform: "Tencent TCCC", PlatformZH: "腾讯云 TCCC", Transport: TransportHash,
		Params: []ParamDoc{
			{"mobile", "The customer's phone number.", "手机号"},
			{"userId", "User ID on the phone and web channels; the user's WeChat openID on the WeChat channel.", "电话/网页渠道：用户 id；微信渠道：用户微信 openID"},
			{"nickName", "The user's WeChat nickname.", "用户微信昵称"},
			{"avatar", "The user's avatar.", "用户头像"},
			{"status", "User status: 100 ringing, 200 connected, 400 ended.", "用户状态。100：呼入中；200：已接入；400：已结束"},
			{"type", "Service type: phone; im (WeChat/web chat); om (omnichannel, audio only); oim (audio and chat).", "服务类型。phone：电话；im：微信/网页渠道图文会话；om：全媒体，仅音频通话；oim：音频通话 + 图文会话"},
			{"agentEmail", "The agent's email.", "客服邮箱"},
			{"agentMobile", "The agent's phone number.", "客服手机号"},
			{"agentNickName", "The agent's nickname.", "客服昵称"},
			{"agentRoleId", "The agent's role (administrator or agent).", "客服角色（管理员 / 普通客服）"},
			{"sdkAppId", "Application ID.", "应用 ID"},
		},
		CustomerKey: "mobile (userId when there is no mobile, as on WeChat).", CustomerKeyZH: "mobile（无手机号时，如微信渠道，取 userId）。",
		Note:   "The parameters are in the URL hash (#?mobile=…&type=phone) and change with hashchange, so the page itself forwards them. Only inbound calls and sessions carry parameters; 常显 pages stay open without a call.",
		NoteZH: "参数在 URL 的 hash 中（#?mobile=…&type=phone），通过 hashchange 更新，由页面自行转发。目前只有呼入/会话带参数；“常显”页面无来电时也常驻显示。",
		Seed:   "001 业务系统获取通信相关参数",
	},
	{
		Name: CTI, Platform: "CTI desktop client", PlatformZH: "CTI 客户端", Transport: TransportQuery,
		Params: []ParamDoc{
			{"origin", "Call direction: 1 inbound, 2 outbound.", "呼叫方向。1-呼入，2-呼出"},
			{"callid", "Call ID.", "呼叫ID"},
			{"number", "The customer's phone number.", "客户电话号码"},
			{"callerid", "Calling number.", "主叫号码"},
			{"calledid", "Called number.", "被叫号码"},
			{"groupid", "Agent group.", "席位组"},
			{"agentid", "Seat code.", "席位代号"},
			{"empid", "The agent's work number.", "工号"},
			{"sid", "Session ID, the same as returned at sign-in (a credential: never shown).", "SessionID，和登录成功时返回的 sid 一致"},
		},
		CustomerKey: "number, whatever the direction.", CustomerKeyZH: "number（不论呼入呼出）。",
		Note:   "The client opens one address each on ringing, off-hook and hang-up, in a pop-up or a hidden window (for call logging); give each its own pop. Dial-out links go to the client's local web server.",
		NoteZH: "客户端在振铃、摘机、挂机时各访问一个地址，可在弹出窗口或隐藏窗口（记录呼叫日志）中打开；每个地址配置各自的弹屏。外拨链接指向客户端本机的 Web 服务。",
		Seed:   "003 §三, §四",
	},
	{
		Name: Sobot, Platform: "Sobot", PlatformZH: "智齿", Transport: TransportQuery,
		Params: []ParamDoc{
			{"partnerId", "Integration ID: the customer's ID in the enterprise's own system.", "对接 ID，咨询者/客户在第三方系统的 ID"},
			{"email", "The agent's login email.", "当前客服的登陆邮箱"},
			{"sign", "Signature: md5(sysNum+email), or with the security key MD5(sysNum+key+timestamp+partnerId) on the chat workbench and MD5(sysNum+key+timestamp+uphone+uemail) elsewhere.", "sign=md5(sysNum+email)；开启安全密钥后，客服工作台 sign=MD5(sysNum+密钥+timestamp+partnerId)，其他页面 sign=MD5(sysNum+密钥+timestamp+uphone+uemail)"},
			{"timestamp", "Timestamp, milliseconds.", "时间戳（长整型，毫秒级时间戳）"},
			{"createChatTime", "When the chat was created, milliseconds.", "时间戳（长整型，毫秒级时间戳）"},
			{"uid", "The user's ID in Sobot.", "咨询用户在智齿系统的用户 ID"},
			{"cid", "Conversation ID of this chat.", "本次咨询对应会话的会话 ID"},
			{"callId", "Unique ID of the current call.", "当前通话的唯一标识"},
			{"uphone", "The customer's phone number for this call (or the user's first phone number in Sobot).", "本次通话的客户号码（或用户在智齿系统中的第一个电话号码）"},
			{"uemail", "The user's first email in Sobot.", "用户在智齿系统中的第一个邮箱"},
			{"params", "Custom profile fields, JSON.", "自定义资料字段"},
			{"groupId", "ID of the receiving skill group.", "接待客服技能组ID"},
			{"groupName", "Name of the receiving skill group.", "接待客服技能组名称"},
			{"ivrPath", "IVR path, JSON (navKey, navName).", "ivr 轨迹，json 字符串"},
			{"province", "Province of the number.", "号码归属地省份"},
			{"city", "City of the number.", "号码归属地城市"},
			{"ticketId", "Ticket ID.", "工单 ID"},
			{"tel", "WeCom sidebar: the customer's phone.", "企业微信：客户电话"},
		},
		CustomerKey: "uphone (tel in WeCom), else partnerId.", CustomerKeyZH: "uphone（企业微信为 tel），否则 partnerId。",
		Note:   "The parameters set differs by page (workbench, call center, tasks, tickets, customer center, QA, monitoring, WeCom). On the chat workbench, switching user updates the iframe src without reloading and posts a message named selected instead. Add zc_encode=1 to the configured URL to have the query encoded as one piece. The sign without a security key proves little: turn the key on.",
		NoteZH: "各页面（客服工作台、呼叫中心、任务、工单、客户中心、质检、会话监控、企业微信）传入的字段不同。客服工作台切换用户时只更新 iFrame 的 src 而不刷新，并抛出 name 为 selected 的 postMessage。对接地址加 zc_encode=1 可将参数整体编码。未开启安全密钥的 sign 几乎不能证明来源，请开启安全密钥。",
		Seed:   "004 iFrame 接入",
	},
}

// Descriptors returns a descriptor for every dialect, in Names() order.
func Descriptors() []Descriptor {
	out := make([]Descriptor, len(descriptors))
	for i, d := range descriptors {
		d.Params = append([]ParamDoc(nil), d.Params...)
		out[i] = d
	}
	return out
}

// Describe returns the descriptor of one dialect.
func Describe(n Name) (Descriptor, bool) {
	for _, d := range Descriptors() {
		if d.Name == n {
			return d, true
		}
	}
	return Descriptor{}, false
}
