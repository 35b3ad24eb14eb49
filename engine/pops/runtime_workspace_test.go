package pops_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/screenpop/screenpop/engine/calls"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/masterkey"
)

// workspaceEnv is a tenant whose pops cover every kind, trigger and media.
type workspaceEnv struct {
	*popEnv
	ids map[string]int64 // pop name → id
}

func newWorkspaceEnv(t *testing.T) *workspaceEnv {
	t.Helper()
	e := &workspaceEnv{popEnv: newPopEnv(t, pops.SettingsInput{}), ids: map[string]int64{}}
	in := func(name, media, trigger string, mod func(*pops.ConfigInput)) {
		c := external(name)
		c.MediaType, c.Trigger = media, trigger
		if mod != nil {
			mod(&c)
		}
		e.ids[name] = create(t, e.eng.Pops, e.tenant.ID, c).ID
	}
	in("internal-ringing", pops.MediaAudio, pops.TriggerRinging, func(c *pops.ConfigInput) {
		c.PageType, c.PageID, c.URL = pops.PageInternal, e.page.ID, ""
	})
	in("get-answered", pops.MediaAudio, pops.TriggerAnswered, func(c *pops.ConfigInput) {
		c.URL = allowedURL + "?src=pop"
		c.Params = []pops.Param{{Name: "phone", Source: pops.SourceCall, Key: "callerNum"},
			{Name: "order", Source: pops.SourceAssoc, Key: "orderNo"}, {Name: "none", Source: pops.SourceAssoc, Key: "missing"}}
	})
	in("post-chat", pops.MediaMultimedia, pops.TriggerRinging, func(c *pops.ConfigInput) { c.Method = pops.MethodPost })
	in("webapi-released", pops.MediaAudio, pops.TriggerReleased, func(c *pops.ConfigInput) { c.Method = pops.MethodWebAPI })
	in("disabled", pops.MediaAudio, pops.TriggerRinging, func(c *pops.ConfigInput) { c.Enabled = false })
	in("internal-homepage", pops.MediaAudio, pops.TriggerReleased, func(c *pops.ConfigInput) {
		c.PageType, c.PageID, c.URL, c.Homepage = pops.PageInternal, e.page.ID, "", true
	})
	return e
}

// event is an event of agent 7001's call with customer 13912345678.
func event(name, mediaType string) *calls.Event {
	return &calls.Event{ID: 41, Event: name, CallID: "c-7", MediaType: mediaType,
		CallData: map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0",
			"callid": "c-7", "mediaType": mediaType, "workNo": "7001"},
		AssocData: map[string]string{"orderNo": "A-1"}}
}

// internalQuery is an internal pop's URL without its signature, which
// TestWorkspaceLinksOpen checks.
func internalQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get(dialect.SigParam) == "" || q.Get(dialect.TSParam) == "" || q.Get(dialect.NonceParam) == "" {
		t.Errorf("internal pop URL %q is not signed", raw)
	}
	q.Del(dialect.SigParam)
	q.Del(dialect.TSParam)
	q.Del(dialect.NonceParam)
	return q
}

