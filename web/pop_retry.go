package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/pops/dialect"
)

// popRetry sets where the "Retry" of an unavailable page goes: the same pop
// for the same call. A signed link is single use, so its retry carries a
// fresh signature over the same parameters (this request has just proved it
// held a valid one). A form post (Huawei URL POST) is retried as a form, so
// its parameters stay out of the URL; a live page's content request is
// retried as the whole page. It is set only on the unavailable state.
func (s *Server) popRetry(c *fiber.Ctx, pt *popTarget, params url.Values, data *popData) {
	q := url.Values{}
	for k, vs := range params {
		q[k] = vs
	}
	if q.Has(dialect.SigParam) {
		// A signature is per second: a retry signed in the second of the
		// link it replaces would be that link, already used, so it is
		// dated at least a second later (well inside the allowed skew).
		at := time.Now()
		if ts, err := strconv.ParseInt(q.Get(dialect.TSParam), 10, 64); err == nil && at.Unix() <= ts {
			at = time.Unix(ts+1, 0)
		}
		q = dialect.Sign(s.popLinkKey(pt.tenant.ID), pt.path, q, at)
	}
	if c.Method() == fiber.MethodPost {
		data.RetryURL, data.RetryPost = pt.path, q
		return
	}
	data.RetryURL = pt.path
	if len(q) > 0 {
		data.RetryURL += "?" + q.Encode()
	}
}
