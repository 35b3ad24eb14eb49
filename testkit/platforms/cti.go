package platforms

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// CTIClient stands in for the CTI desktop client of seed 003 (CTI客户端接口说明):
// the web server built into the client ("CTI席位端框架内嵌的Web服务器 … 此URL仅能在
// 本机访问", http://localhost:180/cgi-bin/…, here on a loopback port of the
// test's choosing) with login.cgi (§二 统一登录) and call.cgi (§四 外拨), and
// the addresses the client opens: the homepage (主页地址) before and after
// the seat sign-in, and the pop on ringing (振铃时弹屏地址) with the call's
// parameters (§三). A browser test opens these addresses in one browser,
// as the client's main and pop windows share cookies ("它们之间共享Cookie信息").
type CTIClient struct {
	srv *http.Server
	// Base is the embedded server's address, http://127.0.0.1:port.
	Base string
	// Homepage is 主页地址 and Ringing 振铃时弹屏地址, as the administrator
	// configured them in the client's options.
	Homepage, Ringing string

	backWithSeat bool

	mu     sync.Mutex
	agents map[string]string // 工号 → CTI password
	logins []CTILogin
	seat   *CTILogin // the agent seated by the last successful login
	calls  []string  // numbers dialled through call.cgi
}

// CTIClientConfig sets up the stand-in.
type CTIClientConfig struct {
	// Addr is the loopback address the embedded server listens on;
	// default 127.0.0.1:0 (the real client's is localhost:180).
	Addr string
	// Homepage and Ringing are the configured addresses.
	Homepage, Ringing string
	// Agents are the CTI accounts: 工号 → password.
	Agents map[string]string
	// BackWithSeat: login.cgi sends the window back to url with the seat's
	// user and sid added, the way §三 opens the homepage after a seat
	// sign-in ("登录成功后在此地址后增加两个参数，一个是工号user，另一个是sid"); by
	// default it goes back to url exactly, as §二 says ("登录成功后主窗口页面
	// 自动调回url参数中的页面"). The seed allows both readings; screenpop must
	// work with either.
	BackWithSeat bool
}

// CTILogin is one request to login.cgi.
type CTILogin struct {
	User, Pass, URL string
	OK              bool
	SID             string // the session id given on success
}

// NewCTIClient starts the stand-in; it stops when the test ends.
func NewCTIClient(t testing.TB, cfg CTIClientConfig) *CTIClient {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &CTIClient{Base: "http://" + ln.Addr().String(), Homepage: cfg.Homepage, Ringing: cfg.Ringing, agents: cfg.Agents, backWithSeat: cfg.BackWithSeat}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/login.cgi", c.login)
	mux.HandleFunc("/cgi-bin/call.cgi", c.call)
	c.srv = &http.Server{Handler: mux}
	go func() { _ = c.srv.Serve(ln) }()
	t.Cleanup(func() { _ = c.srv.Close() })
	return c
}

// LoginURL is the embedded server's login.cgi (seed: http://localhost:180/cgi-bin/login.cgi).
func (c *CTIClient) LoginURL() string { return c.Base + "/cgi-bin/login.cgi" }

