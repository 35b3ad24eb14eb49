package importer

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// Import jobs (ARCHITECTURE.md, "One import"): an upload is checked at once (name, size,
// format, header) and stored, sealed, in its import_jobs row; a worker of
// the PostgreSQL-backed queue (river) reads it, validates every row, and
// writes the good ones in transactional batches that also advance the job's
// counters, so a job interrupted anywhere resumes after its last committed
// batch. The row is the source of truth; the river job only triggers it.

// Status is an import job's state.
type Status string

// The states of an import job.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusDone      Status = "done"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Finished reports whether the job has ended.
func (s Status) Finished() bool {
	return s == StatusDone || s == StatusFailed || s == StatusCancelled
}

// Mode says what a job does with bad rows.
type Mode string

// The import modes.
const (
	ModeSkip Mode = "skip" // store the good rows, report the bad ones (default)
	ModeAll  Mode = "all"  // all or nothing: store nothing if any row is bad
)

// Sources of uploads.
const (
	SourceUI  = "ui"
	SourceAPI = "api"
	SourceCLI = "cli"
)

// Job is an import job as stored (without its file).
type Job struct {
	bun.BaseModel `bun:"table:import_jobs,alias:ij"`

	ID         int64  `bun:",pk,autoincrement" json:"id"`
	TenantID   int64  `bun:",notnull" json:"-"`
	TableID    int64  `bun:",notnull" json:"tableId"`
	UserID     *int64 `json:"userId,omitempty"`
	Source     string `bun:",notnull" json:"source"`
	FileName   string `bun:",notnull" json:"fileName"`
	Format     Format `bun:",notnull" json:"format"`
	FileSize   int64  `bun:",notnull" json:"fileSize"`
	File       []byte `bun:",scanonly" json:"-"` // sealed; read only by the worker
	FileCodec  string `bun:",notnull" json:"-"`  // how File was packed before sealing (packFile)
	Mode       Mode   `bun:",notnull" json:"mode"`
	Status     Status `bun:",notnull" json:"status"`
	Encoding   string `bun:",notnull" json:"encoding,omitempty"`
	Sheet      string `bun:",notnull" json:"sheet,omitempty"` // the XLSX sheet read
	TotalRows  int    `bun:",notnull" json:"totalRows"`
	RowsDone   int    `bun:",notnull" json:"rowsDone"`
	Inserted   int    `bun:",notnull" json:"inserted"`
	Updated    int    `bun:",notnull" json:"updated"`
	Unchanged  int    `bun:",notnull" json:"unchanged"`
	Rejected   int    `bun:",notnull" json:"rejected"`
	Duplicates int    `bun:",notnull" json:"duplicates"`
	Masked     int    `bun:",notnull" json:"masked"` // rows written with masked cells kept as stored
	// ExampleSkipped: the file's first data row was the template's example
	// row, unchanged, and was skipped (not counted in TotalRows).
	ExampleSkipped bool       `bun:",notnull" json:"exampleSkipped"`
	ErrorCount     int        `bun:",notnull" json:"errorCount"`
	ErrorKey       string     `bun:",notnull" json:"-"`
	ErrorArgs      []any      `bun:",type:jsonb,notnull" json:"-"`
	Attempts       int        `bun:",notnull" json:"attempts"`
	RiverJobID     *int64     `json:"-"`
	CreatedAt      time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"createdAt"`
	StartedAt      *time.Time `json:"startedAt,omitempty"`
	FinishedAt     *time.Time `json:"finishedAt,omitempty"`
	UpdatedAt      time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"updatedAt"`
}

// Failure returns why a failed (or cancelled) job stopped, or nil.
func (j *Job) Failure() *apperr.Message {
	if j.ErrorKey == "" {
		return nil
	}
	return &apperr.Message{Key: j.ErrorKey, Args: jsonArgs(j.ErrorArgs)}
}

