// Package apperr is the one error type that domain packages return to say
// what went wrong in terms a user may read. It carries a code (mapped to an
// HTTP status in exactly one place, web's error handler), a message key with
// arguments (translated by internal/i18n into the user's language) and, for
// form and API validation, the fields at fault. Anything that is not an
// *Error is an internal failure: it is logged and the client sees a generic
// message.
//
// It is a leaf package so that every domain package, down to tables, can use it.
package apperr

import (
	"errors"
	"strings"

	"github.com/screenpop/screenpop/internal/i18n"
)

// Code classifies an error for the transport layer.
type Code string

const (
	Invalid      Code = "invalid"      // the input breaks a rule; see Fields
	BadRequest   Code = "bad_request"  // the request itself is malformed (NUL in JSON, an oversized parameter)
	NotFound     Code = "not_found"    // absent, or not visible to this caller
	Conflict     Code = "conflict"     // clashes with existing state (a duplicate name…)
	Unauthorized Code = "unauthorized" // no valid credentials
	Forbidden    Code = "forbidden"    // credentials are valid but lack the right
	RateLimited  Code = "rate_limited" // too many attempts; try later
	TooLarge     Code = "too_large"    // a body or file over its limit
	Unavailable  Code = "unavailable"  // a dependency is down
	Internal     Code = "internal"     // never built by domain code on purpose
)

// Message is a translatable text: a catalog key and its arguments.
type Message struct {
	Key  string
	Args []any
}

// In renders the message in lang.
func (m Message) In(lang string) string { return i18n.T(lang, m.Key, m.Args...) }

// FieldError is a message about one input field.
type FieldError struct {
	Field string
	Message
}

// Error is a domain error with a safe, translatable message.
type Error struct {
	Code Code
	Message
	Fields []FieldError
	// Err is the failure behind an Unavailable error, for the log; it is
	// never shown to a client.
	Err error
}

// Unwrap returns the underlying failure, if any.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.In(i18n.English))
	for _, f := range e.Fields {
		b.WriteString("; ")
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.In(i18n.English))
	}
	return b.String()
}

// New builds an error with a code and a message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Message: Message{Key: key, Args: args}}
}

// Wrap builds an error with a code and a message key around an underlying
// failure (a database that is down is Unavailable, not the thing missing).
func Wrap(code Code, cause error, key string, args ...any) *Error {
	e := New(code, key, args...)
	e.Err = cause
	return e
}

// NotFoundf says that a kind of thing does not exist for this caller. The
// same error is returned whether the thing is absent or belongs to another
// tenant, so ids cannot be probed.
func NotFoundf(key string, args ...any) *Error { return New(NotFound, key, args...) }

// NewFieldError is one message about one field.
func NewFieldError(field, key string, args ...any) FieldError {
	return FieldError{Field: field, Message: Message{Key: key, Args: args}}
}

// Field builds a validation error about one field.
func Field(field, key string, args ...any) *Error {
	e := New(Invalid, "error.invalid")
	e.Fields = []FieldError{NewFieldError(field, key, args...)}
	return e
}

// Fields collects several field errors; it returns nil if none were added,
// so validation code can build it up and return v.Err().
type Fields struct{ list []FieldError }

// Add records a message about field.
func (v *Fields) Add(field, key string, args ...any) {
	v.list = append(v.list, NewFieldError(field, key, args...))
}

// Has reports whether field already has an error.
func (v *Fields) Has(field string) bool {
	for _, f := range v.list {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns the collected errors as one *Error, or nil.
func (v *Fields) Err() error {
	if len(v.list) == 0 {
		return nil
	}
	e := New(Invalid, "error.invalid")
	e.Fields = v.list
	return e
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err is a domain error with the given code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
