package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/config"
)

// Behind the operator's proxy each client keeps its own sign-in limit: the
// forwarded address is believed from SCREENPOP_TRUSTED_PROXIES only, read
// from the right so a client's own X-Forwarded-For does not count, and
// ignored from anyone else.
func TestTrustedProxiesForwardTheClientAddress(t *testing.T) {
	loopback, err := config.ParseProxyCIDR("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies bool
		// headers of the 30 failing requests, and of the next client's sign-in
		attacker, victim map[string]string
		victimOK         bool
	}{
		{"behind the proxy, another client still signs in", true,
			map[string]string{"X-Forwarded-For": "203.0.113.9"}, map[string]string{"X-Forwarded-For": "198.51.100.7"}, true},
		{"Forwarded header", true,
			map[string]string{"Forwarded": `for="203.0.113.9:5555";proto=https`}, map[string]string{"Forwarded": "for=198.51.100.7"}, true},
		{"the attacker's own X-Forwarded-For is not believed", true,
			map[string]string{"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}, map[string]string{"X-Forwarded-For": "198.51.100.7"}, true},
		{"a spoofed address cannot escape the attacker's own lock", true,
			map[string]string{"X-Forwarded-For": "203.0.113.9"}, map[string]string{"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}, false},
		{"without trusted proxies the header is ignored", false,
			map[string]string{"X-Forwarded-For": "203.0.113.9"}, map[string]string{"X-Forwarded-For": "198.51.100.7"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *config.Config) {
				if tt.proxies {
					c.TrustedProxies = append(c.TrustedProxies, loopback)
				}
			})
			f := e.tenant()
			base := "http://" + e.listen(t)
			t.Cleanup(func() { // do not leave loopback locked for other tests
				_, _ = e.eng.DB.NewDelete().Table("login_failures").Where("ip = '127.0.0.1'").Exec(context.Background())
			})
			// Each case its own addresses (the database is shared), and known
			// names (an unknown one costs a full-strength bcrypt).
			sub := strconv.Itoa(int(uniq.Add(1)) % 250)
			fix := func(h map[string]string) map[string]string {
				out := map[string]string{}
				for k, v := range h {
					out[k] = strings.ReplaceAll(strings.ReplaceAll(v, "203.0.113.9", "203.0.113."+sub), "198.51.100.7", "198.51.100."+sub)
				}
				return out
			}
			login := func(username, password string, headers map[string]string) int {
				send := func(req *http.Request) (*http.Response, string) {
					for k, v := range headers {
						req.Header.Set(k, v)
					}
					resp, err := noRedirect.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					return resp, string(body)
				}
				get, _ := http.NewRequest("GET", base+"/login", nil)
				resp, body := send(get)
				m := csrfInput.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("no CSRF token on the login page (%d)", resp.StatusCode)
				}
				form := url.Values{"username": {username}, "password": {password}, "_csrf": {m[1]}}
				req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, c := range resp.Cookies() {
					req.AddCookie(c)
				}
				resp, _ = send(req)
				return resp.StatusCode
			}
			for i := range accounts.MaxFailuresPerIP {
				u := e.user(&f.Tenant.ID, accounts.RoleAgent, f.Password)
				if status := login(u.Username, "wrong-password", fix(tt.attacker)); status == http.StatusTooManyRequests {
					t.Fatalf("attempt %d already limited", i)
				}
			}
			status := login(f.Admin.Username, f.Password, fix(tt.victim))
			if ok := status != http.StatusTooManyRequests; ok != tt.victimOK {
				t.Fatalf("next client's sign-in: status %d, want allowed=%v", status, tt.victimOK)
			}
		})
	}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