// Which pops an event opens, and the parameters each gets.
func TestWorkspacePops(t *testing.T) {
	e := newWorkspaceEnv(t)
	bare := url.Values{"dialect": {"huawei_get"}, "via": {"workspace"}}
	withCall := func(mediaType string) url.Values {
		q := url.Values{"dialect": {"huawei_get"}, "via": {"workspace"}, "calldata": {`{"orderNo":"A-1"}`}}
		for k, v := range event("", mediaType).CallData {
			q.Set(k, v)
		}
		return q
	}
	nine := map[string]string{}
	for _, k := range dialect.HuaweiDefaultParams() {
		nine[k] = event("", "5").CallData[k]
	}
	type want struct {
		matches bool
		query   url.Values        // internal pops: the signed URL's query without sig and ts
		url     string            // external pops
		form    map[string]string // URL POST pops
	}
	getBare := allowedURL + "?src=pop"
	cases := []struct {
		name  string
		event *calls.Event
		want  map[string]want
	}{
		{"no call", nil, map[string]want{
			"internal-ringing": {query: bare}, "get-answered": {url: getBare}, "post-chat": {url: allowedURL, form: map[string]string{}},
			"webapi-released": {url: allowedURL}, "internal-homepage": {query: bare}}},
		{"ringing", event(calls.Ringing, "1"), map[string]want{
			"internal-ringing": {matches: true, query: withCall("1")}, "get-answered": {url: getBare + "&none=&order=A-1&phone=13912345678"},
			"post-chat": {url: allowedURL, form: map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0",
				"callid": "c-7", "mediaType": "1", "workNo": "7001", "callskill": "", "callskillid": "", "agentName": ""}},
			"webapi-released": {url: allowedURL}, "internal-homepage": {query: withCall("1")}}},
		{"switch rings too", event(calls.Switch, "1"), map[string]want{
			"internal-ringing": {matches: true, query: withCall("1")}, "get-answered": {url: getBare + "&none=&order=A-1&phone=13912345678"},
			"post-chat": {url: allowedURL, form: map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0",
				"callid": "c-7", "mediaType": "1", "workNo": "7001", "callskill": "", "callskillid": "", "agentName": ""}},
			"webapi-released": {url: allowedURL}, "internal-homepage": {query: withCall("1")}}},
		{"answered", event(calls.Talking, "1"), map[string]want{
			"internal-ringing": {query: bare}, "get-answered": {matches: true, url: getBare + "&none=&order=A-1&phone=13912345678"},
			"post-chat": {url: allowedURL, form: map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0",
				"callid": "c-7", "mediaType": "1", "workNo": "7001", "callskill": "", "callskillid": "", "agentName": ""}},
			"webapi-released": {url: allowedURL}, "internal-homepage": {query: withCall("1")}}},
		{"released", event(calls.Release, "1"), map[string]want{
			"internal-ringing": {query: bare}, "get-answered": {url: getBare + "&none=&order=A-1&phone=13912345678"},
			"post-chat": {url: allowedURL, form: map[string]string{"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0",
				"callid": "c-7", "mediaType": "1", "workNo": "7001", "callskill": "", "callskillid": "", "agentName": ""}},
			"webapi-released": {matches: true, url: allowedURL}, "internal-homepage": {matches: true, query: withCall("1")}}},
		{"a chat rings the multimedia pops", event(calls.Ringing, "5"), map[string]want{
			"internal-ringing": {query: bare}, "get-answered": {url: getBare + "&none=&order=A-1&phone=13912345678"},
			"post-chat":       {matches: true, url: allowedURL, form: nine},
			"webapi-released": {url: allowedURL}, "internal-homepage": {query: withCall("5")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps, err := e.rt.WorkspacePops(ctx, e.tenant.ID, c.event)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]pops.WorkspacePop{}
			for _, p := range ps {
				got[p.Name] = p
			}
			if len(got) != len(c.want) {
				t.Errorf("pops %v, want %d (the disabled one left out)", reflect.ValueOf(got).MapKeys(), len(c.want))
			}
			for name, w := range c.want {
				p, ok := got[name]
				if !ok {
					t.Errorf("%s missing", name)
					continue
				}
				origin := "https://crm.example.com"
				if w.query != nil {
					origin = "" // our own pages
				}
				if p.ID != e.ids[name] || p.Matches != w.matches || p.Origin != origin {
					t.Errorf("%s: id %d matches %v origin %q, want matches %v", name, p.ID, p.Matches, p.Origin, w.matches)
				}
				if w.query != nil {
					if q := internalQuery(t, p.URL); q.Encode() != w.query.Encode() || !strings.HasPrefix(p.URL, e.target.Path+"?") {
						t.Errorf("%s: URL %q\n query %v\n want %v", name, p.URL, q, w.query)
					}
					continue
				}
				if p.URL != w.url || !reflect.DeepEqual(p.Form, w.form) {
					t.Errorf("%s: URL %q form %v\nwant URL %q form %v", name, p.URL, p.Form, w.url, w.form)
				}
			}
		})
	}
}

