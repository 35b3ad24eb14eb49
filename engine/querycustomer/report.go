package querycustomer

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// WriteReport writes a human-readable conformance report of one Query: the
// status, the time taken, what could be rendered, and each violation as
// "PATH: RULE (got X)". It backs `screenpop check-endpoint`; the error of a
// failed Query is the caller's to print, since res is all this sees.
func WriteReport(w io.Writer, res *Result) error {
	if res == nil {
		_, err := fmt.Fprintln(w, "no result: the endpoint was not queried")
		return err
	}
	ew := &errWriter{w: w}
	status := "none (no response)"
	if res.Status != 0 {
		status = fmt.Sprintf("%d %s", res.Status, http.StatusText(res.Status))
	}
	ew.printf("status:     %s\n", status)
	ew.printf("duration:   %s", res.Duration.Round(time.Millisecond))
	if res.Attempts > 1 {
		ew.printf(" (%d attempts)", res.Attempts)
	}
	ew.printf("\n")
	ew.printf("body:       %d bytes\n", len(res.Raw))
	ew.printf("rendered:   %s, %s\n", count(len(res.Reply.Objects), "object"), count(res.Reply.ValueCount(), "value"))
	if len(res.Reply.Violations) == 0 {
		ew.printf("no violations\n")
		return ew.err
	}
	ew.printf("%s of the queryCustomer contract:\n", count(len(res.Reply.Violations), "violation"))
	for _, v := range res.Reply.Violations {
		ew.printf("  %s\n", v)
	}
	return ew.err
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// errWriter keeps the first write error so the report reads straight.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
