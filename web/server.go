// Package web is screenpop's HTTP side: one route table (routes.go), the
// admin UI (server-rendered html/template through Fiber's template engine),
// the REST API under /api/v1 (huma, which generates the OpenAPI document
// from the handlers' Go types) and the middleware every response passes
// through. Domain rules live in engine; handlers only translate.
package web

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/template/html/v2"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/internal/config"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server holds what the handlers need.
type Server struct {
	outage  outageLog
	ready   readiness
	app     *fiber.App
	eng     *engine.Engine
	cfg     config.Config
	log     *slog.Logger
	csrfKey []byte
	assets  map[string]string // file name → fingerprinted URL
	views   *html.Engine      // the templates, for what renders a part of a page itself (popFields)
}

// DefaultBodyLimit caps request bodies everywhere except upload routes,
// which may take up to the largest import file the parameters allow.
const DefaultBodyLimit = 1 << 20

// New builds the server and its Fiber application with every route.
func New(eng *engine.Engine, cfg config.Config, log *slog.Logger) (*Server, error) {
	s := &Server{
		eng:     eng,
		cfg:     cfg,
		log:     log,
		csrfKey: eng.CSRFKey(),
	}
	var err error
	if s.assets, err = fingerprintAssets(staticFS); err != nil {
		return nil, err
	}
	views, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	tmpl := html.NewFileSystem(http.FS(views), ".html")
	tmpl.AddFunc("t", i18n.T)
	tmpl.AddFunc("asset", s.assetURL)
	tmpl.AddFunc("langName", langName)
	tmpl.AddFunc("dict", dict)
	tmpl.AddFunc("stripPrefix", stripPrefix)
	tmpl.AddFunc("add", func(a, b int) int { return a + b })
	tmpl.AddFunc("maskKey", pages.MaskKey)
	tmpl.AddFunc("deref", func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	})
	tmpl.AddFunc("reason", reasonText)
	tmpl.AddFunc("versionNote", versionNote)
	tmpl.AddFunc("icon", s.icon)
	tmpl.AddFunc("dialOut", dialOutFor)
	tmpl.AddFunc("pageAction", actionFor)
	tmpl.AddFunc("join", strings.Join)
	tmpl.AddFunc("hasPrefix", strings.HasPrefix)
	tmpl.AddFunc("deref2", func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	})
	tmpl.AddFunc("list", func(items ...string) []string { return items })
	tmpl.AddFunc("popObjects", s.popObjects)
	tmpl.AddFunc("popTiles", s.popTiles)
	s.views = tmpl
	if err := tmpl.Load(); err != nil {
		return nil, err
	}

	app := fiber.New(fiber.Config{
		AppName: "screenpop",
		// Values from the request (params, headers, form values) are copies,
		// not views into fasthttp's reused buffers: a value kept past the
		// request (a cache key, a goroutine) must never change under us.
		Immutable:             true,
		Views:                 bufferedViews{tmpl},
		ErrorHandler:          s.handleError,
		BodyLimit:             (settings.MaxImportFileSizeMB + 2) << 20,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          0, // the workspace streams events for hours; idle peers are cut by IdleTimeout
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		// Forwarded addresses are believed only from the operator's proxies
		// (realClient); fiber itself never reads them.
		EnableTrustedProxyCheck: true,
	})
	app.Use(recover.New(recover.Config{EnableStackTrace: true}))
	app.Use(s.realClient)
	app.Use(s.logRequests)
	s.limitUploads(app)
	s.routes(app)
	s.app = app
	return s, nil
}

// App is the Fiber application, to listen with or to test.
func (s *Server) App() *fiber.App { return s.app }

func langName(lang string) string {
	if lang == i18n.English {
		return "English"
	}
	return "中文"
}

// dict builds a map from alternating keys and values, to pass several values
// to a partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// stripPrefix returns the entries of m whose keys start with prefix, with
// the prefix removed: one page's "new." form values for a shared partial.
func stripPrefix(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}