// The kinds and fixed fields of the workspace's pops.
func TestWorkspacePopKinds(t *testing.T) {
	e := newWorkspaceEnv(t)
	ps, err := e.rt.WorkspacePops(ctx, e.tenant.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, p := range ps {
		kinds[p.Name] = p.Kind
		if p.Name == "internal-homepage" && (!p.Homepage || p.Trigger != pops.TriggerReleased || p.OpenMode != pops.OpenEmbed) {
			t.Errorf("homepage pop %+v", p)
		}
	}
	want := map[string]string{"internal-ringing": "internal", "get-answered": pops.MethodGet, "post-chat": pops.MethodPost,
		"webapi-released": pops.MethodWebAPI, "internal-homepage": "internal"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
}

// The workspace's internal links are signed links of the tenant: each
// opens its page for the call once.
func TestWorkspaceLinksOpen(t *testing.T) {
	e := newWorkspaceEnv(t)
	ps, err := e.rt.WorkspacePops(ctx, e.tenant.ID, event(calls.Ringing, "1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Name != "internal-ringing" {
			continue
		}
		req := pops.Request{Method: "GET", Params: linkParams(t, p.URL)}
		res, err := e.rt.Open(ctx, e.target, req)
		if err != nil {
			t.Fatalf("workspace link refused: %v", err)
		}
		renderedFor(t, res.Model)
		if res.Dialect != dialect.HuaweiGet || res.Model.Call.AssociatedData["orderNo"] != "A-1" {
			t.Errorf("dialect %q call %+v", res.Dialect, res.Model.Call)
		}
		_, err = e.rt.Open(ctx, e.target, req)
		wantCode(t, err, apperr.Unauthorized, "pop.replayed")
		return
	}
	t.Fatal("no internal-ringing pop")
}

func TestCallMessage(t *testing.T) {
	e := newWorkspaceEnv(t)
	out, err := e.rt.CallMessage(ctx, e.tenant.ID, &calls.Event{ID: 9, Event: calls.Outbound, MediaType: "audio",
		CallData: map[string]string{"calledNum": "13800000000"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (&pops.WorkspaceMessage{Type: "outbound", ID: 9, Number: "13800000000", Media: "audio"}); !reflect.DeepEqual(out, want) {
		t.Errorf("outbound message %+v, want %+v", out, want)
	}
	m, err := e.rt.CallMessage(ctx, e.tenant.ID, event(calls.Ringing, "5"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "call" || m.ID != 41 || m.Event != calls.Ringing || m.Media != pops.MediaMultimedia || m.CallID != "c-7" || len(m.Pops) != 5 {
		t.Errorf("call message %+v", m)
	}
	b, _ := json.Marshal(m.EventData)
	// seed 002 表4-6: "mediaType string 枚举值：audio, video, wechat, email,
	// whatsapp, web"; "calldata string 随路数据".
	if want := `{"callType":"0","calldata":"{\"orderNo\":\"A-1\"}","calledNum":"4008001234","callerNum":"13912345678","callid":"c-7","mediaType":"web","workNo":"7001"}`; string(b) != want {
		t.Errorf("eventData %s\nwant %s", b, want)
	}

	// The media type SDK pages get, from what the event carried: 表2-1's
	// numbers ("1: 音视频呼叫", "5: 多媒体文字交谈"), the Web API's words, or
	// nothing (the events API does not require mediaType) — then "audio",
	// 表4-6's string for a call.
	media := []struct {
		name, sent, want string
		absent           bool
	}{
		{"absent", "", "audio", true},
		{"empty", "", "audio", false},
		{"表2-1 audio", "1", "audio", false},
		{"表2-1 video", "2", "video", false},
		{"表2-1 multimedia", "5", "web", false},
		{"表4-6 video", "video", "video", false},
		{"表4-6 wechat", "wechat", "wechat", false},
	}
	for _, c := range media {
		t.Run(c.name, func(t *testing.T) {
			ev := event(calls.Ringing, c.sent)
			if c.absent {
				delete(ev.CallData, "mediaType")
			}
			m, err := e.rt.CallMessage(ctx, e.tenant.ID, ev)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := m.EventData["mediaType"].(string); !ok || got != c.want {
				t.Errorf("eventData mediaType %#v, want the string %q", m.EventData["mediaType"], c.want)
			}
		})
	}
}

// The stored side of the workspace: its state at start, before any call
// and after some (the stream itself is tested in web: TestStream…).
func TestWorkspaceState(t *testing.T) {
	e := newWorkspaceEnv(t)
	tid := e.tenant.ID
	empty, err := e.rt.WorkspaceState(ctx, tid, "7001")
	if err != nil {
		t.Fatal(err)
	}
	if empty.Last != nil || empty.WorkNo != "7001" || len(empty.Pops) != 5 {
		t.Errorf("state before any call %+v", empty)
	}
	var ids []int64
	for _, name := range []string{calls.Ringing, calls.Talking, calls.Release} {
		in := calls.EventInput{Event: name, WorkNo: "7001", CallData: map[string]string{"callerNum": "13912345678", "callid": "c-8", "mediaType": "1"}}
		ev, err := e.eng.Calls.Record(ctx, tid, in, "api")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	st, err := e.rt.WorkspaceState(ctx, tid, "7001")
	if err != nil {
		t.Fatal(err)
	}
	if st.Last == nil || st.Last.ID != ids[2] || st.Last.Event != calls.Release {
		t.Errorf("last call %+v", st.Last)
	}
	b, _ := json.Marshal(st)
	if !strings.HasPrefix(string(b), `{"last":{"type":"call",`) || !strings.HasSuffix(string(b), `"workNo":"7001"}`) {
		t.Errorf("state JSON %s", b)
	}

}

// poster records the dial-out requests posted to webhooks.
type poster struct {
	mu    sync.Mutex
	fail  error
	posts []map[string]string
	urls  []string
}

func (p *poster) PostJSON(_ context.Context, url string, body any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.urls = append(p.urls, url)
	p.posts = append(p.posts, body.(map[string]string))
	return p.fail
}

func TestDialOut(t *testing.T) {
	e := newPopEnv(t, pops.SettingsInput{})
	key, err := masterkey.FromBytes(make([]byte, masterkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	hook := &poster{}
	rt := pops.NewRuntime(e.eng.Pops, e.eng.Accounts, e.eng.Pages, e.eng.Calls, e.eng.Nonces, key, hook)
	unwired := pops.NewRuntime(e.eng.Pops, e.eng.Accounts, e.eng.Pages, e.eng.Calls, e.eng.Nonces, key, nil)
	withHook := tenant(t, e.eng)
	if _, err := e.eng.Pops.SaveSettings(ctx, withHook, pops.SettingsInput{OutboundWebhook: "https://pbx.example.com/dial"}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("webhook answered 500")
	cases := []struct {
		name       string
		rt         *pops.Runtime
		tenant     int64
		in         pops.DialOutRequest
		fail       error
		wantField  bool
		forwarded  bool
		wantMedia  string
		wantPosted bool
	}{
		{name: "no number", rt: rt, tenant: e.tenant.ID, in: pops.DialOutRequest{CalledNum: "  "}, wantField: true},
		{name: "too long", rt: rt, tenant: e.tenant.ID, in: pops.DialOutRequest{CalledNum: strings.Repeat("1", 33)}, wantField: true},
		// seed 002 表4-9: "mediaType string 媒体类型 是 枚举值：audio, video, email, whatsapp".
		{name: "no webhook configured", rt: rt, tenant: e.tenant.ID, in: pops.DialOutRequest{CalledNum: " 13800000000 "}, wantMedia: "audio"},
		{name: "forwarded", rt: rt, tenant: withHook, in: pops.DialOutRequest{CalledNum: strings.Repeat("1", 32), MediaType: "video"},
			forwarded: true, wantMedia: "video", wantPosted: true},
		{name: "webhook fails", rt: rt, tenant: withHook, in: pops.DialOutRequest{CalledNum: "13800000000"}, fail: refused,
			wantMedia: "audio", wantPosted: true},
		{name: "forwarding not wired", rt: unwired, tenant: withHook, in: pops.DialOutRequest{CalledNum: "13800000000"}, wantMedia: "audio"},
	}
	// seed 002 表4-9: "mediaType string 媒体类型 是 枚举值：audio, video, email, whatsapp".
	_, err = rt.DialOut(ctx, e.tenant.ID, "7001", pops.DialOutRequest{CalledNum: "13800000000", MediaType: "fax"})
	wantFieldErrors(t, err, fieldErr{Field: "mediaType", Key: "call.outbound_media"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hook.fail, hook.posts, hook.urls = c.fail, nil, nil
			res, err := c.rt.DialOut(ctx, c.tenant, "7001", c.in)
			if c.wantField {
				wantFieldErrors(t, err, fieldErr{Field: "calledNum", Key: "field.required"})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Forwarded != c.forwarded || !errors.Is(res.ForwardError, c.fail) {
				t.Errorf("forwarded %v error %v", res.Forwarded, res.ForwardError)
			}
			number := strings.TrimSpace(c.in.CalledNum)
			ev, err := e.eng.Calls.Event(ctx, c.tenant, res.ID)
			if err != nil {
				t.Fatalf("the request is not recorded: %v", err)
			}
			if ev.Event != calls.Outbound || ev.Source != "workspace" || ev.CallData["calledNum"] != number || ev.CallData["mediaType"] != c.wantMedia {
				t.Errorf("recorded %+v", ev)
			}
			var want []map[string]string
			if c.wantPosted {
				want = []map[string]string{{"workNo": "7001", "calledNum": number, "mediaType": c.wantMedia}}
				if hook.urls[0] != "https://pbx.example.com/dial" {
					t.Errorf("posted to %v", hook.urls)
				}
			}
			if !reflect.DeepEqual(hook.posts, want) {
				t.Errorf("posted %v, want %v", hook.posts, want)
			}
		})
	}
}

func TestSimulatedCall(t *testing.T) {
	cases := []struct {
		name string
		in   pops.SimulatedCall
		want calls.EventInput
	}{
		{"incoming audio", pops.SimulatedCall{Event: calls.Ringing, WorkNo: "7001", Caller: " 13912345678 ", Direction: "in", Media: "audio", CallID: " sim-1 "},
			calls.EventInput{Event: calls.Ringing, WorkNo: "7001", AssocData: map[string]string{}, CallData: map[string]string{
				"callerNum": "13912345678", "calledNum": "4008001234", "callType": "0", "callid": "sim-1", "mediaType": "1"}}},
		{"outgoing chat with associated data", pops.SimulatedCall{Event: calls.Talking, WorkNo: "7001", Caller: "13912345678", Direction: "out",
			Media: "multimedia", Assoc: " orderNo = A-1 \n\nno equals sign\n =empty key\nlevel=gold", CallID: "sim-2"},
			calls.EventInput{Event: calls.Talking, WorkNo: "7001", AssocData: map[string]string{"orderNo": "A-1", "level": "gold"}, CallData: map[string]string{
				"callerNum": "4008001234", "calledNum": "13912345678", "callType": "1", "callid": "sim-2", "mediaType": "5"}}},
		// A form posted by a script that did not escape the "+" of +86….
		{"a number whose + became a space", pops.SimulatedCall{Event: calls.Ringing, WorkNo: "7001", Caller: " 8613912345678", Direction: "in", Media: "audio"},
			calls.EventInput{Event: calls.Ringing, WorkNo: "7001", AssocData: map[string]string{}, CallData: map[string]string{
				"callerNum": "+8613912345678", "calledNum": "4008001234", "callType": "0", "callid": "", "mediaType": "1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.in.Input(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("input\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
	e := newPopEnv(t, pops.SettingsInput{})
	ev, err := e.rt.Simulate(ctx, e.tenant.ID, cases[1].in)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Source != "simulator" || ev.Event != calls.Talking || ev.AssocData["level"] != "gold" || ev.MediaType != "5" {
		t.Errorf("recorded %+v", ev)
	}
	_, err = e.rt.Simulate(ctx, e.tenant.ID, pops.SimulatedCall{Event: "Bogus", WorkNo: "7001"})
	wantFieldErrors(t, err, fieldErr{Field: "event", Key: "call.event"})
}
