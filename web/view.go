package web

import (
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// view is what every template receives.
type view struct {
	Lang      string
	Langs     []string
	Title     string
	Active    string // navigation entry to highlight
	Path      string // current path, for the language switch
	CSRF      string
	Principal *accounts.Principal
	Flash     string
	Error     string            // a form-level error
	Errors    map[string]string // field → message
	Form      map[string]string // submitted values, so a failed submit loses nothing
	Data      any
	Body      template.HTML // the rendered page, inside a layout (see bufferedViews)
}

func (s *Server) view(c *fiber.Ctx, active, title string, data any) view {
	csrf, _ := c.Locals(keyCSRF).(string)
	return view{
		Lang: langOf(c), Langs: i18n.Languages, Title: title, Active: active,
		Path: c.OriginalURL(), CSRF: csrf, Principal: principalOf(c),
		Flash: flashMessage(c), Form: map[string]string{}, Errors: map[string]string{}, Data: data,
	}
}

// withError fills the view with a domain error: field messages beside their
// fields, anything else at the top of the form.
func (v *view) withError(err *apperr.Error) {
	for _, f := range err.Fields {
		if _, seen := v.Errors[f.Field]; !seen {
			v.Errors[f.Field] = f.In(v.Lang)
		}
	}
	if len(err.Fields) == 0 || err.Code != apperr.Invalid {
		v.Error = err.In(v.Lang)
	}
}

// renderForm re-renders a form page after a failed submit with the
// submitted values and the errors; other errors go to the error handler.
func (s *Server) renderForm(c *fiber.Ctx, err error, tmpl string, v view) error {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal || e.Code == apperr.Unauthorized {
		return err
	}
	v.withError(e)
	c.Status(statusByCode[e.Code])
	return c.Render(tmpl, v, "layouts/shell")
}

// formValues copies the named form fields, for redisplay.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = c.FormValue(n)
	}
	return m
}

// fingerprintAssets maps each static file to a URL with its content hash, so
// assets can be cached for a year and still change with each release.
func fingerprintAssets(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(fsys, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(path, "static/")
		out[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	return out, err
}

func (s *Server) assetURL(name string) string {
	if u, ok := s.assets[name]; ok {
		return u
	}
	return "/static/" + name
}

func (s *Server) static() fiber.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return filesystem.New(filesystem.Config{
		Root:   http.FS(sub),
		MaxAge: 365 * 24 * 3600,
	})
}

var iconName = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// icon is one icon of the Feather set (web/static/vendor/feather-sprite.svg,
// from npm), decorative: the button or link beside it says what it does.
func (s *Server) icon(name string) template.HTML {
	if !iconName.MatchString(name) {
		return ""
	}
	return template.HTML(`<svg class="icon" aria-hidden="true" focusable="false"><use href="` + s.assetURL("vendor/feather-sprite.svg") + "#" + name + `"></use></svg>`) // #nosec G203 -- name is checked above
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// flashMessage turns the ?flash= of a redirect after a successful post into
// a translated sentence. Only known words are shown, so a crafted link cannot
// put arbitrary text on our pages.
func flashMessage(c *fiber.Ctx) string {
	switch c.Query("flash") {
	case "saved":
		return i18n.T(langOf(c), "ui.saved")
	case "published":
		return i18n.T(langOf(c), "ui.published")
	case "rolled_back":
		return i18n.T(langOf(c), "pages.rolled_back")
	case "deleted":
		return i18n.T(langOf(c), "ui.deleted")
	case "password_reset":
		return i18n.T(langOf(c), "users.password_reset")
	case "created":
		if who := c.Query("who"); namePattern.MatchString(who) {
			return i18n.T(langOf(c), "ui.created_named", who)
		}
	}
	return ""
}
