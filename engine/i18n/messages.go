package i18n

// messages is the catalog: one row a text, English and Chinese together.
// Format verbs follow fmt and must match between the two columns.
var messages = []struct{ key, en, zh string }{
	// Errors shared by every domain.
	{"error.invalid", "Please correct the highlighted fields.", "请修正标出的字段。"},
	{"error.internal", "Something went wrong on our side. Please try again.", "服务器出现问题，请稍后重试。"},
	{"error.not_found", "Not found.", "未找到。"},
	{"error.unauthorized", "Please sign in.", "请先登录。"},
	{"error.forbidden", "You do not have permission to do this.", "您没有执行此操作的权限。"},
	{"error.csrf", "This form has expired. Please reload the page and try again.", "表单已过期，请刷新页面后重试。"},
	{"error.too_large", "The request is too large.", "请求内容过大。"},
	{"error.rate_limited", "Too many attempts. Please wait a few minutes and try again.", "尝试次数过多，请几分钟后再试。"},
	{"error.unavailable", "The service is temporarily unavailable.", "服务暂时不可用。"},

	// Field validation.
	{"field.required", "This field is required.", "此项为必填。"},
	{"field.too_long", "At most %d characters.", "最多 %d 个字符。"},
	{"field.range", "Must be a whole number from %d to %d.", "必须是 %d 到 %d 之间的整数。"},
	{"field.slug", "Use 2–63 lowercase letters, digits and hyphens, starting with a letter or digit.", "请使用 2–63 位小写字母、数字或连字符，并以字母或数字开头。"},
	{"field.username", "Use 2–64 letters, digits, dots, @, _ or -, starting with a letter or digit.", "请使用 2–64 位字母、数字、点、@、_ 或 -，并以字母或数字开头。"},
	{"field.password_short", "At least %d characters.", "至少 %d 个字符。"},
	{"field.role", "Choose operator, admin or agent.", "请选择运营管理员、租户管理员或座席。"},
	{"field.permission", "Unknown permission %q.", "未知权限 %q。"},
	{"field.url_pattern", "Enter an https address such as https://crm.example.com/ or https://*.example.com/.", "请输入 https 地址，例如 https://crm.example.com/ 或 https://*.example.com/。"},
	{"field.unknown_param", "Unknown system parameter %q.", "未知的系统参数 %q。"},

	// Domain messages.
	{"tenant.not_found", "Tenant not found.", "租户不存在。"},
	{"tenant.slug_taken", "A tenant with this code already exists.", "该租户编码已存在。"},
	{"tenant.disabled", "This tenant is disabled.", "该租户已停用。"},
	{"user.not_found", "User not found.", "用户不存在。"},
	{"user.username_taken", "This username is already taken.", "该用户名已被使用。"},
	{"user.operator_tenant", "Operators belong to no tenant; admins and agents need one.", "运营管理员不属于任何租户；租户管理员和座席必须属于一个租户。"},
	{"auth.bad_credentials", "Wrong username or password.", "用户名或密码错误。"},
	{"apikey.not_found", "API key not found.", "API 密钥不存在。"},
	{"apikey.invalid", "Invalid or revoked API key.", "API 密钥无效或已吊销。"},
	{"whitelist.not_found", "Whitelist entry not found.", "白名单条目不存在。"},
	{"whitelist.duplicate", "This address is already on the whitelist.", "该地址已在白名单中。"},

	// System parameters (SPEC §2).
	{"param.pop_pages_per_media", "Pop pages per tenant per media type", "每租户每媒体类型的弹屏页面数"},
	{"param.url_params_per_page", "URL parameters per pop page", "每个弹屏页面的 URL 参数数"},
	{"param.base_tables_per_tenant", "Base tables per tenant", "每租户基础表数"},
	{"param.custom_pages_per_tenant", "Custom pages per tenant", "每租户自定义页面数"},
	{"param.objects_per_page", "Objects per page", "每页面对象数"},
	{"param.import_file_size_mb", "Import file size (MB)", "导入文件大小（MB）"},

	// Roles and permissions.
	{"role.operator", "Operator", "运营管理员"},
	{"role.admin", "Tenant admin", "租户管理员"},
	{"role.agent", "Agent", "座席"},
	{"perm.reveal", "Reveal masked values", "查看脱敏字段明文"},

	// Shell and navigation.
	{"app.name", "screenpop", "screenpop 来电弹屏"},
	{"nav.tables", "Base tables", "基础表"},
	{"nav.data", "Data", "数据"},
	{"nav.pages", "Pages", "页面"},
	{"nav.pops", "Pops", "弹屏配置"},
	{"nav.settings", "Settings", "设置"},
	{"nav.tenants", "Tenants", "租户"},
	{"nav.params", "System parameters", "系统参数"},
	{"nav.whitelist", "URL whitelist", "地址白名单"},
	{"nav.workspace", "Workspace", "座席工作台"},
	{"nav.logout", "Sign out", "退出登录"},
	{"nav.language", "Language", "语言"},
	{"nav.menu", "Menu", "菜单"},

	// Login.
	{"login.title", "Sign in", "登录"},
	{"login.username", "Username", "用户名"},
	{"login.password", "Password", "密码"},
	{"login.submit", "Sign in", "登录"},

	// Generic UI words.
	{"ui.save", "Save", "保存"},
	{"ui.create", "Create", "创建"},
	{"ui.add", "Add", "添加"},
	{"ui.delete", "Delete", "删除"},
	{"ui.revoke", "Revoke", "吊销"},
	{"ui.disable", "Disable", "停用"},
	{"ui.enable", "Enable", "启用"},
	{"ui.name", "Name", "名称"},
	{"ui.code", "Code", "编码"},
	{"ui.status", "Status", "状态"},
	{"ui.active", "Active", "正常"},
	{"ui.disabled", "Disabled", "已停用"},
	{"ui.created", "Created", "创建时间"},
	{"ui.actions", "Actions", "操作"},
	{"ui.description", "Description", "描述"},
	{"ui.value", "Value", "值"},
	{"ui.range", "Range", "范围"},
	{"ui.default", "Default", "默认值"},
	{"ui.empty", "Nothing here yet.", "暂无内容。"},
	{"ui.saved", "Saved.", "已保存。"},
	{"ui.created_named", "%s created.", "%s 已创建。"},
	{"ui.confirm_delete", "Delete this? It cannot be undone.", "确定删除吗？此操作不可撤销。"},
	{"ui.coming_soon", "This section is being built. It will appear here when ready.", "此功能正在建设中，完成后将在此处显示。"},
	{"ui.role", "Role", "角色"},
	{"ui.permissions", "Permissions", "权限"},
	{"ui.never", "never", "从未"},

	// Operator console.
	{"tenants.title", "Tenants", "租户管理"},
	{"tenants.new", "New tenant", "新建租户"},
	{"params.title", "System parameters", "系统参数"},
	{"params.help", "Limits that apply to every tenant.", "适用于所有租户的限制。"},
	{"whitelist.title", "URL whitelist", "地址白名单"},
	{"whitelist.help", "External pop pages may only use https addresses that match an entry here. A * matches one or more sub-domains.", "外部弹屏页面只能使用与此处条目匹配的 https 地址。* 可匹配一级或多级子域名。"},
	{"whitelist.pattern", "Address", "地址"},

	// Tenant settings.
	{"settings.title", "Settings", "设置"},
	{"users.title", "Users", "用户"},
	{"users.new", "New user", "新建用户"},
	{"apikeys.title", "API keys", "API 密钥"},
	{"apikeys.help", "Keys for the REST API under /api/v1. A key is shown once, when it is created.", "用于 /api/v1 REST API 的密钥。密钥仅在创建时显示一次。"},
	{"apikeys.new", "New API key", "新建 API 密钥"},
	{"apikeys.shown_once", "Copy this key now; it will not be shown again:", "请立即复制此密钥，之后将不再显示："},
	{"apikeys.last_used", "Last used", "最近使用"},
	{"apikeys.revoked", "Revoked", "已吊销"},

	// Sections still empty.
	{"tables.title", "Base tables", "基础表"},
	{"data.title", "Data", "数据"},
	{"pages.title", "Pages", "页面"},
	{"pops.title", "Pops", "弹屏配置"},
	{"workspace.title", "Agent workspace", "座席工作台"},
	{"workspace.welcome", "Signed in as %s. Pops will appear here when calls arrive.", "当前登录：%s。来电时弹屏将显示在这里。"},
}
