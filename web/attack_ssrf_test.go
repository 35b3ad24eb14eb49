package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/querycustomer"
)

// Server-side requests go only where they may: the production client
// refuses loopback, unspecified, link-local and private addresses however
// they are spelled, before connecting; a pop's external page must match
// the operator's whitelist (dot segments and encoded separators included);
// the outbound webhook must be https.
func TestAttackSSRF(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	ctx := context.Background()
	tally := newAttackTally(t, "SSRF")
	e.eng.External.UseClient(querycustomer.NewClient(querycustomer.Options{}))
	var reached atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{
		srv.URL, "http://localhost" + port, "http://127.1" + port, "http://2130706433" + port, "http://0x7f000001" + port,
		"http://0177.0.0.1" + port, "http://[::1]" + port, "http://[::ffff:127.0.0.1]" + port, "http://0.0.0.0" + port,
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://10.0.0.1/", "http://192.168.1.1/",
		"http://172.16.0.1/", "http://100.64.0.1/", "http://[fd00::1]/",
	} {
		t.Run(u, func(t *testing.T) {
			it, err := e.eng.External.Create(ctx, external.Input{Name: name("ssrf"), URL: u, AllowHTTP: true, TimeoutMS: 500})
			if err != nil {
				tally.record(true) // refused when saved
				return
			}
			_, err = e.eng.External.Check(ctx, it.ID, "1")
			var qe *querycustomer.Error
			refused := errors.As(err, &qe) && qe.Kind == querycustomer.KindRefusedAddress
			if !tally.record(refused) {
				t.Errorf("%s: %v", u, err)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the loopback endpoint was reached %d times", n)
	}

	// Framed external pages and the outbound webhook.
	if _, err := e.eng.Settings.AddWhitelist(ctx, "https://crm.example.com/app", ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"https://crm.example.com/app/../admin", "https://crm.example.com/app/%2e%2e/admin", "https://crm.example.com/app/..%2fadmin",
		"https://crm.example.com.evil.io/app", "http://crm.example.com/app", "https://169.254.169.254/app", "javascript:alert(1)",
	} {
		_, err := e.eng.Pops.CreateConfig(ctx, f.Tenant.ID, pops.ConfigInput{MediaType: "audio", Name: name("ext"), PageType: "external",
			URL: u, OpenMode: "embed", Enabled: true})
		if !tally.record(err != nil) {
			t.Errorf("external page %s accepted", u)
		}
	}
	for _, hook := range []string{"http://127.0.0.1/dial", "http://169.254.169.254/", "file:///etc/passwd"} {
		_, err := e.eng.Pops.SaveSettings(ctx, f.Tenant.ID, pops.SettingsInput{OutboundWebhook: hook})
		if !tally.record(err != nil) {
			t.Errorf("webhook %s accepted", hook)
		}
	}
}
