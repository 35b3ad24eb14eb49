package querycustomer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return &Error{Kind: KindBadURL, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header["User-Agent"] = c.userAgentValue
	resp, err := c.http.Do(req)
	if err != nil {
		return classify(ctx, err, WebhookTimeout, u)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, c.maxBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Kind: KindHTTPStatus, Status: resp.StatusCode, Message: fmt.Sprintf("the webhook answered %d", resp.StatusCode)}
	}
	return nil
}
