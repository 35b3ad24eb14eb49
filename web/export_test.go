package web

import (
	"strings"
	"time"
)

// APIRouteTable lists the REST route table as "METHOD path id roles", for
// the tests outside the package.
func APIRouteTable() []string {
	s := &Server{}
	var out []string
	for _, r := range s.apiRoutes() {
		out = append(out, strings.Join([]string{r.method, r.path, r.id, r.roles.key()}, " "))
	}
	return out
}

// SetStreamWriteTimeout shortens the stream's write deadline for a test.
func SetStreamWriteTimeout(d time.Duration) (restore func()) {
	old := streamWriteTimeout
	streamWriteTimeout = d
	return func() { streamWriteTimeout = old }
}
