// Package apperrtest holds the assertions tests make on domain errors
// (internal/apperr): which code, and which English message on which field.
package apperrtest

import (
	"strings"
	"testing"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// FieldMessage returns the English message of the first error on field,
// or "" when err is not a domain error or has none on field.
func FieldMessage(err error, field string) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.In(i18n.English)
		}
	}
	return ""
}

// Message returns the English top-level message of a domain error, or ""
// for any other error.
func Message(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	return e.In(i18n.English)
}

// WantField fails unless err is a domain error with code and a message on
// field that starts with want.
func WantField(t testing.TB, err error, code apperr.Code, field, want string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err %v, want code %s", err, code)
	}
	if msg := FieldMessage(err, field); !strings.HasPrefix(msg, want) {
		t.Fatalf("%s message %q (err %v), want it to start with %q", field, msg, err, want)
	}
}

// WantMessage fails unless err is a domain error with code and a
// top-level message that starts with want.
func WantMessage(t testing.TB, err error, code apperr.Code, want string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err %v, want code %s", err, code)
	}
	if msg := Message(err); !strings.HasPrefix(msg, want) {
		t.Fatalf("message %q, want it to start with %q", msg, want)
	}
}
