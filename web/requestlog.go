package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/internal/logging"
)

const headerRequestID = "X-Request-ID"

// validRequestID accepts a caller's (a proxy's) request id only when it is
// short and plain, so it cannot forge log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// logRequests gives every request an id (the caller's X-Request-ID, or a
// new one), returns it in X-Request-ID and puts it in the request's
// context, so every line logged for the request carries it; then it logs
// the request. Access lines are at debug: at thousands of pops a second
// they would be most of the log. Failures (5xx other than 503, which the
// outage log reports once) are warnings.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(headerRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Set(headerRequestID, id)
	ctx := logging.WithRequestID(c.UserContext(), id)
	c.SetUserContext(ctx)
	err := c.Next()
	if err != nil {
		// Let the error handler write the response first so we log its status.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	level := slog.LevelDebug
	if status >= 500 && status != fiber.StatusServiceUnavailable {
		level = slog.LevelWarn
	}
	// Asked first: the line's arguments cost allocations on every
	// request, and at info (the default) access lines are not written.
	if s.log.Enabled(ctx, level) {
		s.log.Log(ctx, level, "http", "method", c.Method(), "path", c.Path(), "status", status,
			"ms", time.Since(start).Milliseconds(), "ip", c.IP())
	}
	return nil
}
