package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/testkit/testengine"
)

// A page template that fails leaves nothing written: the whole page is
// rendered in memory first, so the caller can answer 500 instead of a
// truncated 200 inside an intact layout.
func TestBufferedViewsWriteNothingOnError(t *testing.T) {
	fsys := fstest.MapFS{
		"layouts/shell.html": {Data: []byte(`<html>{{.Title}}<main>{{.Body}}</main></html>`)},
		"good.html":          {Data: []byte(`<p>{{.Data}}</p>`)},
		"bad.html":           {Data: []byte(`<p>before</p>{{index .Data 1}}`)},
	}
	eng := html.NewFileSystem(http.FS(fsys), ".html")
	if err := eng.Load(); err != nil {
		t.Fatal(err)
	}
	v := bufferedViews{eng}
	cases := []struct {
		name, tmpl string
		data       any
		want       string
		wantErr    bool
	}{
		{"good with layout", "good", "<x>", "<html>T<main><p>&lt;x&gt;</p></main></html>", false},
		{"bad with layout", "bad", 3, "", true},
		{"bad alone", "bad", 3, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			layouts := []string{"layouts/shell"}
			if c.name == "bad alone" {
				layouts = nil
			}
			err := v.Render(&out, c.tmpl, view{Title: "T", Data: c.data}, layouts...)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want error %v", err, c.wantErr)
			}
			if out.String() != c.want {
				t.Fatalf("wrote %q, want %q", out.String(), c.want)
			}
		})
	}
}

// A template error in a real handler answers a 500 error page and logs the
// cause.
func TestTemplateErrorIsLogged500(t *testing.T) {
	eng := testengine.New(t)
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), LogLevel: "error"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	var mu sync.Mutex
	s, err := New(eng, cfg, slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// admin/pops given a number instead of its data fails half-way.
	s.app.Get("/broken", func(c *fiber.Ctx) error {
		return c.Render("admin/pops", s.view(c, "pops", "Pops", 42), "layouts/shell")
	})
	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/broken", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500; body %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "can't evaluate") || strings.Contains(string(body), `data-testid="new-pop"`) {
		t.Fatalf("the error page shows the template or its details: %s", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "render admin/pops") {
		t.Fatalf("the template error was not logged: %q", logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
