package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"

	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
)

// ImportJob is an import job with its progress and, once failed, why.
type ImportJob struct {
	*importer.Job
	Percent   int    `json:"percent" doc:"Share of data rows done, 0-100"`
	Error     string `json:"error,omitempty" doc:"Why the job failed, in the caller's language"`
	ReportURL string `json:"reportUrl,omitempty" doc:"The error report (CSV: line, column, reason), when there are errors"`
}

// ImportIssue is one error of a dry run.
type ImportIssue struct {
	Line    int    `json:"line"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// DryRunView is what an import would do; nothing was stored.
type DryRunView struct {
	Format    string   `json:"format"`
	Encoding  string   `json:"encoding,omitempty"`
	Sheet     string   `json:"sheet,omitempty" doc:"The XLSX sheet read"`
	Sheets    []string `json:"sheets,omitempty" doc:"The XLSX's visible sheets; post sheet=NAME to read another"`
	TotalRows int      `json:"totalRows"`
	// ExampleSkipped: the first data row was the template's example row,
	// unchanged; it is skipped and not counted.
	ExampleSkipped bool                `json:"exampleSkipped,omitempty" doc:"The template's example row (row 2, unchanged) is skipped, not counted"`
	Good           int                 `json:"good" doc:"Rows that would be stored"`
	Rejected       int                 `json:"rejected"`
	Duplicates     int                 `json:"duplicates" doc:"Rows superseded by a later row with the same index value"`
	Masked         int                 `json:"masked" doc:"Rows whose masked cells (from an export without reveal) keep the stored values"`
	Preview        []tables.RecordView `json:"preview" doc:"The first rows as they would be stored, masked"`
	Issues         []ImportIssue       `json:"issues" doc:"Every error, in file order"`
	Truncated      bool                `json:"truncated,omitempty"`
}

// CreateImportInput uploads a file to import.
type CreateImportInput struct {
	TableIDPath
	ContentType   string `header:"Content-Type"`
	ContentLength int    `header:"Content-Length"`
	RawBody       []byte `contentType:"multipart/form-data" doc:"Form fields: file (the .csv or .xlsx), mode (skip or all), dryRun (true to check only), sheet (the XLSX sheet to read; default the first visible one)"`
}

// CreateImportOutput is the queued job, or a dry run's result.
type CreateImportOutput struct {
	Status int
	Body   struct {
		Job    *ImportJob  `json:"job,omitempty"`
		DryRun *DryRunView `json:"dryRun,omitempty"`
	}
}

// ImportIDPath is a table and import job id in the path.
type ImportIDPath struct {
	TableIDPath
	ImportID int64 `path:"importId" minimum:"1"`
}

// ImportOutput is one import job.
type ImportOutput struct{ Body *ImportJob }

// ImportsOutput lists a table's import jobs, newest first.
type ImportsOutput struct {
	Body struct {
		Items []*ImportJob `json:"items"`
	}
}

// FormatInput chooses a file format.
type FormatInput struct {
	TableIDPath
	Format string `query:"format" enum:"csv,xlsx" default:"csv"`
}

// ExportInput chooses an export's format and whether masked values are
// exported in clear.
type ExportInput struct {
	FormatInput
	Reveal bool `query:"reveal" doc:"Export masked fields in clear (needs the reveal permission or scope; audited)"`
}

// FileOutput is a file download.
type FileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// importJobView adds what a client shows to a job.
func importJobView(j *importer.Job, lang string, reportURL string) *ImportJob {
	v := &ImportJob{Job: j, Percent: j.Percent()}
	if m := j.Failure(); m != nil {
		v.Error = m.In(lang)
	}
	if j.ErrorCount > 0 {
		v.ReportURL = reportURL
	}
	return v
}

func dryRunView(r *importer.DryRunResult, lang string) *DryRunView {
	v := &DryRunView{Format: string(r.Format), Encoding: string(r.Encoding), Sheet: r.Sheet, Sheets: r.Sheets, Masked: r.Masked, TotalRows: r.TotalRows, Good: r.Good,
		ExampleSkipped: r.ExampleSkipped,
		Rejected:       r.Rejected, Duplicates: r.Duplicates, Preview: r.Preview, Issues: make([]ImportIssue, len(r.Issues)), Truncated: r.Truncated}
	for i, is := range r.Issues {
		v.Issues[i] = ImportIssue{Line: is.Line, Column: is.Column, Message: is.Message.In(lang)}
	}
	return v
}

// tableJob returns an import job of the tenant's table; another table's
// job is not found.
func (s *Server) tableJob(ctx context.Context, tenantID, tableID, jobID int64) (*importer.Job, error) {
	j, err := s.eng.Imports.Get(ctx, tenantID, jobID)
	if err != nil {
		return nil, err
	}
	if j.TableID != tableID {
		return nil, apperr.NotFoundf("import.not_found")
	}
	return j, nil
}

func apiReportURL(j *importer.Job) string {
	return fmt.Sprintf("/api/v1/tables/%d/imports/%d/report", j.TableID, j.ID)
}

// createImportDoc describes the upload and lets it be as large as the
// largest import the parameters allow (readUpload checks the current one).
func createImportDoc(op *huma.Operation) {
	op.Description = "Upload a file as multipart/form-data (field `file`). The name, size (the operator's import limit), " +
		"format and header are checked at once: a header that differs from the template is refused with the missing " +
		"and unexpected columns. The rows are then imported by a background job (poll it); `mode=all` stores nothing " +
		"unless every row is good. With `dryRun=true` nothing is stored and the answer shows the first rows as they " +
		"would be stored (masked) and every error."
	op.MaxBodyBytes = settings.MaxImportFileSizeMB<<20 + uploadOverhead
}

func (s *Server) apiCreateImport(ctx context.Context, c caller, in *CreateImportInput) (*CreateImportOutput, error) {
	up, err := s.readUpload(ctx, in.ContentType, in.ContentLength, in.RawBody)
	if err != nil {
		return nil, err
	}
	u := importer.Upload{TenantID: c.TenantID(), TableID: in.TableID, Source: importer.SourceAPI,
		FileName: up.name, Mode: up.mode(), Data: up.data, Sheet: up.sheet(), UserID: userIDOf(c.Principal)}
	out := &CreateImportOutput{Status: http.StatusCreated}
	if up.dryRun() {
		r, err := s.eng.Imports.DryRun(ctx, u)
		if err != nil {
			return nil, err
		}
		out.Status, out.Body.DryRun = http.StatusOK, dryRunView(r, c.lang)
		return out, nil
	}
	j, err := s.eng.Imports.Create(ctx, u)
	if err != nil {
		return nil, err
	}
	out.Body.Job = importJobView(j, c.lang, apiReportURL(j))
	return out, nil
}

func (s *Server) apiListImports(ctx context.Context, c caller, in *TableIDPath) (*ImportsOutput, error) {
	jobs, err := s.eng.Imports.List(ctx, c.TenantID(), in.TableID, 100)
	if err != nil {
		return nil, err
	}
	out := &ImportsOutput{}
	out.Body.Items = make([]*ImportJob, len(jobs))
	for i := range jobs {
		out.Body.Items[i] = importJobView(&jobs[i], c.lang, apiReportURL(&jobs[i]))
	}
	return out, nil
}

func (s *Server) apiGetImport(ctx context.Context, c caller, in *ImportIDPath) (*ImportOutput, error) {
	j, err := s.tableJob(ctx, c.TenantID(), in.TableID, in.ImportID)
	if err != nil {
		return nil, err
	}
	return &ImportOutput{Body: importJobView(j, c.lang, apiReportURL(j))}, nil
}

func (s *Server) apiCancelImport(ctx context.Context, c caller, in *ImportIDPath) (*ImportOutput, error) {
	if _, err := s.tableJob(ctx, c.TenantID(), in.TableID, in.ImportID); err != nil {
		return nil, err
	}
	j, err := s.eng.Imports.Cancel(ctx, c.TenantID(), in.ImportID)
	if err != nil {
		return nil, err
	}
	return &ImportOutput{Body: importJobView(j, c.lang, apiReportURL(j))}, nil
}

func (s *Server) apiImportReport(ctx context.Context, c caller, in *ImportIDPath) (*FileOutput, error) {
	j, err := s.tableJob(ctx, c.TenantID(), in.TableID, in.ImportID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := s.eng.Imports.WriteReport(ctx, &buf, c.TenantID(), j.ID, c.lang); err != nil {
		return nil, err
	}
	return &FileOutput{ContentType: "text/csv; charset=utf-8",
		ContentDisposition: attachment(fmt.Sprintf("import_%d_errors.csv", j.ID)), Body: buf.Bytes()}, nil
}

func (s *Server) apiImportTemplate(ctx context.Context, c caller, in *FormatInput) (*FileOutput, error) {
	return s.templateFile(ctx, c.TenantID(), in.TableID, in.Format)
}

// exportRecordsDoc names the file types of the streamed export.
func exportRecordsDoc(op *huma.Operation) {
	op.Responses = map[string]*huma.Response{"200": {Description: "The file, streamed", Content: map[string]*huma.MediaType{
		"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
	}}}
}

// apiExportRecords checks (and, revealed, audits) the export before it
// answers; the file is then streamed after the handler has returned.
func (s *Server) apiExportRecords(ctx context.Context, c caller, in *ExportInput) (*huma.StreamResponse, error) {
	x, err := s.prepareExport(ctx, c.Principal, in.TableID, in.Format, in.Reveal)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) { s.streamExport(humafiber.Unwrap(hc), x) }}, nil
}

// templateFile builds a table's import template, named so that it
// re-imports as it is.
func (s *Server) templateFile(ctx context.Context, tenantID, tableID int64, format string) (*FileOutput, error) {
	f := importer.Format(format)
	if f == "" {
		f = importer.FormatCSV
	}
	if f != importer.FormatCSV && f != importer.FormatXLSX {
		return nil, apperr.Field("format", "import.export_format")
	}
	t, err := s.eng.Tables.GetTable(ctx, tenantID, tableID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := s.eng.Imports.Template(ctx, &buf, tenantID, tableID, f); err != nil {
		return nil, err
	}
	ctype := "text/csv; charset=utf-8"
	if f == importer.FormatXLSX {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	name := importableName(t.Name) + "_template." + string(f)
	return &FileOutput{ContentType: ctype, ContentDisposition: attachment(name), Body: buf.Bytes()}, nil
}
