package external_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/pages"
)

const goodReply = `[{"objectName": "客户信息", "values": [
  {"valueNo": "2", "name": "付费方式", "value": "1", "type": "5", "isMandatory": true,
   "dictItems": [{"key": "1", "value": "预付费"}, {"key": "2", "value": "后付费"}]},
  {"valueNo": "1", "name": "姓名", "value": "zengxiangyu01", "type": "1", "length": "32", "isMandatory": true, "maskStyle": "1"},
  {"valueNo": "3", "name": "电话", "value": "15200001028", "type": "1", "isMandatory": false}]},
 {"objectName": "账户", "values": [{"valueNo": "1", "name": "余额", "value": 12.50, "type": "2", "isMandatory": false}]}]`

// hang reads the request and answers nothing until the client leaves.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

type shown struct{ object, label, value string }

func fieldsOf(m *pages.Model) []shown {
	var out []shown
	for _, o := range m.Objects {
		for _, f := range o.Fields {
			out = append(out, shown{o.Name, f.Label, f.Value})
		}
	}
	return out
}

// TestExternalPage renders a published external page through the real
// connector against real local HTTP endpoints: what agents see for a
// correct reply, for the seed's sloppy one, and the "unavailable (reason)"
// state — within the configured timeout — for everything that fails.
func TestExternalPage(t *testing.T) {
	eng := newEngine(t)
	seed, err := os.ReadFile("../querycustomer/testdata/seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var gotAuth, gotParam atomic.Value
	correct := endpoint(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		gotAuth.Store(r.Header.Get("Authorization"))
		gotParam.Store(string(body))
		if strings.Contains(string(body), "00000000000") {
			reply(`[]`)(w, r)
			return
		}
		reply(goodReply)(w, r)
	})
	huge := "[" + strings.Repeat(`{"objectName": "x", "values": []},`, 40000) + `{"objectName": "x", "values": []}]`
	other := endpoint(t, reply(goodReply))
	tests := []struct {
		name    string
		handler http.HandlerFunc // nil: the correct endpoint
		url     string           // instead of a handler
		timeout int
		param   string
		state   pages.State
		reason  string
		fields  []shown
		within  time.Duration
	}{
		{name: "correct reply", param: "15200001028", state: pages.StateOK, fields: []shown{
			{"客户信息", "姓名", "*********yu01"}, // maskStyle 1: the last four
			{"客户信息", "付费方式", "预付费"},         // the dictionary label, in valueNo order
			{"客户信息", "电话", "15200001028"},
			{"账户", "余额", "12.50"},
		}},
		{name: "unknown customer", param: "00000000000", state: pages.StateNotFound},
		{name: "the seed's sloppy example renders what it can", handler: reply(string(seed)), param: "p", state: pages.StateOK, fields: []shown{
			{"客户信息", "姓名", "zengxiangyu01"},
			{"客户信息", "付费方式", "预付费"}, // the split dictionary joined
		}},
		{name: "slow", handler: hang, timeout: 300, param: "p", state: pages.StateError, reason: "timeout", within: 300 * time.Millisecond},
		{name: "huge", handler: reply(huge), param: "p", state: pages.StateError, reason: "too_large"},
		{name: "not JSON", handler: reply(`<html>502 Bad Gateway</html>`), param: "p", state: pages.StateError, reason: "not_json"},
		{name: "wrong types still render", handler: reply(`[{"objectName": "o", "values": [{"name": "n", "value": 5, "type": 2, "isMandatory": "false"}]}]`),
			param: "p", state: pages.StateOK, fields: []shown{{"o", "n", "5"}}},
		{name: "status 500", handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }, param: "p", state: pages.StateError, reason: "http_status"},
		{name: "redirect to another host", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
		}, param: "p", state: pages.StateError, reason: "redirect"},
		{name: "redirect to the metadata service", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		}, param: "p", state: pages.StateError, reason: "redirect"},
		{name: "connection refused", url: closedPort(t), param: "p", state: pages.StateError, reason: "connect"},
		{name: "no customer number", param: "", state: pages.StateNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := correct.URL + querycustomer.DefaultPath
			switch {
			case tt.handler != nil:
				url = endpoint(t, tt.handler).URL + querycustomer.DefaultPath
			case tt.url != "":
				url = tt.url
			}
			tn := tenant(t, eng) // at most 5 pages per tenant
			it := iface(t, eng, url, tt.timeout, tn)
			p := externalPage(t, eng, tn, it.ID)
			start := time.Now()
			m, err := eng.Pages.RenderPublished(ctx, tn, p.ID, pages.Call{CustomerNumber: tt.param}, pages.RenderOptions{})
			elapsed := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if m.State != tt.state || m.Reason != tt.reason {
				t.Fatalf("state %s (%s), want %s (%s); %+v", m.State, m.Reason, tt.state, tt.reason, m)
			}
			if tt.within > 0 && elapsed > tt.within+300*time.Millisecond {
				t.Errorf("took %v with a timeout of %v", elapsed, tt.within)
			}
			if tt.fields != nil {
				if got := fieldsOf(m); fmt.Sprint(got) != fmt.Sprint(tt.fields) {
					t.Errorf("shown %v\nwant  %v", got, tt.fields)
				}
			}
		})
	}
	if a, _ := gotAuth.Load().(string); a != "Bearer s3cret-token" {
		t.Errorf("the sealed header reached the endpoint as %q", a)
	}
	if p, _ := gotParam.Load().(string); p != `{"param":"00000000000"}` && p != `{"param":"15200001028"}` {
		t.Errorf("request body %q", p)
	}
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + querycustomer.DefaultPath
}

