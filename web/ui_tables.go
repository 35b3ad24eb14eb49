package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// fieldRow is one field of the table editor with its own form state, so a
// failed edit of one field keeps what was typed there.
type fieldRow struct {
	*tables.Field
	Form   map[string]string
	Errors map[string]string
	Open   bool
}

type tableEditorData struct {
	Table   *tables.Table
	Rows    []fieldRow
	Records int
	Types   []tables.FieldType
	// Confirm is set on the delete confirmation page.
	Confirm bool
}

var fieldTypes = []tables.FieldType{tables.TypeString, tables.TypeNumber, tables.TypeDate, tables.TypeTime, tables.TypeDict}

func tableIDParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf("table.not_found")
	}
	return id, nil
}

func (s *Server) tablesPage(c *fiber.Ctx) error {
	v, err := s.tablesView(c)
	if err != nil {
		return err
	}
	return c.Render("admin/tables", v, "layouts/shell")
}

func (s *Server) tablesView(c *fiber.Ctx) (view, error) {
	ts, err := s.eng.Tables.ListTables(c.UserContext(), principalOf(c).TenantID())
	if err != nil {
		return view{}, err
	}
	return s.view(c, "tables", i18n.T(langOf(c), "tables.title"), ts), nil
}

func (s *Server) createTable(c *fiber.Ctx) error {
	t, err := s.eng.Tables.CreateTable(c.UserContext(), principalOf(c).TenantID(),
		tables.TableInput{Name: c.FormValue("name"), Description: c.FormValue("description")})
	if err != nil {
		v, verr := s.tablesView(c)
		if verr != nil {
			return verr
		}
		v.Form = formValues(c, "name", "description")
		return s.renderForm(c, err, "admin/tables", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d", t.ID), fiber.StatusSeeOther)
}

// tableEditor loads the editor view of a table.
func (s *Server) tableEditor(c *fiber.Ctx, id int64) (view, *tableEditorData, error) {
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	t, err := s.eng.Tables.GetTable(ctx, tid, id)
	if err != nil {
		return view{}, nil, err
	}
	data := &tableEditorData{Table: t, Types: fieldTypes}
	for _, f := range t.Fields {
		data.Rows = append(data.Rows, fieldRow{Field: f, Form: fieldForm(f), Errors: map[string]string{}})
	}
	list, err := s.eng.Tables.ListTables(ctx, tid)
	if err != nil {
		return view{}, nil, err
	}
	for _, ts := range list {
		if ts.ID == id {
			data.Records = ts.RecordCount
		}
	}
	v := s.view(c, "tables", t.Name, data)
	v.Form["name"], v.Form["description"] = t.Name, t.Description
	v.Form["new.type"] = "1"
	return v, data, nil
}

// fieldForm is a field as form values.
func fieldForm(f *tables.Field) map[string]string {
	m := map[string]string{
		"name": f.Name, "type": strconv.Itoa(int(f.Type)), "length": strconv.Itoa(f.Length),
		"maskStyle": strconv.Itoa(int(f.MaskStyle)), "rule": f.Rule, "dictItems": formatDict(f.DictItems),
	}
	for k, on := range map[string]bool{"isIndex": f.IsIndex, "encrypted": f.Encrypted, "mandatory": f.Mandatory, "masked": f.Masked} {
		if on {
			m[k] = "on"
		}
	}
	if !f.Type.HasLength() {
		m["length"] = ""
	}
	return m
}

func formatDict(items []tables.DictItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.Key + "=" + it.Value + "\n")
	}
	return b.String()
}

// parseDict reads "key=value" lines; a line without "=" uses the text as
// both key and label.
func parseDict(text string) []tables.DictItem {
	var items []tables.DictItem
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v = line, line
		}
		items = append(items, tables.DictItem{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
	}
	return items
}

var fieldFormNames = []string{"name", "type", "length", "isIndex", "encrypted", "mandatory", "masked", "maskStyle", "dictItems", "rule"}

// fieldInputFrom reads a field form whose inputs are named prefix+name.
func fieldInputFrom(c *fiber.Ctx, prefix string) (tables.FieldInput, map[string]string) {
	form := map[string]string{}
	for _, n := range fieldFormNames {
		form[n] = c.FormValue(prefix + n)
	}
	typ, _ := strconv.Atoi(form["type"])
	length, err := strconv.Atoi(strings.TrimSpace(form["length"]))
	if err != nil && strings.TrimSpace(form["length"]) != "" {
		length = -1 // not a number: let validation name the range
	}
	style, _ := strconv.Atoi(form["maskStyle"])
	return tables.FieldInput{
		Name: form["name"], Type: tables.FieldType(typ), Length: length,
		IsIndex: form["isIndex"] == "on", Encrypted: form["encrypted"] == "on", Mandatory: form["mandatory"] == "on",
		Masked: form["masked"] == "on", MaskStyle: tables.MaskStyle(style),
		DictItems: parseDict(form["dictItems"]), Rule: form["rule"],
	}, form
}

