package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/external"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// The operator's registry of external interfaces (SPEC §1, H5.4 step 1):
// list, create, edit, grant to tenants, test against the contract, and the
// allow-list of private address ranges.

type interfacesData struct {
	Rows  []interfaceRow
	Allow []external.AllowPrefix
}

// interfaceRow is an interface with the slugs of the tenants granted it.
type interfaceRow struct {
	*external.Interface
	Granted []string
}

func (s *Server) interfacesView(c *fiber.Ctx) (view, error) {
	ctx := c.UserContext()
	its, err := s.eng.External.List(ctx)
	if err != nil {
		return view{}, err
	}
	allow, err := s.eng.External.AllowList(ctx)
	if err != nil {
		return view{}, err
	}
	ts, err := s.eng.Accounts.ListTenants(ctx)
	if err != nil {
		return view{}, err
	}
	names := make(map[int64]string, len(ts))
	for _, t := range ts {
		names[t.ID] = t.Slug
	}
	d := &interfacesData{Allow: allow}
	for _, it := range its {
		d.Rows = append(d.Rows, interfaceRow{Interface: it, Granted: grantedNames(it.TenantIDs, names)})
	}
	v := s.view(c, "interfaces", i18n.T(langOf(c), "external.title"), d)
	v.Form["timeoutMs"] = "3000"
	v.Form["retries"] = "0"
	return v, nil
}

func (s *Server) interfacesPage(c *fiber.Ctx) error {
	v, err := s.interfacesView(c)
	if err != nil {
		return err
	}
	return c.Render("operator/interfaces", v, "layouts/shell")
}

// interfaceForm reads the create/edit form. Header lines are "Name: value".
func interfaceForm(c *fiber.Ctx) (external.Input, error) {
	in := external.Input{
		Name: c.FormValue("name"), Description: c.FormValue("description"), URL: c.FormValue("url"),
		AllowHTTP: c.FormValue("allowHttp") == "on",
	}
	var v apperr.Fields
	var err error
	if in.TimeoutMS, err = strconv.Atoi(strings.TrimSpace(c.FormValue("timeoutMs", "3000"))); err != nil {
		v.Add("timeoutMs", "field.range", int(external.MinTimeout.Milliseconds()), int(external.MaxTimeout.Milliseconds()))
	}
	if in.Retries, err = strconv.Atoi(strings.TrimSpace(c.FormValue("retries", "0"))); err != nil {
		v.Add("retries", "field.range", 0, external.MaxRetries)
	}
	in.Headers, err = parseHeaderLines(c.FormValue("headers"))
	if err != nil {
		v.Add("headers", "external.header_line", err.Error())
	}
	return in, v.Err()
}

// parseHeaderLines reads "Name: value" lines; blank lines are skipped.
func parseHeaderLines(text string) (map[string]string, error) {
	h := map[string]string{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%d", i+1)
		}
		h[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return h, nil
}

// headerLines shows stored headers with their values hidden; a line kept
// as it is keeps its value.
func headerLines(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + ": " + external.KeepValue + "\n")
	}
	return b.String()
}

var interfaceFields = []string{"name", "description", "url", "timeoutMs", "retries", "allowHttp", "headers"}

func (s *Server) createInterface(c *fiber.Ctx) error {
	in, err := interfaceForm(c)
	var it *external.Interface
	if err == nil {
		it, err = s.eng.External.Create(c.UserContext(), in)
	}
	if err != nil {
		v, verr := s.interfacesView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, interfaceFields...)
		return s.renderForm(c, err, "operator/interfaces", v)
	}
	return c.Redirect(fmt.Sprintf("/operator/interfaces/%d?flash=saved", it.ID), fiber.StatusSeeOther)
}

type interfaceData struct {
	Interface *external.Interface
	Tenants   []accounts.Tenant
	Granted   map[int64]bool
	// The last check, if one was run.
	CheckParam string
	Check      *checkResult
}

func (s *Server) interfaceView(c *fiber.Ctx) (view, *interfaceData, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return view{}, nil, apperr.NotFoundf("external.not_found")
	}
	ctx := c.UserContext()
	it, err := s.eng.External.Get(ctx, id)
	if err != nil {
		return view{}, nil, err
	}
	ts, err := s.eng.Accounts.ListTenants(ctx)
	if err != nil {
		return view{}, nil, err
	}
	d := &interfaceData{Interface: it, Tenants: ts, Granted: map[int64]bool{}}
	for _, t := range it.TenantIDs {
		d.Granted[t] = true
	}
	v := s.view(c, "interfaces", it.Name, d)
	v.Form = map[string]string{
		"name": it.Name, "description": it.Description, "url": it.URL,
		"timeoutMs": strconv.Itoa(it.TimeoutMS), "retries": strconv.Itoa(it.Retries),
		"headers": headerLines(it.HeaderNames),
	}
	if it.AllowHTTP {
		v.Form["allowHttp"] = "on"
	}
	return v, d, nil
}

