package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/pages"
)

// popData is what the page template needs besides the model.
type popData struct {
	Model    *pages.Model
	RetryURL string
	// RetryPost, when set, makes the retry a form posting these values to
	// RetryURL (a URL POST pop keeps its parameters out of the URL).
	RetryPost map[string][]string
	Scripts   []string
	// Live is "hash" or "message" for pages that keep listening for calls;
	// ContentURL is where they fetch the new content.
	Live       string
	ContentURL string
	// HashContentURL is where a page waiting at its plain address fetches
	// a call Tencent TCCC passes in the URL hash ("#?mobile=…").
	HashContentURL string
	// Origins are the platforms that may frame the page and receive its
	// dial-out messages; Dialect decides the dial-out message.
	Origins []string
	Dialect string
}

// dialOutButton is what a phone value's call button does.
type dialOutButton struct {
	Kind    string
	Message string
	URL     string
	Target  string
	Window  string // top for Huawei (its desk listens there), parent otherwise
}

// dialOutFor returns the call button of a number on a platform, or nil;
// desc (the customer's name, or the field's dialDesc rule) is what the
// agent's dialer shows for the call.
func dialOutFor(name, number, desc string) *dialOutButton {
	a, ok := dialect.DialOut(dialect.Name(name), number, desc)
	if !ok {
		return nil
	}
	b := &dialOutButton{Kind: string(a.Kind), Message: string(a.Message), URL: a.URL, Target: a.Target, Window: "parent"}
	if dialect.Name(name).IsHuawei() {
		b.Window = "top"
	}
	return b
}

// actionButton is a page action as the pop shows it: the exact message
// to post to the platform (pop.js posts it to window.parent, at the
// platform's origin, like a call button).
type actionButton struct {
	Kind    string
	Label   string
	Message string
}

// actionFor returns the button of a page action on a platform, or nil:
// Sobot's messages are shown inside Sobot and in the builder's preview
// (platform ""), nowhere else, where nobody would receive them.
func actionFor(lang, platform string, a pages.ActionModel) *actionButton {
	if platform != "" && dialect.Name(platform) != dialect.Sobot {
		return nil
	}
	params := make([]dialect.Param, len(a.Params))
	for i, p := range a.Params {
		params[i] = dialect.Param{Name: p.Name, Value: p.Value}
	}
	msg, err := dialect.SobotMessage(dialect.SobotMessageKind(a.Kind), params, time.Now())
	if err != nil {
		return nil
	}
	label := a.Label
	if label == "" {
		label = i18n.T(lang, "pages.action."+string(a.Kind))
	}
	return &actionButton{Kind: string(a.Kind), Label: label, Message: string(msg)}
}

// writePop renders a page model as a complete HTML document: the one
// renderer behind the builder preview and every pop.
func (s *Server) writePop(c *fiber.Ctx, m *pages.Model, scripts ...string) error {
	v := s.view(c, "", m.PageName, &popData{Model: m, RetryURL: c.OriginalURL(), Scripts: scripts})
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Render("pop/page", v)
}

// reasonText explains a data-source failure in the user's language.
func reasonText(lang, reason string) string {
	key := "reason." + reason
	if i18n.Has(key) {
		return i18n.T(lang, key)
	}
	return reason
}