// Percent is the share of data rows done, 0–100.
func (j *Job) Percent() int {
	switch {
	case j.Status == StatusDone:
		return 100
	case j.TotalRows <= 0:
		return 0
	}
	return min(100, j.RowsDone*100/j.TotalRows)
}

// jsonArgs turns arguments read back from jsonb into what the message
// formats expect: whole numbers as int (jsonb gives float64, which %d
// would print as %!d(float64=…)).
func jsonArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if f, ok := a.(float64); ok && f == float64(int64(f)) {
			out[i] = int(f)
			continue
		}
		out[i] = a
	}
	return out
}

// Issue is one line of an error report: a rejected row, one of its cells,
// or a row superseded by a later one with the same index value. The message
// never quotes a cell.
type Issue struct {
	Line    int
	Column  string
	Message apperr.Message
}

// issueRow is import_errors as stored.
type issueRow struct {
	bun.BaseModel `bun:"table:import_errors"`

	JobID      int64  `bun:",pk"`
	Seq        int    `bun:",pk"`
	Line       int    `bun:",notnull"`
	ColumnName string `bun:",notnull"`
	Key        string `bun:",notnull"`
	Args       []any  `bun:",type:jsonb,notnull"`
}

// Options tune the workers; zero values take the defaults.
type Options struct {
	// BatchSize is how many data rows one transaction writes (default
	// 1000). Progress advances, and a resumed job restarts, batch by batch.
	BatchSize int
	// BatchDelay pauses after each batch: for tests that need a job to be
	// caught mid-way. Zero in production.
	BatchDelay time.Duration
	// Workers is how many imports one process runs at once (default 2).
	Workers int
	// Writers is how many batches of one import are written at once, on
	// as many connections (default 2; 1 writes them one after another).
	// They commit in file order either way.
	Writers int
	// SweepInterval is how often a process looks for jobs whose worker
	// died (default 5 s).
	SweepInterval time.Duration
	// JobTimeout cancels an attempt that runs longer (default 30 min: a
	// 20 MB file takes seconds); its committed batches stay and the next
	// attempt resumes after them.
	JobTimeout time.Duration
	// RescueAfter is when river's own rescuer gives up on a job that still
	// shows as running (default 45 min). The sweeper resumes such jobs in
	// seconds; the rescuer is the backstop.
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for new jobs (default
	// 500 ms; the database/sql driver has no LISTEN).
	PollInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Writers <= 0 {
		o.Writers = defaultWriters
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 5 * time.Second
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 30 * time.Minute
	}
	if o.RescueAfter <= o.JobTimeout {
		o.RescueAfter = o.JobTimeout + 15*time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	return o
}

// Limits on what one job keeps.
const (
	// maxStoredIssues caps the error report of one job; the counters stay
	// exact beyond it.
	maxStoredIssues = 100_000
	// maxAttempts is how many times a job is started (after crashes or
	// errors) before it is marked failed with what it committed.
	maxAttempts = 5
	// PreviewRows is how many rows a dry run shows.
	PreviewRows = 10
)

// Service runs imports and exports of base tables.
type Service struct {
	db     *bun.DB
	tables *tables.Service
	keys   *tables.Keyring
	log    *slog.Logger
	limits Limits

	inserterOnce sync.Once
	inserter     *river.Client[*sql.Tx]
	inserterErr  error
}

// Limits is what the service needs of the operator's system parameters
// (the engine's settings implement it).
type Limits interface {
	// MaxFileSize is the upload limit in bytes.
	MaxFileSize(ctx context.Context) (int64, error)
}

// FixedLimits are limits that never change, for tools and tests that run
// without the operator's settings.
type FixedLimits struct{ FileSize int64 }

// MaxFileSize returns l.FileSize.
func (l FixedLimits) MaxFileSize(context.Context) (int64, error) { return l.FileSize, nil }

// NewService returns the import service on db over the base tables ts,
// bounded by limits.
func NewService(db *bun.DB, ts *tables.Service, limits Limits) *Service {
	if limits == nil {
		panic("importer.NewService: nil limits")
	}
	return &Service{db: db, tables: ts, keys: ts.Keys(), log: slog.New(slog.DiscardHandler), limits: limits}
}

// SetLogger sets where the workers log.
func (s *Service) SetLogger(l *slog.Logger) {
	if l != nil {
		s.log = l
	}
}

// FileLimit returns the current upload limit in bytes.
func (s *Service) FileLimit(ctx context.Context) (int64, error) {
	return s.limits.MaxFileSize(ctx)
}

// Upload is a file to import.
type Upload struct {
	TenantID int64
	TableID  int64
	UserID   *int64
	Source   string
	FileName string
	Mode     Mode
	Data     []byte
	// Sheet is the XLSX sheet to read; "" reads the first visible one.
	Sheet string
}

// ReadLimited reads r to its end, refusing (CodeTooLarge) as soon as more
// than limit bytes arrive: never more than limit+1 bytes are held.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	// A file knows its size: one buffer of that size saves growing one
	// step by step, a copy of what was read at every step.
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil && fi.Size() > 0 && fi.Size() <= limit {
			buf.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, CheckSize(n, limit)
	}
	return buf.Bytes(), nil
}

// checked is an upload that passed the checks made before it is stored.
type checked struct {
	sc     *tables.Schema
	format Format
	enc    Encoding
	sheet  string   // the XLSX sheet read
	sheets []string // the XLSX's visible sheets
	limit  int64    // the file-size limit
}

// check refuses a file before anything is stored: its name, size, format
// and header, against the table's published definition.
func (s *Service) check(ctx context.Context, up *Upload) (*checked, error) {
	if up.Mode == "" {
		up.Mode = ModeSkip
	}
	if up.Mode != ModeSkip && up.Mode != ModeAll {
		return nil, apperr.Field("mode", "import.mode")
	}
	if err := ValidateFileName(up.FileName); err != nil {
		return nil, UserError(err)
	}
	limit, err := s.FileLimit(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckSize(int64(len(up.Data)), limit); err != nil {
		return nil, UserError(err)
	}
	sc, err := s.importSchema(ctx, up.TenantID, up.TableID)
	if err != nil {
		return nil, err
	}
	format, _ := FormatOf(up.FileName)
	rr, enc, err := openFile(format, up.Data, up.Sheet, limit, false)
	if err != nil {
		return nil, UserError(err)
	}
	defer rr.Close()
	for _, h := range rr.Header() {
		if !cleanText(h) {
			// Never repeated: it is not text, and it may be a data row.
			return nil, UserError(&FileError{Code: CodeBadEncoding, Detail: "the header row is not valid text in any encoding we read"})
		}
	}
	if m := CompareHeader(Columns(sc), rr.Header()); m != nil {
		return nil, UserError(m)
	}
	c := &checked{sc: sc, format: format, enc: enc, limit: limit}
	if x, ok := rr.(*xlsxReader); ok {
		c.sheet, c.sheets = x.Sheet(), x.Sheets()
	}
	return c, nil
}

// importSchema returns the table's schema if it takes data.
func (s *Service) importSchema(ctx context.Context, tenantID, tableID int64) (*tables.Schema, error) {
	sc, err := s.tables.Schema(ctx, tenantID, tableID)
	if err != nil {
		return nil, err
	}
	if sc.Status != tables.Published {
		return nil, apperr.New(apperr.Invalid, "table.not_published")
	}
	if sc.IndexField() == nil {
		return nil, apperr.New(apperr.Invalid, "table.needs_index")
	}
	return sc, nil
}

// Columns returns the template's header for a table: its field names in order.
func Columns(sc *tables.Schema) []string {
	names := make([]string, len(sc.Fields))
	for i, f := range sc.Fields {
		names[i] = f.Name
	}
	return names
}

// openFile opens an import file of either format from memory: an XLSX at
// its sheet ("" for the first visible one), with its shared strings capped
// in proportion to the file-size limit. stored says data is a job's stored
// (sealed) copy of a file checked at upload (XLSXLimits.Stored).
func openFile(format Format, data []byte, sheet string, limit int64, stored bool) (RowReader, Encoding, error) {
	if format == FormatXLSX {
		rr, err := OpenXLSXSheet(bytes.NewReader(data), int64(len(data)), XLSXLimits{FileSize: limit, Stored: stored}, sheet)
		return rr, "", err
	}
	rr, err := OpenCSV(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	enc := UTF8
	if e, ok := rr.(interface{ Encoding() Encoding }); ok {
		enc = e.Encoding()
	}
	return rr, enc, nil
}

// fileAD binds a stored file to its tenant, its job and how it was packed
// (packFile's codec): a sealed file copied to another job or tenant does
// not open, and neither does a packed file for a worker of a version that
// would take it as it came (during a rolling upgrade, that attempt fails
// and is retried, by then on an upgraded instance).
func fileAD(tenantID, jobID int64, codec string) []byte {
	version := "v1" // as uploaded, since the first version
	if codec != "" {
		version = codec
	}
	return []byte("screenpop:import-file:" + version + ":" + strconv.FormatInt(tenantID, 10) + ":" + strconv.FormatInt(jobID, 10))
}

// Create checks an upload and queues its import. Whatever is wrong with the
// file itself (name, size, format, header) is refused here, before anything
// is stored, with a message that says what (for a header: the missing and
// unexpected columns).
func (s *Service) Create(ctx context.Context, up Upload) (*Job, error) {
	c, err := s.check(ctx, &up)
	if err != nil {
		return nil, err
	}
	ins, err := s.riverInserter()
	if err != nil {
		return nil, err
	}
	if up.Source == "" {
		up.Source = SourceAPI
	}
	job := &Job{
		TenantID: up.TenantID, TableID: up.TableID, UserID: up.UserID, Source: up.Source,
		FileName: baseName(up.FileName), Format: c.format, FileSize: int64(len(up.Data)),
		Mode: up.Mode, Status: StatusQueued, Encoding: string(c.enc), Sheet: c.sheet, ErrorArgs: []any{},
	}
	packed, codec := packFile(c.format, up.Data)
	job.FileCodec = codec
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(job).Returning("*").Exec(ctx); err != nil {
			return fmt.Errorf("insert import job: %w", err)
		}
		sealed, err := s.keys.Seal(ctx, up.TenantID, packed, fileAD(up.TenantID, job.ID, codec))
		if err != nil {
			return fmt.Errorf("seal the file of import %d: %w", job.ID, err)
		}
		res, err := ins.InsertTx(ctx, tx.Tx, ImportArgs{ImportID: job.ID}, nil)
		if err != nil {
			return fmt.Errorf("queue import %d: %w", job.ID, err)
		}
		rid := res.Job.ID
		job.RiverJobID = &rid
		// The file is bound by the driver, sent as binary: bun would write
		// it into the statement's text as hex, twice its size to build
		// and for the server to parse.
		if _, err = tx.Tx.ExecContext(ctx, "UPDATE import_jobs SET file = $1, file_codec = $2, river_job_id = $3 WHERE id = $4", sealed, codec, rid, job.ID); err != nil {
			return fmt.Errorf("store the file of import %d: %w", job.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return job, nil
}

// packFile compresses a CSV upload before it is sealed and stored (S2,
// about 1 GB/s): the job row then carries a quarter of the bytes or less
// to the server, into its WAL and back to the worker. An XLSX is a zip
// already, and data that does not shrink by a tenth is stored as it is.
// It returns the bytes to seal and the codec that unpacks them.
func packFile(format Format, data []byte) ([]byte, string) {
	if format != FormatCSV {
		return data, ""
	}
	packed := s2.Encode(nil, data)
	if len(packed) > len(data)-len(data)/10 {
		return data, ""
	}
	return packed, "s2"
}

// unpackFile reverses packFile. The sealed bytes were authenticated when
// opened, so they are what packFile wrote; size is the upload's, checked
// before anything is allocated.
func unpackFile(data []byte, codec string, size int64) ([]byte, error) {
	switch codec {
	case "":
		return data, nil
	case "s2":
		n, err := s2.DecodedLen(data)
		if err != nil {
			return nil, fmt.Errorf("unpack the stored file: %w", err)
		}
		if int64(n) != size {
			return nil, fmt.Errorf("unpack the stored file: %d bytes, the upload had %d", n, size)
		}
		return s2.Decode(nil, data)
	}
	return nil, fmt.Errorf("unpack the stored file: unknown codec %q", codec)
}

// baseName drops a client path (old browsers send C:\…\name.csv).
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Get returns one of the tenant's import jobs.
func (s *Service) Get(ctx context.Context, tenantID, jobID int64) (*Job, error) {
	job := new(Job)
	err := s.db.NewSelect().Model(job).
		Where("id = ? AND tenant_id = ?", jobID, tenantID).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, apperr.NotFoundf("import.not_found")
	case err != nil:
		return nil, fmt.Errorf("get import %d: %w", jobID, err)
	}
	return job, nil
}

// List returns a table's import jobs, newest first.
func (s *Service) List(ctx context.Context, tenantID, tableID int64, limit int) ([]Job, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if _, err := s.tables.GetTable(ctx, tenantID, tableID); err != nil {
		return nil, err
	}
	jobs := []Job{}
	err := s.db.NewSelect().Model(&jobs).
		Where("tenant_id = ? AND table_id = ?", tenantID, tableID).
		Order("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list imports of table %d: %w", tableID, err)
	}
	return jobs, nil
}

// Cancel stops a queued or running job. Batches already committed stay;
// the worker stops before its next one. The stored file goes at once.
func (s *Service) Cancel(ctx context.Context, tenantID, jobID int64) (*Job, error) {
	res, err := s.db.NewUpdate().Model((*Job)(nil)).
		Set("status = ?", StatusCancelled).Set("file = NULL").
		Set("finished_at = now()").Set("updated_at = now()").
		Where("id = ? AND tenant_id = ? AND status IN (?)", jobID, tenantID, bun.List([]Status{StatusQueued, StatusRunning})).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("cancel import %d: %w", jobID, err)
	}
	job, err := s.Get(ctx, tenantID, jobID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, apperr.New(apperr.Conflict, "import.not_active")
	}
	return job, nil
}

// issue is a stored line of the report as an Issue.
func (r *issueRow) issue() Issue {
	args := jsonArgs(r.Args)
	if r.Key == "import.duplicate" {
		// Stored as a number before line numbers became text.
		for i, a := range args {
			if n, ok := a.(int); ok {
				args[i] = strconv.Itoa(n)
			}
		}
	}
	return Issue{Line: r.Line, Column: r.ColumnName, Message: apperr.Message{Key: r.Key, Args: args}}
}

// IssuePage returns the job and limit lines of its error report from
// offset, in file order, for reading the report on the import's page;
// the job's ErrorCount is how many lines there are in all.
func (s *Service) IssuePage(ctx context.Context, tenantID, jobID int64, offset, limit int) (*Job, []Issue, error) {
	job, err := s.Get(ctx, tenantID, jobID)
	if err != nil {
		return nil, nil, err
	}
	var rows []issueRow
	err = s.db.NewSelect().Model(&rows).Where("job_id = ?", jobID).
		Order("seq").Offset(int64(max(offset, 0))).Limit(int64(max(limit, 1))).Scan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the issues of import %d: %w", jobID, err)
	}
	out := make([]Issue, len(rows))
	for i := range rows {
		out[i] = rows[i].issue()
	}
	return job, out, nil
}

// Issues calls fn for each line of a job's error report, in file order.
func (s *Service) Issues(ctx context.Context, tenantID, jobID int64, fn func(Issue) error) error {
	if _, err := s.Get(ctx, tenantID, jobID); err != nil {
		return err
	}
	const page = 2000
	after := -1
	for {
		var rows []issueRow
		err := s.db.NewSelect().Model(&rows).Where("job_id = ? AND seq > ?", jobID, after).
			Order("seq").Limit(page).Scan(ctx)
		if err != nil {
			return fmt.Errorf("read the issues of import %d: %w", jobID, err)
		}
		for _, r := range rows {
			if err := fn(r.issue()); err != nil {
				return err
			}
		}
		if len(rows) < page {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// WriteReport writes a job's error report as CSV (UTF-8 with BOM, so Excel
// opens it): line, column, reason, in lang. Cells are neutralised like
// any export, since column names are user-defined.
func (s *Service) WriteReport(ctx context.Context, w io.Writer, tenantID, jobID int64, lang string) error {
	ew, err := NewCSVExport(w, []string{
		i18n.T(lang, "import.report.line"), i18n.T(lang, "import.report.column"), i18n.T(lang, "import.report.reason"),
	})
	if err != nil {
		return err
	}
	err = s.Issues(ctx, tenantID, jobID, func(is Issue) error {
		return ew.Write([]string{strconv.Itoa(is.Line), is.Column, is.Message.In(lang)})
	})
	if err != nil {
		return err
	}
	return ew.Close()
}

// UserError turns the file layer's errors into domain errors with
// translatable messages; anything else passes through.
func UserError(err error) error {
	var hm *HeaderMismatch
	if errors.As(err, &hm) {
		e := apperr.New(apperr.Invalid, "import.header_mismatch")
		add := func(key string, names []string) {
			if len(names) > 0 {
				e.Fields = append(e.Fields, apperr.NewFieldError("file", key, joinNames(names)))
			}
		}
		add("import.header_missing", hm.Missing)
		add("import.header_unexpected", hm.Unexpected)
		if hm.NoHeader {
			e := apperr.New(apperr.Invalid, "import.no_header")
			e.Fields = append(e.Fields, apperr.NewFieldError("file", "import.no_header_want", joinNames(hm.Want)))
			return e
		}
		add("import.header_duplicated", hm.Duplicated)
		return e
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		return err
	}
	field := func(key string, args ...any) error {
		e := apperr.Field("file", key, args...)
		e.Message = apperr.Message{Key: key, Args: args}
		return e
	}
	switch fe.Code {
	case CodeBadName:
		if fe.Value != "" {
			return field("import.bad_name_char", fe.Value)
		}
		return field("import.bad_name", MaxFileNameLength)
	case CodeBadExtension:
		return field("import.bad_extension")
	case CodeTooLarge:
		limit, _ := strconv.ParseInt(fe.Value, 10, 64)
		e := field("import.too_large", max(1, limit>>20))
		e.(*apperr.Error).Code = apperr.TooLarge
		return e
	case CodeZipBomb:
		return field("import.zip_bomb")
	case CodeTooManyStrings:
		n, _ := strconv.Atoi(fe.Value)
		return field("import.too_many_strings", n)
	case CodeNoSheet:
		return field("import.no_sheet", fe.Value)
	case CodeEmpty:
		return field("import.empty")
	case CodeUnsupported:
		return field("import.unsupported")
	case CodeBadEncoding:
		return field("import.bad_encoding")
	default:
		return field("import.corrupt")
	}
}

// joinNames lists column names for a message.
func joinNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		if n == "" {
			n = `""`
		}
		q[i] = n
	}
	return strings.Join(q, ", ")
}