func (s *Server) interfacePage(c *fiber.Ctx) error {
	v, _, err := s.interfaceView(c)
	if err != nil {
		return err
	}
	return c.Render("operator/interface", v, "layouts/shell")
}

func (s *Server) updateInterface(c *fiber.Ctx) error {
	v, d, err := s.interfaceView(c)
	if err != nil {
		return err
	}
	in, err := interfaceForm(c)
	if err == nil {
		_, err = s.eng.External.Update(c.UserContext(), d.Interface.ID, in)
	}
	if err != nil {
		v.Form = formValues(c, interfaceFields...)
		return s.renderForm(c, err, "operator/interface", v)
	}
	return c.Redirect(fmt.Sprintf("/operator/interfaces/%d?flash=saved", d.Interface.ID), fiber.StatusSeeOther)
}

func (s *Server) setInterfaceGrants(c *fiber.Ctx) error {
	v, d, err := s.interfaceView(c)
	if err != nil {
		return err
	}
	var ids []int64
	for _, raw := range c.Context().PostArgs().PeekMulti("tenant") {
		id, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return apperr.NotFoundf("tenant.not_found")
		}
		ids = append(ids, id)
	}
	if err := s.eng.External.SetGrants(c.UserContext(), d.Interface.ID, ids); err != nil {
		return s.renderForm(c, err, "operator/interface", v)
	}
	return c.Redirect(fmt.Sprintf("/operator/interfaces/%d?flash=saved", d.Interface.ID), fiber.StatusSeeOther)
}

// checkInterface queries the interface once with a sample parameter and
// shows the conformance report, as `screenpop check-endpoint` prints it.
func (s *Server) checkInterface(c *fiber.Ctx) error {
	v, d, err := s.interfaceView(c)
	if err != nil {
		return err
	}
	d.CheckParam = strings.TrimSpace(c.FormValue("param"))
	if d.Check, err = s.runCheck(c.UserContext(), d.Interface.ID, d.CheckParam); err != nil {
		return err
	}
	d.Check.View = conformanceReport(v.Lang, d.Check)
	return c.Render("operator/interface", v, "layouts/shell")
}

// checkResult is one conformance check of an interface.
type checkResult struct {
	Res     *querycustomer.Result
	Err     *querycustomer.Error // the query failed, if set
	Report  string               // as screenpop check-endpoint prints it
	Passed  bool                 // answered, and broke no rule
	Checked bool
	View    conformanceView // the report in the reader's language
}

// runCheck queries an interface once; only failures of screenpop itself
// (the database) are errors, the endpoint's are in the result.
func (s *Server) runCheck(ctx context.Context, id int64, param string) (*checkResult, error) {
	res, qerr := s.eng.External.Check(ctx, id, param)
	r := &checkResult{Res: res, Checked: true}
	if qerr != nil && !errors.As(qerr, &r.Err) {
		return nil, qerr
	}
	var b bytes.Buffer
	if err := querycustomer.WriteReport(&b, res); err != nil {
		return nil, err
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "error:      %s\n", r.Err.Error())
	}
	r.Report = b.String()
	r.Passed = qerr == nil && res != nil && res.Reply.Conforms()
	return r, nil
}

func (s *Server) deleteInterface(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("external.not_found")
	}
	if err := s.eng.External.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect("/operator/interfaces?flash=saved", fiber.StatusSeeOther)
}

func (s *Server) addAllowPrefix(c *fiber.Ctx) error {
	if _, err := s.eng.External.AddAllow(c.UserContext(), c.FormValue("prefix"), c.FormValue("description")); err != nil {
		v, verr := s.interfacesView(c)
		if verr != nil {
			return verr
		}
		v.Form["prefix"], v.Form["prefixDescription"] = c.FormValue("prefix"), c.FormValue("description")
		return s.renderForm(c, prefixFields(err, "allow."), "operator/interfaces", v)
	}
	return c.Redirect("/operator/interfaces?flash=saved#allow", fiber.StatusSeeOther)
}

func (s *Server) removeAllowPrefix(c *fiber.Ctx) error {
	if err := s.eng.External.RemoveAllow(c.UserContext(), c.FormValue("prefix")); err != nil {
		return err
	}
	return c.Redirect("/operator/interfaces?flash=saved#allow", fiber.StatusSeeOther)
}

// grantedNames lists the slugs of the granted tenants, for the list page.
func grantedNames(ids []int64, names map[int64]string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, ok := names[id]; ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
