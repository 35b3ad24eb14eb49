package pops

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/pops/dialect"
)

// CTI unified login (seed 003 §二 统一登录, §三): after the agent signs in
// to the CTI client, the client opens the homepage with "两个参数，一个是工号
// user，另一个是sid，用于用户验证，业务软件应该记录sid", and every pop URL it
// opens carries the same sid ("sid - SessionID,和登录成功是返回的sid一致")
// with the agent's empid. The homepage opened by an agent signed in to
// screenpop (in the client's window, /pop/{tenant}/login) records the sid
// for that agent; a pop carrying a recorded sid and the same work number
// is then authorised as that agent, without a cookie.

// ctiSessionTTL is how long a recorded sid is honoured: an agent's shift.
const ctiSessionTTL = 12 * time.Hour

func hashSID(sid string) []byte {
	h := sha256.Sum256([]byte(sid))
	return h[:]
}

// ctiWorkNo is the work number a CTI request names: user on the homepage,
// empid on the pop URLs.
func ctiWorkNo(params url.Values) string {
	if w := strings.TrimSpace(params.Get("user")); w != "" {
		return w
	}
	return strings.TrimSpace(params.Get("empid"))
}

// ctiSID is the CTI session id a request carries: sid (seed 003 §三), or
// on the homepage of §二's first way, password ("?agentid=1&user=101&
// password=3B4D5C6D7E8F9A3B4D5C6D7E8F9": the same token as §三's sid, not
// the agent's password, which screenpop never takes from a URL).
func ctiSID(params url.Values) string {
	if sid := strings.TrimSpace(params.Get("sid")); sid != "" {
		return sid
	}
	if params.Get("user") != "" {
		return strings.TrimSpace(params.Get("password"))
	}
	return ""
}

// ctiNeedsSeat reports whether a pop request is the CTI client's homepage
// opened before the client's seat sign-in, by an agent signed in to
// screenpop (agent, from the session that authorised it) — seed 003 §三:
// "主页地址：这是在CTI客户端的主窗口中打开的地址。在没有登录前，直接访问此地址；
// 登录成功后在此地址后增加两个参数，一个是工号user，另一个是sid". Without user and
// sid (or §二's first way, user and password) the client is not seated yet;
// with the tenant's CTI unified login on, such an agent goes on to be
// seated through login.cgi, as after a sign-in. A request with call
// parameters is a pop, never the homepage: it is shown as it is.
func ctiNeedsSeat(pt *Target, req Request, name dialect.Name, callParams map[string]string, agent *accounts.User) bool {
	return name == dialect.CTI && agent != nil && !req.Fragment && !req.CTISeatBack && len(callParams) == 0 &&
		ctiSID(req.Params) == "" && pt.Settings != nil && pt.Settings.CTIUnifiedLogin
}

// bindCTISession records the sid of a homepage request for the signed-in
// agent whose work number it names; false when it names another agent.
func (r *Runtime) bindCTISession(ctx context.Context, tenantID int64, u *accounts.User, params url.Values) (bool, error) {
	sid, workNo := ctiSID(params), ctiWorkNo(params)
	if sid == "" || workNo == "" || u.WorkNo == nil || *u.WorkNo != workNo {
		return false, nil
	}
	_, err := r.pops.db.NewRaw(`INSERT INTO cti_sessions (tenant_id, sid_hash, user_id, work_no, expires_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, sid_hash) DO UPDATE SET user_id = EXCLUDED.user_id, work_no = EXCLUDED.work_no, expires_at = EXCLUDED.expires_at`,
		tenantID, hashSID(sid), u.ID, workNo, time.Now().Add(ctiSessionTTL)).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("record the CTI session of %s: %w", workNo, err)
	}
	return true, nil
}

// ctiSessionValid reports whether the request's sid was recorded for the
// agent whose work number it names, in this tenant, and is still valid.
func (r *Runtime) ctiSessionValid(ctx context.Context, tenantID int64, params url.Values) (bool, error) {
	sid, workNo := ctiSID(params), ctiWorkNo(params)
	if sid == "" || workNo == "" {
		return false, nil
	}
	n, err := r.pops.db.NewSelect().Table("cti_sessions").
		Join("JOIN users AS u ON u.id = cti_sessions.user_id").
		Where("cti_sessions.tenant_id = ? AND cti_sessions.sid_hash = ?", tenantID, hashSID(sid)).
		Where("cti_sessions.work_no = ? AND cti_sessions.expires_at > now()", workNo).
		Where("NOT u.disabled AND u.tenant_id = ?", tenantID).
		Count(ctx)
	if err != nil {
		return false, fmt.Errorf("check a CTI session: %w", err)
	}
	return n > 0, nil
}