func (s *Server) tablePage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	v, _, err := s.tableEditor(c, id)
	if err != nil {
		return err
	}
	return c.Render("admin/table", v, "layouts/shell")
}

func (s *Server) updateTable(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	_, err = s.eng.Tables.UpdateTable(c.UserContext(), principalOf(c).TenantID(), id,
		tables.TableInput{Name: c.FormValue("name"), Description: c.FormValue("description")})
	if err != nil {
		v, _, verr := s.tableEditor(c, id)
		if verr != nil {
			return verr
		}
		v.Form["name"], v.Form["description"] = c.FormValue("name"), c.FormValue("description")
		return s.renderForm(c, err, "admin/table", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d?flash=saved", id), fiber.StatusSeeOther)
}

func (s *Server) publishTable(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.eng.Tables.Publish(c.UserContext(), principalOf(c).TenantID(), id); err != nil {
		v, _, verr := s.tableEditor(c, id)
		if verr != nil {
			return verr
		}
		return s.renderForm(c, err, "admin/table", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d?flash=published", id), fiber.StatusSeeOther)
}

// deleteTable asks first: without confirm=yes it shows what would be lost.
func (s *Server) deleteTable(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		v, data, err := s.tableEditor(c, id)
		if err != nil {
			return err
		}
		data.Confirm = true
		return c.Render("admin/table_delete", v, "layouts/shell")
	}
	if err := s.eng.Tables.DeleteTable(c.UserContext(), principalOf(c).TenantID(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/tables?flash=deleted", fiber.StatusSeeOther)
}

func (s *Server) addField(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	in, form := fieldInputFrom(c, "new.")
	if _, err := s.eng.Tables.AddField(c.UserContext(), principalOf(c).TenantID(), id, in); err != nil {
		v, _, verr := s.tableEditor(c, id)
		if verr != nil {
			return verr
		}
		for k, val := range form {
			v.Form["new."+k] = val
		}
		return s.renderForm(c, prefixFields(err, "new."), "admin/table", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d?flash=saved#fields", id), fiber.StatusSeeOther)
}

func (s *Server) updateField(c *fiber.Ctx) error {
	id, fid, err := fieldIDParams(c)
	if err != nil {
		return err
	}
	in, form := fieldInputFrom(c, "")
	if _, err := s.eng.Tables.UpdateField(c.UserContext(), principalOf(c).TenantID(), id, fid, in); err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Code == apperr.NotFound {
			return err
		}
		v, data, verr := s.tableEditor(c, id)
		if verr != nil {
			return verr
		}
		for i := range data.Rows {
			if data.Rows[i].ID == fid {
				data.Rows[i].Form, data.Rows[i].Open = form, true
				for _, f := range e.Fields {
					data.Rows[i].Errors[f.Field] = f.In(v.Lang)
				}
			}
		}
		if len(e.Fields) == 0 {
			v.Error = e.In(v.Lang)
		}
		c.Status(statusByCode[e.Code])
		return c.Render("admin/table", v, "layouts/shell")
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d?flash=saved#field-%d", id, fid), fiber.StatusSeeOther)
}

func (s *Server) deleteField(c *fiber.Ctx) error {
	id, fid, err := fieldIDParams(c)
	if err != nil {
		return err
	}
	if err := s.eng.Tables.DeleteField(c.UserContext(), principalOf(c).TenantID(), id, fid); err != nil {
		if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
			v, _, verr := s.tableEditor(c, id)
			if verr != nil {
				return verr
			}
			return s.renderForm(c, err, "admin/table", v)
		}
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d?flash=saved#fields", id), fiber.StatusSeeOther)
}

// moveField is the no-JavaScript way to reorder: one step up or down.
func (s *Server) moveField(c *fiber.Ctx) error {
	id, fid, err := fieldIDParams(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	t, err := s.eng.Tables.GetTable(ctx, tid, id)
	if err != nil {
		return err
	}
	ids := make([]int64, len(t.Fields))
	pos := -1
	for i, f := range t.Fields {
		ids[i] = f.ID
		if f.ID == fid {
			pos = i
		}
	}
	if pos < 0 {
		return apperr.NotFoundf("field.not_found")
	}
	switch to := pos - 1; {
	case c.FormValue("dir") == "up" && pos > 0:
		ids[pos], ids[to] = ids[to], ids[pos]
	case c.FormValue("dir") == "down" && pos < len(ids)-1:
		ids[pos], ids[pos+1] = ids[pos+1], ids[pos]
	}
	if err := s.eng.Tables.ReorderFields(ctx, tid, id, ids); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/tables/%d#field-%d", id, fid), fiber.StatusSeeOther)
}

// fieldIDParams reads the table and field ids of a field route.
func fieldIDParams(c *fiber.Ctx) (tableID, fieldID int64, err error) {
	if tableID, err = tableIDParam(c, "id"); err != nil {
		return 0, 0, err
	}
	if fieldID, err = tableIDParam(c, "fid"); err != nil {
		return 0, 0, apperr.NotFoundf("field.not_found")
	}
	return tableID, fieldID, nil
}
