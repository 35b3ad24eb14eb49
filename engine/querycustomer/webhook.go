package querycustomer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// WebhookTimeout bounds one webhook delivery.
const WebhookTimeout = 5 * time.Second

// PostJSON delivers body as JSON to a tenant's webhook (the telephony
// side's dial-out endpoint) through the same address guard, redirect rule
// and response cap as queries. Only https is accepted. A non-2xx answer is
// an *Error of kind http_status.
func (c *Client) PostJSON(ctx context.Context, rawURL string, body any) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return &Error{Kind: KindBadURL, Message: "the webhook address must be an https URL"}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	callerDone := ctx.Done()
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	rp, err := c.exchange(ctx, callerDone, "POST", u, nil, data, c.maxBytes)
	if err != nil {
		return classify(ctx, err, WebhookTimeout, u)
	}
	if rp.status < 200 || rp.status > 299 {
		return &Error{Kind: KindHTTPStatus, Status: rp.status, Message: fmt.Sprintf("the webhook answered %d", rp.status)}
	}
	return nil
}
