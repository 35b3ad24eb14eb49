package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/auditlog"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

const recordsPerPage = 50

type dataListData struct {
	Tables  []tables.TableSummary
	Table   *tables.Schema
	Records []tables.RecordView
	Total   int
	Page    int
	Pages   int
	Query   string
	NoMatch bool
	// Shown are the fields the list shows, in order (the cols parameter;
	// by default the first six); Sort and Desc the plain field it is
	// ordered by.
	Shown []*tables.Field
	Sort  int64
	Desc  bool
	Cols  string // the cols parameter, for links
}

// FieldValue is a record's value of one field, for the chosen columns.
func (d *dataListData) FieldValue(r tables.RecordView, id int64) *tables.FieldView {
	for i := range r.Fields {
		if r.Fields[i].FieldID == id {
			return &r.Fields[i]
		}
	}
	return nil
}

// Link is this list's address with one parameter changed.
func (d *dataListData) Link(key, value string) string {
	q := url.Values{}
	if d.Query != "" {
		q.Set("q", d.Query)
	}
	if d.Sort != 0 {
		q.Set("sort", strconv.FormatInt(d.Sort, 10))
		if d.Desc {
			q.Set("desc", "1")
		}
	}
	if d.Cols != "" {
		q.Set("cols", d.Cols)
	}
	if key == "sort" {
		q.Del("desc")
	}
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	return fmt.Sprintf("/admin/data/%d?%s", d.Table.ID, q.Encode())
}

// SortLink orders by field id, the other way round when it already is.
func (d *dataListData) SortLink(id int64) string {
	u := d.Link("sort", strconv.FormatInt(id, 10))
	if d.Sort == id && !d.Desc {
		u += "&desc=1"
	}
	return u
}

// Position is the field's place among the chosen columns (from 1), or 0
// when it is not shown.
func (d *dataListData) Position(id int64) int {
	for i, f := range d.Shown {
		if f.ID == id {
			return i + 1
		}
	}
	return 0
}

type recordData struct {
	Table     *tables.Schema
	View      *tables.RecordView // nil for a new record
	CanReveal bool
	Revealed  int64 // the field shown in clear after a reveal
}

func (s *Server) dataIndex(c *fiber.Ctx) error {
	ts, err := s.eng.Tables.ListTables(c.UserContext(), principalOf(c).TenantID())
	if err != nil {
		return err
	}
	published := ts[:0]
	for _, t := range ts {
		if t.Status == tables.Published {
			published = append(published, t)
		}
	}
	return c.Render("admin/data", s.view(c, "data", i18n.T(langOf(c), "data.title"), &dataListData{Tables: published}), "layouts/shell")
}

func (s *Server) dataTable(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	query := c.Query("q", c.Query("index"))
	d := &dataListData{Query: query, Page: max(1, c.QueryInt("page", 1)), Desc: c.Query("desc") == "1"}
	d.Sort, _ = strconv.ParseInt(c.Query("sort"), 10, 64)
	sc, recs, total, err := s.eng.Tables.SearchRecords(ctx, tid, id, tables.Search{Text: query, SortField: d.Sort, Desc: d.Desc,
		Offset: (d.Page - 1) * recordsPerPage, Limit: recordsPerPage})
	if err != nil {
		return err
	}
	d.Table, d.Total, d.NoMatch = sc, total, query != "" && total == 0
	for _, r := range recs {
		d.Records = append(d.Records, sc.View(r, false))
	}
	d.Pages = (d.Total + recordsPerPage - 1) / recordsPerPage
	cols := c.Query("cols")
	if cols == "" {
		// The column form without its script: the ticked boxes, in table order.
		var ids []string
		for _, v := range c.Context().QueryArgs().PeekMulti("col") {
			ids = append(ids, string(v))
		}
		cols = strings.Join(ids, ",")
	}
	d.Shown, d.Cols = chosenColumns(sc, cols)
	return c.Render("admin/data_table", s.view(c, "data", d.Table.Name, d), "layouts/shell")
}

// chosenColumns reads cols (field ids, comma-separated, in the order to
// show them); unknown ids are dropped, and none means the first six.
func chosenColumns(sc *tables.Schema, cols string) ([]*tables.Field, string) {
	var out []*tables.Field
	var kept []string
	for _, part := range strings.Split(cols, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if f := sc.FieldByID(id); err == nil && f != nil && !slices.ContainsFunc(out, func(x *tables.Field) bool { return x.ID == id }) {
			out = append(out, f)
			kept = append(kept, strconv.FormatInt(id, 10))
		}
	}
	if len(out) == 0 {
		return sc.Fields[:min(len(sc.Fields), 6)], ""
	}
	return out, strings.Join(kept, ",")
}

