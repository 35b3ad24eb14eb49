package i18n

func init() { register(callMessages) }

// callMessages are the texts of call events, the workspace and the simulator.
var callMessages = []entry{
	{"call.event", "Choose Ringing, Talking, Release or Switch.", "事件须为 Ringing、Talking、Release 或 Switch。"},
	{"call.unknown_param", "Unknown call-data parameter %q.", "未知的呼叫数据参数 %q。"},
	{"call.too_much_assoc", "At most %d associated-data keys.", "随路数据最多 %d 个键。"},
	{"call.verify_code", "The verification type code may hold only letters, digits and underscores.", "身份认证方式编码只能包含字母、数字和下划线。"},
	{"call.not_found", "Call event not found.", "呼叫事件不存在。"},
	{"call.no_work_no", "Your account has no work number; ask an admin to set one under Settings.", "您的账号没有工号，请管理员在“设置”中设置。"},
	{"call.webhook", "Enter an https address for the telephony webhook.", "请填写 https 的外呼回调地址。"},
	{"workspace.idle", "Waiting for a call…", "等待来电…"},
	{"workspace.connected", "Connected", "已连接"},
	{"workspace.reconnecting", "Reconnecting…", "正在重连…"},
	{"workspace.outbound", "Outbound request", "外呼请求"},
	{"workspace.no_pops", "No pop pages are configured for this media type.", "该媒体类型没有配置弹屏页面。"},
	{"workspace.call", "Call", "来电"},
	{"sim.title", "Call simulator", "来电模拟器"},
	{"sim.help", "Send call events to an agent's open workspace, the way the telephony side would, to test pops without a phone line.", "像话务平台一样向座席打开的工作台发送呼叫事件，无需电话线路即可测试弹屏。"},
	{"sim.agent", "Agent (work number)", "座席（工号）"},
	{"sim.caller", "Customer number", "客户号码"},
	{"sim.direction", "Direction", "呼叫方向"},
	{"sim.media", "Media type", "媒体类型"},
	{"sim.assoc", "Associated data (key=value per line)", "随路数据（每行 键=值）"},
	{"sim.sent", "%s sent to agent %s (call %s).", "已向座席 %[2]s 发送%[1]s事件（呼叫 %[3]s）。"},
	{"nav.simulator", "Call simulator", "来电模拟"},
	{"pops.webhook", "Telephony webhook for dial-out requests", "外呼请求回调地址"},
	{"pops.webhook_help", "Receives {workNo, calledNum, mediaType} as JSON when an agent clicks a call button.", "座席点击拨打按钮时，以 JSON 接收 {workNo, calledNum, mediaType}。"},
}
