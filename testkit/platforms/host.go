package platforms

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// workbench is what the stand-in workbenches share: where they are, and
// the address that shows the pop inside them.
type workbench struct {
	// Base is the workbench's origin, http://localhost:port: another site
	// than a test server on 127.0.0.1.
	Base string
}

// PageURL is the workbench with the pop page at page: its address as the
// admin configured it in the platform (页面地址, 来电弹屏, 对接页面, the
// third-party page), before any call's parameters.
func (w workbench) PageURL(page string) string {
	return w.Base + "/workbench?page=" + url.QueryEscape(page)
}

// serveOnOtherSite serves a stand-in until the test ends and returns its
// origin as http://localhost:port: another site than the test servers on
// 127.0.0.1, as a platform's workbench is to the pop.
func serveOnOtherSite(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// hostPage serves a workbench page whose one %s is the configured pop
// address, taken from the "page" query parameter and escaped for HTML.
func hostPage(format string) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, format, html.EscapeString(r.URL.Query().Get("page")))
	}
}