// A grant withdrawn, or an interface deleted, shows its own reason; the
// change applies at once on this instance.
func TestExternalPageGrantAndDelete(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	srv := endpoint(t, reply(goodReply))
	it := iface(t, eng, srv.URL, 0, tn)
	p := externalPage(t, eng, tn, it.ID)
	render := func() *pages.Model {
		t.Helper()
		m, err := eng.Pages.RenderPublished(ctx, tn, p.ID, pages.Call{CustomerNumber: "15200001028"}, pages.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := render(); m.State != pages.StateOK {
		t.Fatalf("granted: %+v", m)
	}
	if err := eng.External.SetGrants(ctx, it.ID, nil); err != nil {
		t.Fatal(err)
	}
	if m := render(); m.State != pages.StateError || m.Reason != external.ReasonNotGranted {
		t.Fatalf("grant withdrawn: %s %s", m.State, m.Reason)
	}
	if err := eng.External.Delete(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if m := render(); m.State != pages.StateError || m.Reason != external.ReasonNotConfigured {
		t.Fatalf("deleted: %s %s", m.State, m.Reason)
	}
}

// The connector the server runs with (engine.New's client) refuses the
// server's own loopback, at dial time: the page says so.
func TestProductionClientRefusesLoopback(t *testing.T) {
	eng := newEngine(t)
	eng.External.UseClient(querycustomer.NewClient(querycustomer.Options{}))
	tn := tenant(t, eng)
	var reached atomic.Int64
	srv := endpoint(t, func(w http.ResponseWriter, r *http.Request) { reached.Add(1); reply(goodReply)(w, r) })
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port, "http://[::ffff:127.0.0.1]" + port, "http://0.0.0.0" + port} {
		it := iface(t, eng, u, 0, tn)
		p := externalPage(t, eng, tn, it.ID)
		m, err := eng.Pages.RenderPublished(ctx, tn, p.ID, pages.Call{CustomerNumber: "1"}, pages.RenderOptions{})
		if err != nil || m.State != pages.StateError || m.Reason != "refused_address" {
			t.Errorf("%s: %+v %v", u, m, err)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the endpoint was reached %d times", n)
	}
}

// Many pops at once on a cold cache load the interface once, and all get
// their answer.
func TestConcurrentFetch(t *testing.T) {
	eng := newEngine(t)
	tn := tenant(t, eng)
	srv := endpoint(t, reply(goodReply))
	it := iface(t, eng, srv.URL, 0, tn)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 50 {
		wg.Go(func() {
			r, err := eng.External.Fetch(context.Background(), tn, it.ID, "15200001028")
			if err != nil || len(r.Objects) != 2 {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.Fatalf("%d fetches failed", bad.Load())
	}
}

// The operator's check reports what check-endpoint reports.
func TestCheck(t *testing.T) {
	eng := newEngine(t)
	seed, _ := os.ReadFile("../querycustomer/testdata/seed_example.json")
	good := iface(t, eng, endpoint(t, reply(goodReply)).URL, 0)
	res, err := eng.External.Check(ctx, good.ID, "1")
	if err != nil || !res.Reply.Conforms() || res.Reply.ValueCount() != 4 {
		t.Fatalf("good: %+v %v", res, err)
	}
	sloppy := iface(t, eng, endpoint(t, reply(string(seed))).URL, 0)
	res, err = eng.External.Check(ctx, sloppy.ID, "1")
	if err != nil || len(res.Reply.Violations) != 5 {
		t.Fatalf("sloppy: %+v %v", res, err)
	}
	slow := iface(t, eng, endpoint(t, hang).URL, 200)
	_, err = eng.External.Check(ctx, slow.ID, "1")
	if qe, ok := err.(*querycustomer.Error); !ok || qe.Kind != querycustomer.KindTimeout {
		t.Fatalf("slow: %v", err)
	}
}
