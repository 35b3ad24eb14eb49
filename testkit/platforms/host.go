package platforms

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
