package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/internal/i18n"
)

// maxParamLength bounds the customer key of a queryCustomer request.
const maxParamLength = 256

// restQueryCustomer serves POST /rest/v1/queryCustomer (SPEC §6) from base
// tables: the published page the API key is bound to, rendered for the
// body's param, as the contract's JSON array. The key comes as
// "Authorization: Bearer sp_…" or "X-API-Key: sp_…" (which also exempts
// the call from the cookie CSRF check). A wrong key is refused by the
// authenticate middleware with a 401 problem document; every other failure
// here is a problem document too.
func (s *Server) restQueryCustomer(c *fiber.Ctx) error {
	p := principalOf(c)
	if p == nil || p.APIKey == nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="queryCustomer"`)
		return s.restProblem(c, http.StatusUnauthorized, i18n.T(langOf(c), "querycustomer.key_required"))
	}
	param, msg := readQueryCustomerBody(c.Body())
	if msg != "" {
		return s.restProblem(c, http.StatusBadRequest, i18n.T(langOf(c), "querycustomer.bad_body", msg))
	}
	objs, err := s.eng.QueryCustomer.Answer(c.UserContext(), p.APIKey, param)
	if err != nil {
		return err // the error handler writes a problem document for /rest/
	}
	body, err := json.Marshal(objs)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/json; charset=UTF-8")
	return c.Send(body)
}

// readQueryCustomerBody reads {"param": "…"}: a JSON object whose param is
// a string. Other members are ignored. It returns what is wrong, in
// English, for the 400 detail.
func readQueryCustomerBody(body []byte) (string, string) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", `the body is empty; send {"param": "<customer number>"}`
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", `the body is not a JSON object; send {"param": "<customer number>"}`
	}
	raw, ok := m["param"]
	if !ok {
		return "", `param is missing; send {"param": "<customer number>"}`
	}
	var param string
	if err := json.Unmarshal(raw, &param); err != nil {
		return "", "param must be a string"
	}
	if utf8.RuneCountInString(param) > maxParamLength {
		return "", "param is longer than 256 characters"
	}
	return param, ""
}

// restProblem writes an RFC 9457 problem document, the shape of every error
// of /api/v1 and /rest/.
func (s *Server) restProblem(c *fiber.Ctx, status int, detail string) error {
	c.Status(status)
	return c.JSON(problem{Title: http.StatusText(status), Status: status, Detail: detail}, "application/problem+json")
}
