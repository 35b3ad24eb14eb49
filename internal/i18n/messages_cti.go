package i18n

func init() { register(ctiMessages) }

// ctiMessages are the texts of the CTI client's unified login (seed 003 §二).
var ctiMessages = []entry{
	{"pop.cti_login_url", "Give the CTI client's login.cgi address, http://host:port/path, without a query.", "请填写 CTI 客户端 login.cgi 的地址（http://主机:端口/路径，不带查询参数）。"},
	{"user.cti_password", "A CTI password is at most %d characters on one line.", "CTI 密码最多 %d 个字符，且不能换行。"},
	{"cti.no_work_no", "Your user has no CTI work number (工号): ask your administrator to set it under Users.", "您的用户没有 CTI 工号，请联系管理员在“用户”中设置。"},
	{"cti.no_password", "No CTI password is stored for you: type it in the CTI password field.", "系统中没有您的 CTI 密码，请在“CTI 密码”中输入。"},
	{"login.cti_password", "CTI password", "CTI 密码"},
	{"login.cti_signed_in", "Signed in as %s. Your CTI client is not seated yet: type your CTI password to be seated.", "您已登录为 %s，CTI 客户端尚未入席：请输入 CTI 密码完成入席。"},
	{"login.cti_password_hint", "Seats you in the CTI client too. Leave empty to use the one your administrator stored.", "同时完成 CTI 客户端入席登录。留空则使用管理员保存的密码。"},
	{"users.cti_password", "CTI password", "CTI 密码"},
	{"users.cti_password_set", "Stored, sealed (never shown).", "已保存（加密，不显示）。"},
	{"users.cti_password_none", "Not stored: the agent types it when signing in from the CTI client.", "未保存：坐席从 CTI 客户端登录时自行输入。"},
	{"users.cti_password_help", "Sent only to the CTI client's login.cgi on the agent's own machine, with the work number, when the agent signs in from the client. Empty removes it.", "仅在坐席从 CTI 客户端登录时，连同工号发送给坐席本机 CTI 客户端的 login.cgi。留空保存即删除。"},
	{"users.cti_password_save", "Save CTI password", "保存 CTI 密码"},
	{"users.cti_password_saved", "CTI password saved.", "CTI 密码已保存。"},
	{"pops.cti_unified_login", "CTI unified login: after signing in from the CTI client, seat the agent through the client's login.cgi", "CTI 统一登录：坐席从 CTI 客户端登录后，经客户端的 login.cgi 完成入席"},
	{"pops.cti_login_url", "CTI client's login.cgi", "CTI 客户端 login.cgi 地址"},
	{"pops.help_cti_login", "Unified login (seed 003 §二). In the CTI client's options set 主页地址 (homepage) to %s. Way 1: the client opens it after the CTI sign-in with user (工号) and sid (or password) appended; an agent signed in to screenpop there has that sid recorded, and every pop URL carrying the same sid and empid is theirs. Way 2 (turn on CTI unified login under Platforms): the agent signs in to screenpop first in the client's window; screenpop then redirects to %s?user=<工号>&pass=<CTI password>&url=<this homepage>, the client seats the agent and comes back. Each agent needs the CTI work number under Users, and a CTI password stored there or typed at sign-in.", "统一登录（文档 003 §二）。在 CTI 客户端选项中把“主页地址”设为 %s。方式一：CTI 入席登录后，客户端打开该地址并附加 user（工号）和 sid（或 password）；坐席在此登录 screenpop 后即记录该 sid，此后带相同 sid 和 empid 的弹屏地址都属于该坐席。方式二（在“平台”中开启 CTI 统一登录）：坐席先在客户端窗口登录 screenpop，screenpop 随即重定向到 %s?user=<工号>&pass=<CTI 密码>&url=<本主页>，客户端完成入席后自动返回。每个坐席需在“用户”中设置 CTI 工号，并由管理员保存 CTI 密码或登录时自行输入。"},
}
