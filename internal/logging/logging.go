// Package logging is the application's log setup: one slog handler, whose
// lines carry the request id of the request they belong to (taken from the
// context, where the web layer puts it).
package logging

import (
	"context"
	"io"
	"log/slog"
)

type ctxKey struct{}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID returns the request id in ctx, "" when none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New returns the application's logger: text lines at level and above on w,
// each with request_id when logged with a request's context.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(Handler{slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})})
}

// Handler adds the context's request id to every record.
type Handler struct{ slog.Handler }

// Handle adds request_id, then passes the record on.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return Handler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h Handler) WithGroup(name string) slog.Handler { return Handler{h.Handler.WithGroup(name)} }
