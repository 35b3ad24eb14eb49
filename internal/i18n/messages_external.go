package i18n

func init() { register(externalMessages) }

// externalMessages are the texts of external interfaces: the operator's
// registry and allow-list, external pages, page-bound API keys and the
// queryCustomer server.
var externalMessages = []entry{
	{"nav.interfaces", "External interfaces", "外部接口"},
	{"external.title", "External interfaces", "外部接口"},
	{"external.help", "Enterprises' customer APIs that speak the queryCustomer contract (POST {\"param\": …}, a JSON array back). Grant an interface to tenants; their admins then build external pages on it.",
		"企业自己的客户查询接口，遵循 queryCustomer 约定（POST {\"param\": …}，返回 JSON 数组）。将接口授权给租户后，租户管理员即可基于它构建外部页面。"},
	{"external.new", "New external interface", "新建外部接口"},
	{"external.timeout", "Timeout", "超时"},
	{"external.timeout_ms", "Timeout (ms, 100–10000)", "超时（毫秒，100–10000）"},
	{"external.retries", "Retries on connection errors (0–2)", "连接失败重试次数（0–2）"},
	{"external.headers", "Extra headers", "附加请求头"},
	{"external.headers_help", "One \"Name: value\" per line, e.g. a token. Values are stored encrypted and shown as ********; keep a line as it is to keep its value.",
		"每行一个“名称: 值”，例如令牌。值加密保存并显示为 ********；保留该行不变即保留原值。"},
	{"external.allow_http", "Allow plain http for this interface (customer data travels unencrypted)", "允许此接口使用 http（客户数据将以明文传输）"},
	{"external.grants", "Tenants granted", "已授权租户"},
	{"external.grants_help", "Only granted tenants can build pages on this interface; a tenant that loses its grant sees \"customer information unavailable\".",
		"只有获得授权的租户才能基于此接口构建页面；取消授权后，该租户的页面将显示“客户信息暂不可用”。"},
	{"external.no_grants", "none", "无"},
	{"external.check", "Conformance check", "接口规范检查"},
	{"external.check_help", "Asks the interface once for a customer number and checks the reply against the queryCustomer contract: each violation with its JSON path, and the time taken.",
		"用一个客户号码调用一次接口，并按 queryCustomer 约定检查返回：列出每个不符合项及其 JSON 路径和耗时。"},
	{"external.param", "Customer number", "客户号码"},
	{"external.run_check", "Run check", "开始检查"},
	{"external.check_passed", "The interface answered and follows the contract.", "接口已应答且符合约定。"},
	{"external.check_failed", "The interface failed or departs from the contract:", "接口调用失败或不符合约定："},
	{"external.allow_title", "Private address allow-list", "私有地址放行列表"},
	{"external.allow_help", "Interfaces may only be reached at public addresses, checked when connecting. List here the private ranges of on-premises systems (e.g. 10.20.0.0/16). Loopback, 0.0.0.0 and link-local addresses (169.254.169.254) stay refused.",
		"接口默认只能访问公网地址（在建立连接时检查）。如需访问本地部署的系统，请在此列出其私有网段（例如 10.20.0.0/16）。回环地址、0.0.0.0 和链路本地地址（169.254.169.254）始终禁止。"},
	{"external.prefix", "Address range", "地址段"},

	{"external.not_found", "External interface not found.", "外部接口不存在。"},
	{"external.name_taken", "Another interface has this name.", "已有同名接口。"},
	{"external.https_only", "Use https, or allow plain http for this interface.", "请使用 https，或为此接口允许 http。"},
	{"external.url_invalid", "This address cannot be used: %s.", "该地址无法使用：%s。"},
	{"external.header_line", "Line %s: write Name: value.", "第 %s 行：请写成 名称: 值。"},
	{"external.header_keep", "Header %s has no stored value to keep; enter its value.", "请求头 %s 没有可保留的原值，请输入值。"},
	{"external.too_many_headers", "At most %d headers.", "最多 %d 个请求头。"},
	{"external.header_name", "%q is not a valid header name.", "%q 不是有效的请求头名称。"},
	{"external.header_reserved", "%s is set by screenpop itself.", "%s 由 screenpop 自动设置。"},
	{"external.header_twice", "Header %s appears twice.", "请求头 %s 重复。"},
	{"external.header_value", "The value of %s is too long or has a line break.", "%s 的值过长或包含换行。"},
	{"external.prefix_syntax", "Enter a range such as 10.20.0.0/16, or one address.", "请输入地址段（例如 10.20.0.0/16）或单个地址。"},
	{"external.prefix_wide", "This range is too wide: list the private ranges you need (at least /8).", "该地址段过大：请只列出需要的私有网段（至少 /8）。"},
	{"external.prefix_never", "This range overlaps %s, which stays refused.", "该地址段与 %s 重叠，此类地址始终禁止。"},
	{"external.prefix_duplicate", "This range is already listed.", "该地址段已在列表中。"},
	{"external.prefix_not_found", "This range is not listed.", "列表中没有该地址段。"},

	// External pages.
	{"pages.interface", "External interface", "外部接口"},
	{"pages.no_interfaces", "No interface is granted to your tenant yet; ask your operator.", "您的租户尚未获得任何外部接口授权，请联系运营管理员。"},
	{"pages.external_note", "An external page shows the objects and values the interface returns, in its order. Type a sample number in the preview to call the interface.",
		"外部页面按接口返回的顺序显示其对象和值。在预览中输入示例号码即可调用接口。"},
	{"reason.not_granted", "the interface is no longer granted to this tenant", "该接口已不再授权给本租户"},
	{"reason.canceled", "the request was canceled", "请求已取消"},
	{"pop.query_param", "Queried for %s", "查询参数：%s"},

	// API keys bound to a page, and the queryCustomer server.
	{"apikeys.page", "Serve a page as queryCustomer", "作为 queryCustomer 提供页面"},
	{"apikeys.page_none", "No: a key for the REST API", "否：用于 REST API 的密钥"},
	{"apikeys.page_help", "A key bound to a published page serves that page's data as POST /rest/v1/queryCustomer, and can call nothing else.",
		"绑定到已发布页面的密钥通过 POST /rest/v1/queryCustomer 提供该页面的数据，且不能调用其他接口。"},
	{"apikey.page_not_found", "Choose one of your pages.", "请选择您的一个页面。"},
	{"apikey.page_unpublished", "Publish this page first: queryCustomer serves the published version.", "请先发布该页面：queryCustomer 提供的是已发布版本。"},
	{"querycustomer.key_required", "An API key bound to a page is required (Authorization: Bearer sp_… or X-API-Key).", "需要绑定到页面的 API 密钥（Authorization: Bearer sp_… 或 X-API-Key）。"},
	{"querycustomer.key_unbound", "This API key is not bound to a page; create a key for queryCustomer under Settings.", "此 API 密钥未绑定页面，请在“设置”中创建用于 queryCustomer 的密钥。"},
	{"querycustomer.bad_body", "Malformed request: %s.", "请求格式错误：%s。"},
	{"querycustomer.page_unavailable", "The page's own data source is unavailable (%s).", "页面的数据来源暂不可用（%s）。"},
}
