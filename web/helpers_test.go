package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/web"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// env is a web app on the package's test database.
type env struct {
	t      *testing.T
	app    *fiber.App
	server *web.Server
	eng    *engine.Engine
}

var uniq atomic.Int64

// name returns a name unique in this test binary, for slugs and usernames.
func name(prefix string) string { return prefix + "-" + strconv.FormatInt(uniq.Add(1), 10) }

// newEnv builds the app; opts change its configuration first.
func newEnv(t *testing.T, opts ...func(*config.Config)) *env {
	t.Helper()
	db := testkit.DB(t)
	key, err := masterkey.FromBytes(make([]byte, masterkey.Size))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(db, key)
	if err != nil {
		t.Fatal(err)
	}
	eng.Accounts.BcryptCost = 4 // the minimum: tests sign in often
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error"}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(eng, cfg, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	eng.Start(ctx)
	return &env{t: t, app: srv.App(), server: srv, eng: eng}
}

// tenantFixture is a tenant with an admin, an agent and an API key.
type tenantFixture struct {
	Tenant   *accounts.Tenant
	Admin    *accounts.User
	Agent    *accounts.User
	Password string
	APIKey   string
}

func (e *env) tenant() tenantFixture {
	e.t.Helper()
	ctx := context.Background()
	t, err := e.eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: name("t"), Name: "Tenant"})
	if err != nil {
		e.t.Fatal(err)
	}
	f := tenantFixture{Tenant: t, Password: "correct-horse-1"}
	f.Admin = e.user(&t.ID, accounts.RoleAdmin, f.Password)
	f.Agent = e.user(&t.ID, accounts.RoleAgent, f.Password)
	f.APIKey, _, err = e.eng.Accounts.CreateAPIKey(ctx, accounts.NewAPIKey{TenantID: t.ID, Name: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) user(tenantID *int64, role accounts.Role, password string) *accounts.User {
	e.t.Helper()
	u, err := e.eng.Accounts.CreateUser(context.Background(), accounts.NewUser{
		TenantID: tenantID, Username: name("u"), Role: role, Password: password,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// browser is a cookie jar plus the CSRF token of the last page, so tests
// can act like a person submitting forms.
type browser struct {
	e       *env
	cookies map[string]string
	csrf    string
}

func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.e.app.Test(req, -1)
	if err != nil {
		b.e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfInput.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post submits a form, adding the CSRF token unless the form sets _csrf.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs in through the real form.
func (b *browser) login(username, password string) {
	b.e.t.Helper()
	b.get("/login")
	resp, body := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: status %d, body %s", username, resp.StatusCode, body)
	}
}

// api calls the REST API with an API key (or none when key is "").
func (e *env) api(method, path, key string, body any) (*http.Response, map[string]any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = strings.NewReader(string(data))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	if len(data) > 0 && data[0] == '[' {
		out["_raw"] = string(data)
	}
	out["_body"] = string(data)
	return resp, out
}

func httptestRequest(method, path, jsonBody string) *http.Request {
	r := httptest.NewRequest(method, path, strings.NewReader(jsonBody))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// testLog sends the server's warnings and errors to the test's log, so a 500
// in a test shows its cause.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
