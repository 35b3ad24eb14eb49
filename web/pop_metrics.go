package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Locals the pop runtime leaves for its metrics: the detected dialect and
// the rendered page's state (the lookup's result).
const (
	keyPopPlatform = "sp.pop.platform"
	keyPopState    = "sp.pop.state"
)

// observePop serves a pop and counts it by platform and outcome, with its
// duration and, when a page was rendered, the lookup's result.
func (s *Server) observePop(c *fiber.Ctx, fragment bool) error {
	start := time.Now()
	err := s.popServe(c, fragment)
	platform, _ := c.Locals(keyPopPlatform).(string)
	if platform == "" {
		platform = "unknown"
	}
	outcome := popOutcome(c.Response().StatusCode())
	if err != nil {
		outcome = "error"
	}
	m := s.eng.Metrics
	m.PopRequests.WithLabelValues(platform, outcome).Inc()
	m.PopDuration.WithLabelValues(platform).Observe(time.Since(start).Seconds())
	if state, _ := c.Locals(keyPopState).(string); state != "" {
		m.Lookups.WithLabelValues(state).Inc()
	}
	return err
}

func popOutcome(status int) string {
	switch {
	case status < 400:
		return "ok"
	case status == fiber.StatusUnauthorized, status == fiber.StatusForbidden:
		return "unauthorized"
	case status == fiber.StatusNotFound:
		return "not_found"
	case status == fiber.StatusServiceUnavailable:
		return "unavailable"
	case status < 500:
		return "invalid"
	}
	return "error"
}