// login is login.cgi: "login.cgi?user=101&pass=3B4D5C6D7E8F9A3B4D5C6D7E8F9&url=http:%3F%3F%3Fmain
// … 席位端根据URL后的参数进行用户认证，并实现CTI系统的入席登录，登录成功后主窗口页面自动调回
// url参数中的页面". It seats the agent and sends the window back to url.
func (c *CTIClient) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l := CTILogin{User: q.Get("user"), Pass: q.Get("pass"), URL: q.Get("url")}
	back, err := url.Parse(l.URL)
	want, known := c.agents[l.User]
	l.OK = known && want == l.Pass && l.User != "" && err == nil && (back.Scheme == "http" || back.Scheme == "https") && back.Host != ""
	if l.OK {
		b := make([]byte, 14)
		_, _ = rand.Read(b)
		l.SID = strings.ToUpper(hex.EncodeToString(b))[:27] // like 3B4D5C6D7E8F9A3B4D5C6D7E8F9
	}
	c.mu.Lock()
	c.logins = append(c.logins, l)
	if l.OK {
		seat := l
		c.seat = &seat
	}
	c.mu.Unlock()
	if !l.OK {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>入席失败</title><p id="cti-error">入席登录失败：%s</p>`, html.EscapeString(l.User))
		return
	}
	to := l.URL
	if c.backWithSeat {
		to = appendQuery(to, "user="+url.QueryEscape(l.User)+"&sid="+url.QueryEscape(l.SID))
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// call is call.cgi: "http://localhost:180/cgi-bin/call.cgi?number=123456789 … 点击上面的
// 连接实现呼叫一个外部的电话，如果呼叫成功，弹出的窗口自动关闭".
func (c *CTIClient) call(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.calls = append(c.calls, r.URL.Query().Get("number"))
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><meta charset="utf-8"><title>呼叫</title><script>window.close()</script>`)
}

// Logins returns the requests login.cgi received.
func (c *CTIClient) Logins() []CTILogin {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]CTILogin(nil), c.logins...)
}

// Seated returns the agent the last successful login seated.
func (c *CTIClient) Seated() (CTILogin, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seat == nil {
		return CTILogin{}, false
	}
	return *c.seat, true
}

// Calls returns the numbers dialled through call.cgi.
func (c *CTIClient) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func appendQuery(address, query string) string {
	if strings.Contains(address, "?") {
		return address + "&" + query
	}
	return address + "?" + query
}

// HomepageSeated is the homepage as the client opens it after the seat
// sign-in (§三): "登录成功后在此地址后增加两个参数，一个是工号user，另一个是sid …
// 如：user=001&sid=3B4D5C6D7E8F9A3B4D5C6D7E8F9".
func (c *CTIClient) HomepageSeated(seat CTILogin) string {
	return appendQuery(c.Homepage, "user="+url.QueryEscape(seat.User)+"&sid="+url.QueryEscape(seat.SID))
}

// HomepageFirstWay is the homepage of §二's first way: "当客户端登录成功时，客户端
// 主窗口将自动打开首页面URL，并在URL后增加参数: ?agentid=1&user=101&password=3B4D5C6D7E8F9A3B4D5C6D7E8F9".
func (c *CTIClient) HomepageFirstWay(agentID string, seat CTILogin) string {
	return appendQuery(c.Homepage, "agentid="+url.QueryEscape(agentID)+"&user="+url.QueryEscape(seat.User)+"&password="+url.QueryEscape(seat.SID))
}

// CTICall is a call as the client describes it on its pop URLs.
type CTICall struct {
	Origin   string // 呼叫方向 1-呼入 2-呼出
	CallID   string
	Number   string // 客户电话号码
	CallerID string // 主叫号码
	CalledID string // 被叫号码
	GroupID  string // 席位组
	AgentID  string // 席位代号
}

// RingingURL is the pop on ringing (§三): "origin=1&callid=20091128101010001&number=1234567890
// &callerid=1234567890&calledid=801&groupid=1&agentid=1&empid=001&sid=3B4D5C6D7E8F9A3B4D5C6D7E8F9",
// empid and sid the seated agent's.
func (c *CTIClient) RingingURL(call CTICall, seat CTILogin) string {
	e := url.QueryEscape
	return appendQuery(c.Ringing, "origin="+e(call.Origin)+"&callid="+e(call.CallID)+"&number="+e(call.Number)+
		"&callerid="+e(call.CallerID)+"&calledid="+e(call.CalledID)+"&groupid="+e(call.GroupID)+
		"&agentid="+e(call.AgentID)+"&empid="+e(seat.User)+"&sid="+e(seat.SID))
}
