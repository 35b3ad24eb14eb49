package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"

	"github.com/gofiber/template/html/v2"
)

// bufferedViews renders every page completely into memory before a byte is
// sent. The html engine calls a layout's {{embed}} as a function returning
// only an error, which html/template prints as text: a failing page template
// became a truncated page inside a whole layout, answered 200 and never
// logged. Here the page renders first; its error goes to Fiber's error
// handler (a logged 500), and the layout receives finished HTML as .Body.
type bufferedViews struct{ *html.Engine }

// Render implements fiber.Views.
func (v bufferedViews) Render(out io.Writer, name string, binding any, layouts ...string) error {
	var body bytes.Buffer
	if err := v.Engine.Render(&body, name, binding); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if len(layouts) == 0 || layouts[0] == "" {
		_, err := out.Write(body.Bytes())
		return err
	}
	var page view
	switch b := binding.(type) {
	case view:
		page = b
	case *view:
		page = *b
	default:
		return fmt.Errorf("render %s: layout %s needs a view, got %T", name, layouts[0], binding)
	}
	page.Body = template.HTML(body.String()) // #nosec G203 -- the output of our own escaping template
	var whole bytes.Buffer
	if err := v.Engine.Render(&whole, layouts[0], page); err != nil {
		return fmt.Errorf("render layout %s of %s: %w", layouts[0], name, err)
	}
	_, err := out.Write(whole.Bytes())
	return err
}
