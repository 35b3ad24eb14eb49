package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// importsData is the imports page of one table: upload, templates,
// export and history.
type importsData struct {
	Table     *tables.Schema
	Jobs      []*ImportJob
	LimitMB   int64
	CanReveal bool
	DryRun    *DryRunView // after a dry run posted without JavaScript
	Issues    []string    // the messages of a refused upload
	// Columns tell how to fill each column of the template, as the XLSX
	// template's notes do.
	Columns []importer.ColumnHelp
}

func uiReportURL(j *importer.Job) string {
	return fmt.Sprintf("/admin/data/%d/imports/%d/report", j.TableID, j.ID)
}

func (s *Server) importsView(c *fiber.Ctx, tableID int64) (view, *importsData, error) {
	ctx := c.UserContext()
	p := principalOf(c)
	sc, err := s.eng.Tables.Schema(ctx, p.TenantID(), tableID)
	if err != nil {
		return view{}, nil, err
	}
	jobs, err := s.eng.Imports.List(ctx, p.TenantID(), tableID, 50)
	if err != nil {
		return view{}, nil, err
	}
	limit, err := s.eng.Imports.FileLimit(ctx)
	if err != nil {
		return view{}, nil, err
	}
	d := &importsData{Table: sc, LimitMB: limit >> 20, CanReveal: p.Can(accounts.PermReveal), Columns: importer.DescribeColumns(sc, langOf(c))}
	for i := range jobs {
		d.Jobs = append(d.Jobs, importJobView(&jobs[i], langOf(c), uiReportURL(&jobs[i])))
	}
	title := sc.Name + " · " + i18n.T(langOf(c), "imports.title")
	return s.view(c, "data", title, d), d, nil
}

func (s *Server) importsPage(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	v, _, err := s.importsView(c, id)
	if err != nil {
		return err
	}
	return c.Render("admin/imports", v, "layouts/shell")
}

// uploadImport takes the upload form: JSON for the page's script (which
// shows upload progress and then polls the job), a page for a browser
// without it.
func (s *Server) uploadImport(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	p := principalOf(c)
	up, err := s.readUploadRequest(c)
	var job *importer.Job
	var dry *importer.DryRunResult
	if err == nil {
		u := importer.Upload{TenantID: p.TenantID(), TableID: id, UserID: &p.User.ID, Source: importer.SourceUI,
			FileName: up.name, Mode: up.mode(), Data: up.data, Sheet: up.sheet()}
		if up.dryRun() {
			dry, err = s.eng.Imports.DryRun(c.UserContext(), u)
		} else {
			job, err = s.eng.Imports.Create(c.UserContext(), u)
		}
	}
	if wantsJSON(c) {
		if err != nil {
			return err
		}
		out := CreateImportOutput{}
		if dry != nil {
			out.Body.DryRun = dryRunView(dry, langOf(c))
			return c.Status(http.StatusOK).JSON(out.Body)
		}
		out.Body.Job = importJobView(job, langOf(c), uiReportURL(job))
		return c.Status(http.StatusCreated).JSON(out.Body)
	}
	if err == nil && job != nil {
		return c.Redirect(fmt.Sprintf("/admin/data/%d/imports", id), fiber.StatusSeeOther)
	}
	v, d, verr := s.importsView(c, id)
	if verr != nil {
		return verr
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Code == apperr.Internal {
			return err
		}
		v.Error = e.In(v.Lang)
		for _, f := range e.Fields {
			if msg := f.In(v.Lang); msg != v.Error {
				d.Issues = append(d.Issues, msg)
			}
		}
		c.Status(statusByCode[e.Code])
	} else {
		d.DryRun = dryRunView(dry, v.Lang)
	}
	return c.Render("admin/imports", v, "layouts/shell")
}

func (s *Server) importJobParams(c *fiber.Ctx) (int64, *importer.Job, error) {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return 0, nil, err
	}
	jid, err := strconv.ParseInt(c.Params("jid"), 10, 64)
	if err != nil || jid <= 0 {
		return 0, nil, apperr.NotFoundf("import.not_found")
	}
	j, err := s.tableJob(c.UserContext(), principalOf(c).TenantID(), id, jid)
	return id, j, err
}

func (s *Server) cancelImport(c *fiber.Ctx) error {
	id, j, err := s.importJobParams(c)
	if err != nil {
		return err
	}
	if _, err := s.eng.Imports.Cancel(c.UserContext(), principalOf(c).TenantID(), j.ID); err != nil && !apperr.Is(err, apperr.Conflict) {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/data/%d/imports", id), fiber.StatusSeeOther)
}

func (s *Server) importReport(c *fiber.Ctx) error {
	_, j, err := s.importJobParams(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment(fmt.Sprintf("import_%d_errors.csv", j.ID)))
	return s.eng.Imports.WriteReport(c.UserContext(), c.Response().BodyWriter(), principalOf(c).TenantID(), j.ID, langOf(c))
}

// importJobData is one import's page: its result and its error report,
// issuesPerPage lines at a time, with a link to download all of it.
type importJobData struct {
	Table  *tables.Schema
	Job    *ImportJob
	Issues []ImportIssue
	Page   int
	Pages  int
	From   int // the number of the first error shown, 1-based
	To     int
}

// issuesPerPage is how many lines of an error report one page shows.
const issuesPerPage = 100

func (s *Server) importJobPage(c *fiber.Ctx) error {
	id, j, err := s.importJobParams(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	tenantID := principalOf(c).TenantID()
	sc, err := s.eng.Tables.Schema(ctx, tenantID, id)
	if err != nil {
		return err
	}
	lang := langOf(c)
	d := &importJobData{Table: sc, Pages: max(1, (j.ErrorCount+issuesPerPage-1)/issuesPerPage)}
	d.Page = min(max(1, c.QueryInt("page", 1)), d.Pages)
	j, issues, err := s.eng.Imports.IssuePage(ctx, tenantID, j.ID, (d.Page-1)*issuesPerPage, issuesPerPage)
	if err != nil {
		return err
	}
	d.Job = importJobView(j, lang, uiReportURL(j))
	for _, is := range issues {
		d.Issues = append(d.Issues, ImportIssue{Line: is.Line, Column: is.Column, Message: is.Message.In(lang)})
	}
	d.From = (d.Page-1)*issuesPerPage + 1
	d.To = d.From + len(d.Issues) - 1
	return c.Render("admin/import_job", s.view(c, "data", sc.Name+" · "+j.FileName, d), "layouts/shell")
}

func (s *Server) importTemplate(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	out, err := s.templateFile(c.UserContext(), principalOf(c).TenantID(), id, c.Query("format"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, out.ContentType)
	c.Set(fiber.HeaderContentDisposition, out.ContentDisposition)
	return c.Send(out.Body)
}

func (s *Server) exportData(c *fiber.Ctx) error {
	id, err := tableIDParam(c, "id")
	if err != nil {
		return err
	}
	x, err := s.prepareExport(c.UserContext(), principalOf(c), id, c.Query("format"), c.Query("reveal") == "1")
	if err != nil {
		return err
	}
	s.streamExport(c, x)
	return nil
}

// importableName turns a table name into a file name the importer
// accepts: anything but Chinese characters, letters, digits and
// underscores becomes an underscore.
func importableName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_' || unicode.Is(unicode.Han, r) {
			return r
		}
		return '_'
	}, name)
}