func (s *Server) recordView(c *fiber.Ctx, tableID int64, rid int64) (view, *recordData, error) {
	p := principalOf(c)
	d := &recordData{CanReveal: p.Can(accounts.PermReveal)}
	var title string
	if rid == 0 {
		sc, err := s.eng.Tables.Schema(c.UserContext(), p.TenantID(), tableID)
		if err != nil {
			return view{}, nil, err
		}
		d.Table, title = sc, i18n.T(langOf(c), "data.new")
	} else {
		sc, r, err := s.eng.Tables.GetRecord(c.UserContext(), p.TenantID(), tableID, rid)
		if err != nil {
			return view{}, nil, err
		}
		v := sc.View(r, false)
		d.Table, d.View, title = sc, &v, sc.Name
		if idx := v.Field(sc.IndexField().Name); idx != nil {
			title = sc.Name + " · " + idx.Value
		}
	}
	v := s.view(c, "data", title, d)
	if d.View != nil {
		for _, f := range d.View.Fields {
			if !f.Masked {
				v.Form[f.Name] = f.Value
				if f.Type == tables.TypeDict {
					v.Form[f.Name] = f.Key
				}
			}
		}
	}
	return v, d, nil
}

func (s *Server) newRecordPage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	v, _, err := s.recordView(c, id, 0)
	if err != nil {
		return err
	}
	return c.Render("admin/record", v, "layouts/shell")
}

// recordForm reads every field of the table from the form.
func recordForm(c *fiber.Ctx, sc *tables.Schema) map[string]string {
	in := make(map[string]string, len(sc.Fields))
	for _, f := range sc.Fields {
		in[f.Name] = c.FormValue("v." + f.Name)
	}
	return in
}

func (s *Server) createRecord(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	v, d, err := s.recordView(c, id, 0)
	if err != nil {
		return err
	}
	in := recordForm(c, d.Table)
	r, err := s.eng.Tables.CreateRecord(c.UserContext(), principalOf(c).TenantID(), id, in)
	if err != nil {
		v.Form = in
		return s.renderForm(c, err, "admin/record", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/data/%d/records/%d?flash=saved", id, r.ID), fiber.StatusSeeOther)
}

func (s *Server) recordPage(c *fiber.Ctx) error {
	id, rid, err := recordIDParams(c)
	if err != nil {
		return err
	}
	v, _, err := s.recordView(c, id, rid)
	if err != nil {
		return err
	}
	return c.Render("admin/record", v, "layouts/shell")
}

func (s *Server) updateRecordForm(c *fiber.Ctx) error {
	id, rid, err := recordIDParams(c)
	if err != nil {
		return err
	}
	v, d, err := s.recordView(c, id, rid)
	if err != nil {
		return err
	}
	in := recordForm(c, d.Table)
	// A masked field left empty keeps its value: the person may not see it.
	for _, f := range d.View.Fields {
		if f.Masked && in[f.Name] == "" {
			delete(in, f.Name)
		}
	}
	if err := s.updateRecord(c.UserContext(), principalOf(c).TenantID(), id, rid, in); err != nil {
		for k, val := range in {
			v.Form[k] = val
		}
		return s.renderForm(c, err, "admin/record", v)
	}
	return c.Redirect(fmt.Sprintf("/admin/data/%d/records/%d?flash=saved", id, rid), fiber.StatusSeeOther)
}

func (s *Server) deleteRecordForm(c *fiber.Ctx) error {
	id, rid, err := recordIDParams(c)
	if err != nil {
		return err
	}
	if err := s.eng.Tables.DeleteRecord(c.UserContext(), principalOf(c).TenantID(), id, rid); err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/data/%d?flash=deleted", id), fiber.StatusSeeOther)
}

// revealValue shows one masked value in clear to a permitted user and
// records it in the audit log.
func (s *Server) revealValue(c *fiber.Ctx) error {
	id, rid, err := recordIDParams(c)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(c.FormValue("field"), 10, 64)
	if err != nil {
		return apperr.NotFoundf("field.not_found")
	}
	p := principalOf(c)
	value, err := s.eng.Tables.Reveal(c.UserContext(), revealRequest(p, id, rid, fid, c.FormValue("callId")))
	if err != nil {
		return err
	}
	v, d, err := s.recordView(c, id, rid)
	if err != nil {
		return err
	}
	for i := range d.View.Fields {
		if f := &d.View.Fields[i]; f.FieldID == fid {
			f.Value, f.Masked, f.Revealed = value, false, true
			v.Form[f.Name] = value
		}
	}
	d.Revealed = fid
	return c.Render("admin/record", v, "layouts/shell")
}

type auditRow struct {
	auditlog.Entry
	Who string
}

func (s *Server) auditPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tid := principalOf(c).TenantID()
	es, err := s.eng.Audit.List(ctx, tid, "record.reveal", 200)
	if err != nil {
		return err
	}
	users, err := s.eng.Accounts.ListUsers(ctx, tid)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Username
	}
	rows := make([]auditRow, 0, len(es))
	for _, e := range es {
		r := auditRow{Entry: e, Who: "API"}
		if e.UserID != nil {
			r.Who = names[*e.UserID]
		}
		rows = append(rows, r)
	}
	return c.Render("admin/audit", s.view(c, "settings", i18n.T(langOf(c), "audit.title"), rows), "layouts/shell")
}

// recordIDParams reads the table and record ids of a record route.
func recordIDParams(c *fiber.Ctx) (tableID, recordID int64, err error) {
	if tableID, err = tableIDParam(c, "id"); err != nil {
		return 0, 0, err
	}
	if recordID, err = tableIDParam(c, "rid"); err != nil {
		return 0, 0, apperr.NotFoundf("record.not_found")
	}
	return tableID, recordID, nil
}
