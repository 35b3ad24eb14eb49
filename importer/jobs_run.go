package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/tables"
)

// rowChecker validates the rows of a file whose header holds the table's
// field names, in any order (see CompareHeader).
type rowChecker struct {
	sc       *tables.Schema
	enc      map[string]bool // encrypted field names
	order    []int           // the file column of each field; nil when the same
	indexPos int             // the index field's position in the table
	// example is the template's example row, a value per field.
	example []string
}

func newRowChecker(sc *tables.Schema, header []string) *rowChecker {
	c := &rowChecker{sc: sc, enc: map[string]bool{}, example: make([]string, len(sc.Fields))}
	for i, f := range sc.Fields {
		if f.Encrypted {
			c.enc[f.Name] = true
		}
		if f.IsIndex {
			c.indexPos = i
		}
		c.example[i] = ExampleValue(f)
	}
	if cols := Columns(sc); !slices.Equal(cols, header) {
		c.order = ColumnOrder(cols, header)
	}
	return c
}

// isExample reports whether the first data row of a file is the
// template's example row, unchanged: it is skipped (not counted, not
// stored), so that importing a template as downloaded never creates the
// example customer. One edited cell makes it an ordinary row.
func (c *rowChecker) isExample(cells []string, rerr error) bool {
	if rerr != nil {
		return false
	}
	for i, want := range c.example {
		col := i
		if c.order != nil {
			col = c.order[i]
		}
		got := ""
		if col < len(cells) {
			got = strings.TrimSpace(cells[col])
		}
		if got != want {
			return false
		}
	}
	return len(c.example) > 0
}

// check validates one row as read (rerr is the reader's row error, if
// any) and returns it, or the reasons it is rejected.
func (c *rowChecker) check(line int, cells []string, rerr error) (tables.Row, []Issue) {
	if rerr != nil {
		var re *RowError
		errors.As(rerr, &re)
		return tables.Row{}, []Issue{{Line: line, Column: re.Column, Message: apperr.Message{Key: "import.row." + re.Code}}}
	}
	if c.order != nil {
		fields := make([]string, len(c.order))
		for i, col := range c.order {
			fields[i] = cells[col]
		}
		cells = fields
	}
	row, errs := c.sc.ParseCells(cells)
	if len(errs) == 0 {
		return row, nil
	}
	issues := make([]Issue, len(errs))
	for i, fe := range errs {
		msg := fe.Message
		// A rule's evaluation error may quote the value (CEL's conversion
		// errors do): not for an encrypted field.
		if c.enc[fe.Field] && msg.Key == "value.rule_error" {
			msg = apperr.Message{Key: "import.rule_error_hidden"}
		}
		issues[i] = Issue{Line: line, Column: fe.Field, Message: msg}
	}
	return tables.Row{}, issues
}

// survey is what a first pass over a file learns.
type survey struct {
	example bool // the first data row was the template's example, skipped
	total   int  // data rows (the example not counted)
	// winners holds, for each index value, the line of the row written
	// for it: the last good row that holds it (winner). Every other row
	// with the value is a duplicate it supersedes.
	winners winnerMap
	// Filled by a full survey only (validate):
	bad    int     // rows rejected
	issues []Issue // the rejected rows' issues
	more   bool    // issues beyond maxStoredIssues were dropped
}

// surveyFile reads every row before anything is written: it counts them
// and finds, for each index value, the row that wins (survey.winner).
// Nothing is written before it ends, so it reads (readAhead) and checks on
// two cores.
//
// Without validate it checks what finding the winners takes and no more:
// a row's index cell always, and the whole row only when its index value
// was seen before. A value met once wins if its row is good, which the
// second pass finds out when it validates the row to write it; a later
// row with the value takes over only if it is good itself. So the file is
// validated once, not twice, and the pass before the first write is
// mostly reading. With validate (an all-or-nothing import) every row is
// checked here and the rejected rows' issues are kept, since nothing may
// be written if any row is bad.
//
// rowsHint, if not 0, is about how many rows the file has: the map of
// winners is made that big at once rather than grown a dozen times.
func (c *rowChecker) surveyFile(ctx context.Context, rr RowReader, validate bool, rowsHint int) (*survey, error) {
	sv := &survey{winners: newWinnerMap(rowsHint)}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	chunks, readErr := readAhead(ctx, rr)
	defer func() {
		stop()
		for range chunks {
		}
	}()
	first := true
	for chunk := range chunks {
		for _, r := range chunk {
			if first {
				first = false
				if c.isExample(r.cells, r.err) {
					sv.example = true
					continue
				}
			}
			sv.total++
			if validate {
				c.surveyRow(sv, r)
				continue
			}
			if r.err != nil {
				continue // rejected when it is read again
			}
			index, ok := c.indexOf(r.cells)
			if !ok {
				continue
			}
			if !sv.winners.seen(index) {
				sv.winners.set(index, r.line)
				continue
			}
			if _, issues := c.check(r.line, r.cells, nil); len(issues) == 0 {
				sv.winners.set(index, r.line)
			}
		}
	}
	if err := <-readErr; err != nil {
		return nil, err
	}
	return sv, nil
}

// winnerMap maps index values to lines, compactly: by a 128-bit keyed
// hash of the value rather than the value itself. A file within the size
// limit may hold two million short rows, and a map of their strings alone
// would take an import past its memory budget (about 45 bytes an entry
// against 24). Two values of one file share a hash with a chance of about
// n²/2¹²⁹, for n rows: nil for any file there is.
type winnerMap struct {
	seeds [2]maphash.Seed
	lines map[[2]uint64]int32
}

func newWinnerMap(hint int) winnerMap {
	return winnerMap{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, lines: make(map[[2]uint64]int32, hint)}
}

func (w winnerMap) key(index string) [2]uint64 {
	return [2]uint64{maphash.String(w.seeds[0], index), maphash.String(w.seeds[1], index)}
}

func (w winnerMap) seen(index string) bool {
	_, ok := w.lines[w.key(index)]
	return ok
}

func (w winnerMap) set(index string, line int) { w.lines[w.key(index)] = int32(line) }

// winner is the line of the row written for index (0 if none).
func (w winnerMap) winner(index string) int { return int(w.lines[w.key(index)]) }

// surveyRow validates one row in a full survey.
func (c *rowChecker) surveyRow(sv *survey, r readRow) {
	row, issues := c.check(r.line, r.cells, r.err)
	if len(issues) == 0 {
		sv.winners.set(row.Index, r.line)
		return
	}
	sv.bad++
	if len(sv.issues)+len(issues) > maxStoredIssues {
		sv.more = true
	} else {
		sv.issues = append(sv.issues, issues...)
	}
}

// indexOf is the index value of a row as read, if its index cell is valid.
func (c *rowChecker) indexOf(cells []string) (string, bool) {
	col := c.indexPos
	if c.order != nil {
		col = c.order[col]
	}
	if col >= len(cells) {
		return "", false
	}
	return c.sc.IndexOfCell(cells[col])
}

// rowsHint guesses a file's rows for surveyFile: a CSV's line feeds (at
// most one more than its rows, unless cells hold line breaks; 20 MB are
// counted in milliseconds), but no more than a row per 64 bytes, so that a
// file of blank lines does not size the map of winners for millions of
// rows it does not have. An XLSX is not guessed.
func rowsHint(format Format, data []byte) int {
	if format != FormatCSV {
		return 0
	}
	return min(bytes.Count(data, []byte{'\n'}), len(data)/64)
}

// readRow is one row as a RowReader returned it (err: its row error).
type readRow struct {
	line  int
	cells []string
	err   error
}

// readAhead reads rr in a goroutine of its own and sends its rows in
// chunks, until the end or a file error, which it then sends on the
// second channel (nil at the end). The chunks channel closes first.
func readAhead(ctx context.Context, rr RowReader) (<-chan []readRow, <-chan error) {
	const size = 1024
	out, done := make(chan []readRow, 2), make(chan error, 1)
	go func() {
		defer close(out)
		chunk := make([]readRow, 0, size)
		for {
			line, cells, err := rr.Next()
			if err == io.EOF {
				break
			}
			if err != nil && !IsRowError(err) {
				done <- err
				return
			}
			chunk = append(chunk, readRow{line: line, cells: cells, err: err}) // cells are ours to keep
			if len(chunk) == size {
				select {
				case out <- chunk:
				case <-ctx.Done():
					done <- ctx.Err()
					return
				}
				chunk = make([]readRow, 0, size)
			}
		}
		if len(chunk) > 0 {
			select {
			case out <- chunk:
			case <-ctx.Done():
				done <- ctx.Err()
				return
			}
		}
		done <- nil
	}()
	return out, done
}

// duplicateIssue reports a row superseded by a later one.
func duplicateIssue(sc *tables.Schema, line, winner int) Issue {
	return Issue{Line: line, Column: sc.IndexField().Name, Message: apperr.Message{Key: "import.duplicate", Args: []any{strconv.Itoa(winner)}}}
}

// DryRunResult is what an import would do, with nothing committed.
type DryRunResult struct {
	Format    Format
	Encoding  Encoding
	Sheet     string   // the XLSX sheet read
	Sheets    []string // the XLSX's visible sheets, to choose another
	TotalRows int
	// ExampleSkipped says the first data row was the template's example
	// row, unchanged: skipped, and not counted in TotalRows.
	ExampleSkipped bool
	Good           int // rows that would be stored
	Rejected       int
	Duplicates     int
	Masked         int // rows whose masked cells would keep the stored values
	// Preview is the first rows as they would be stored, masked.
	Preview []tables.RecordView
	// Issues is every error, in file order (up to 100,000).
	Issues    []Issue
	Truncated bool
}

// DryRun checks an upload like Create and then reads it all as the import
// would: the first rows as they would be stored (masked) and every error.
// Nothing is stored, not even the file.
func (s *Service) DryRun(ctx context.Context, up Upload) (*DryRunResult, error) {
	c, err := s.check(ctx, &up)
	if err != nil {
		return nil, err
	}
	rr, enc, err := openFile(c.format, up.Data, up.Sheet, c.limit, false)
	if err != nil {
		return nil, UserError(err)
	}
	defer rr.Close()
	chk := newRowChecker(c.sc, rr.Header())
	sv, err := chk.surveyFile(ctx, rr, false, rowsHint(c.format, up.Data))
	if err != nil {
		return nil, UserError(err)
	}
	res := &DryRunResult{Format: c.format, Encoding: enc, Sheet: c.sheet, Sheets: c.sheets, TotalRows: sv.total,
		ExampleSkipped: sv.example, Preview: []tables.RecordView{}, Issues: []Issue{}}
	if err := rewind(rr); err != nil {
		return nil, UserError(err)
	}
	add := func(is ...Issue) {
		if len(res.Issues)+len(is) > maxStoredIssues {
			res.Truncated = true
			return
		}
		res.Issues = append(res.Issues, is...)
	}
	first := true
	for {
		line, cells, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !IsRowError(err) {
			return nil, UserError(err)
		}
		if first && sv.example {
			first = false
			continue
		}
		first = false
		row, issues := chk.check(line, cells, err)
		switch {
		case len(issues) > 0:
			res.Rejected++
			add(issues...)
		case sv.winners.winner(row.Index) != line:
			res.Duplicates++
			add(duplicateIssue(c.sc, line, sv.winners.winner(row.Index)))
		default:
			res.Good++
			if len(row.Keep) > 0 {
				res.Masked++
			}
			if len(res.Preview) < PreviewRows {
				res.Preview = append(res.Preview, c.sc.View(&tables.Record{TableID: c.sc.ID, Values: row.Values}, false))
			}
		}
	}
	return res, nil
}

// rewind takes a reader back to its first data row for a second pass.
func rewind(rr RowReader) error {
	if r, ok := rr.(interface{ Rewind() error }); ok {
		return r.Rewind()
	}
	return errors.New("importer: the reader cannot go back")
}

// errStopped ends a job whose status changed under it (cancelled).
var errStopped = errors.New("import: job is no longer running")

// lockKey is the session advisory lock a worker holds while it runs an
// import: held by a live worker, released by PostgreSQL the moment the
// worker's connection goes, however it dies.
func lockKey(jobID int64) int64 { return 0x5c9e0003<<32 | jobID&0xffffffff }

// work runs (or resumes) one import. It returns nil when the job has ended
// either way, or an error for river to retry the attempt.
func (s *Service) work(ctx context.Context, importID int64, o Options) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("import %d: %w", importID, err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", lockKey(importID)).Scan(&got); err != nil {
		return fmt.Errorf("lock import %d: %w", importID, err)
	}
	if !got {
		// Another worker runs it (or the sweeper is looking at it).
		return river.JobSnooze(5 * time.Second)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockKey(importID))
	}()

	job := new(Job)
	err = s.db.NewSelect().Model(job).ColumnExpr("ij.*").Where("id = ?", importID).Scan(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return nil // deleted with its table: nothing to do
	}
	if job.Status.Finished() {
		return nil
	}
	var attempts int
	// QueryRowContext reads the reply to its end, so a failed commit (the
	// primary lost in a failover) is an error here; bun's Scan of a plain
	// value stops after the row and would report the claim as made.
	err = s.db.QueryRowContext(ctx, `UPDATE import_jobs SET status = ?, attempts = attempts + 1,
		started_at = coalesce(started_at, now()), updated_at = now()
		WHERE id = ? AND status IN (?) RETURNING attempts`,
		StatusRunning, importID, bun.List([]Status{StatusQueued, StatusRunning})).Scan(&attempts)
	if err != nil {
		return fmt.Errorf("start import %d: %w", importID, err)
	}
	if attempts > maxAttempts {
		s.log.Warn("import: giving up after repeated interruptions", "import", importID, "rows_done", job.RowsDone)
		return s.fail(ctx, importID, apperr.Message{Key: "import.interrupted", Args: []any{attempts - 1, job.RowsDone}})
	}
	s.log.Info("import: running", "import", importID, "attempt", attempts, "resume_after", job.RowsDone)
	err = s.runJob(ctx, job, o)
	switch {
	case err == nil, errors.Is(err, errStopped):
		return nil
	case ctx.Err() != nil:
		return ctx.Err() // timeout or shutdown: the next attempt resumes
	}
	if msg, ok := jobFailure(err); ok {
		return s.fail(ctx, importID, msg)
	}
	s.log.Error("import: attempt failed", "import", importID, "attempt", attempts, "err", err)
	if attempts >= maxAttempts {
		return s.fail(ctx, importID, apperr.Message{Key: "import.internal"})
	}
	return err
}

// jobFailure reports whether err ends a job (the file or the table is
// wrong, not the system) and with what message.
func jobFailure(err error) (apperr.Message, bool) {
	var hm *HeaderMismatch
	if errors.As(err, &hm) {
		return apperr.Message{Key: "import.header_changed", Args: []any{joinNames(hm.Missing), joinNames(hm.Unexpected)}}, true
	}
	if CodeOf(err) != "" {
		if e, ok := apperr.As(UserError(err)); ok {
			return e.Message, true
		}
	}
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal && e.Code != apperr.Conflict {
		return e.Message, true
	}
	return apperr.Message{}, false
}

// fail ends a job with a message; its stored file goes.
func (s *Service) fail(ctx context.Context, importID int64, msg apperr.Message) error {
	_, err := s.db.NewUpdate().Model((*Job)(nil)).
		Set("status = ?", StatusFailed).Set("error_key = ?", msg.Key).Set("error_args = ?::jsonb", jsonText(msg.Args)).
		Set("file = NULL").Set("finished_at = now()").Set("updated_at = now()").
		Where("id = ? AND status IN (?)", importID, bun.List([]Status{StatusQueued, StatusRunning})).
		Exec(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("fail import %d: %w", importID, err)
	}
	return nil
}

// jsonText encodes message arguments for a jsonb column.
func jsonText(args []any) string {
	if args == nil {
		args = []any{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// batch is the rows of one transaction.
type batch struct {
	n          int // data rows read, good or not
	before     int // data rows committed before this batch (rows_done)
	issuesFrom int // issues stored before this batch's
	rows       []tables.Row
	lines      []int               // the line of each of rows
	enc        *tables.EncodedRows // rows, encoded ahead of the write
	issues     []Issue
	rejected   int
	duplicates int
	masked     int // rows written with masked cells kept as stored
}

// runJob reads the stored file and writes it in batches, after the rows
// a previous attempt committed.
func (s *Service) runJob(ctx context.Context, job *Job, o Options) error {
	if job.File == nil {
		return apperr.New(apperr.Invalid, "import.file_missing")
	}
	data, err := s.keys.Open(ctx, job.TenantID, job.File, fileAD(job.TenantID, job.ID, job.FileCodec))
	if err != nil {
		return fmt.Errorf("open the stored file: %w", err)
	}
	job.File = nil
	if data, err = unpackFile(data, job.FileCodec, job.FileSize); err != nil {
		return err
	}
	sc, err := s.importSchema(ctx, job.TenantID, job.TableID)
	if err != nil {
		return err
	}
	limit, err := s.FileLimit(ctx)
	if err != nil {
		return err
	}
	// A stored file was within the limit when it was uploaded; a limit
	// lowered since must not refuse it now.
	rr, _, err := openFile(job.Format, data, job.Sheet, max(limit, job.FileSize), true)
	if err != nil {
		return err
	}
	defer rr.Close()
	if m := CompareHeader(Columns(sc), rr.Header()); m != nil {
		return m
	}
	chk := newRowChecker(sc, rr.Header())
	surveyStart := time.Now()
	sv, err := chk.surveyFile(ctx, rr, job.Mode == ModeAll, rowsHint(job.Format, data))
	if err != nil {
		return err
	}
	s.log.Debug("import: file read", "import", job.ID, "rows", sv.total, "ms", time.Since(surveyStart).Milliseconds())
	if job.TotalRows != sv.total || job.ExampleSkipped != sv.example {
		if _, err := s.db.NewUpdate().Model((*Job)(nil)).Set("total_rows = ?", sv.total).
			Set("example_skipped = ?", sv.example).Set("updated_at = now()").
			Where("id = ?", job.ID).Exec(ctx); err != nil {
			return fmt.Errorf("count the rows of import %d: %w", job.ID, err)
		}
	}
	if job.Mode == ModeAll && sv.bad > 0 {
		return s.refuseAll(ctx, job, sv)
	}

	// The workbook is opened once per job: the second pass goes back to
	// the first row without parsing its shared strings and styles again.
	if err := rewind(rr); err != nil {
		return err
	}

	// A pipeline of three, each a batch ahead of the next: reading and
	// validating, sealing and keying, writing. Parsing, encryption and the
	// database's work overlap (two cores and a server), and batches still
	// commit in file order, so a resumed job knows where it stopped.
	raw := make(chan *batch, 1)
	batches := make(chan *batch, 1)
	readErr, encodeErr := make(chan error, 1), make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(raw)
		readErr <- s.readBatches(rctx, rr, chk, sv, job.RowsDone, o.BatchSize, raw)
	}()
	go func() {
		defer close(batches)
		err := s.encodeBatches(rctx, sc, raw, batches)
		if err != nil {
			stop() // the reader stops too
			for range raw {
			}
		}
		encodeErr <- err
	}()
	werr := s.writeBatches(ctx, job, batches, o)
	if werr != nil {
		stop()
		for range batches {
		}
		return werr
	}
	eerr, rerr := <-encodeErr, <-readErr
	switch {
	case eerr != nil && !errors.Is(eerr, context.Canceled):
		return eerr
	case rerr != nil:
		return rerr
	case eerr != nil:
		return eerr
	}
	res, err := s.db.NewUpdate().Model((*Job)(nil)).
		Set("status = ?", StatusDone).Set("file = NULL").Set("finished_at = now()").Set("updated_at = now()").
		Where("id = ? AND status = ?", job.ID, StatusRunning).Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish import %d: %w", job.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errStopped
	}
	s.log.Info("import: done", "import", job.ID)
	return nil
}

// readBatches reads the file after its first skip data rows and sends
// batches of size data rows.
func (s *Service) readBatches(ctx context.Context, rr RowReader, chk *rowChecker, sv *survey, skip, size int, out chan<- *batch) error {
	b := &batch{}
	seen := 0
	first := true
	for {
		line, cells, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !IsRowError(err) {
			return err
		}
		if first && sv.example {
			first = false
			continue // the template's example row: neither counted nor stored
		}
		first = false
		seen++
		if seen <= skip {
			continue
		}
		row, issues := chk.check(line, cells, err)
		switch {
		case len(issues) > 0:
			b.rejected++
			b.issues = append(b.issues, issues...)
		case sv.winners.winner(row.Index) != line:
			b.duplicates++
			b.issues = append(b.issues, duplicateIssue(chk.sc, line, sv.winners.winner(row.Index)))
		default:
			b.rows = append(b.rows, row)
			b.lines = append(b.lines, line)
		}
		b.n++
		if b.n == size {
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b = &batch{rows: make([]tables.Row, 0, size)}
		}
	}
	if b.n > 0 {
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// encodeBatches encodes the batches read, in order, for the writer.
func (s *Service) encodeBatches(ctx context.Context, sc *tables.Schema, in <-chan *batch, out chan<- *batch) error {
	for b := range in {
		if err := s.encodeBatch(ctx, sc, b); err != nil {
			return err
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// encodeBatch seals and keys a batch's rows (the costly part of writing
// them) while the previous batch is being written. Rows with masked cells
// first take the stored values those cells hide (keepMasked).
func (s *Service) encodeBatch(ctx context.Context, sc *tables.Schema, b *batch) error {
	if err := s.keepMasked(ctx, sc, b); err != nil {
		return err
	}
	enc, err := s.tables.EncodeRows(ctx, sc, b.rows)
	if err != nil {
		return err
	}
	b.enc, b.rows, b.lines = enc, nil, nil
	return nil
}

// keepMasked fills the masked cells of a batch's rows with the values
// stored (tables.FillKept), counts the rows that had some, and rejects
// those whose masked mandatory cell has no stored value to keep (a new
// customer in a masked export).
func (s *Service) keepMasked(ctx context.Context, sc *tables.Schema, b *batch) error {
	missing, err := s.tables.FillKept(ctx, s.db, sc, b.rows)
	if err != nil {
		return err
	}
	kept := b.rows[:0]
	for i, row := range b.rows {
		if field, bad := missing[i]; bad {
			b.rejected++
			b.issues = append(b.issues, Issue{Line: b.lines[i], Column: field, Message: apperr.Message{Key: "import.masked_no_value"}})
			continue
		}
		if len(row.Keep) > 0 {
			b.masked++
		}
		kept = append(kept, row)
	}
	b.rows = kept
	return nil
}

// defaultWriters is how many batches are written at once (Options.Writers).
// The server's side of an import (parsing the values, maintaining four
// indexes) outweighs ours, and one connection keeps only one of its cores
// busy; a second writer starts a batch while the previous one finishes.
// Batches still commit in file order (commit waits for the previous one),
// so rows_done always covers exactly the rows committed.
const defaultWriters = 2

// copyState is what the batches of one attempt share about copying.
type copyState struct {
	fresh  atomic.Bool  // rows may be copied in (tables.WriteEncoded)
	copied atomic.Int64 // batches that were
}

// committed is a batch's outcome, told to the batch after it.
type committed struct {
	done chan struct{}
	err  error
}

// writeBatches writes the batches in order, up to writers at a time, and
// returns the first batch's failure, if any. A failure stops new batches
// but not those before it, which commit; those after it roll back.
func (s *Service) writeBatches(ctx context.Context, job *Job, batches <-chan *batch, o Options) error {
	// The rows go in by COPY while the table holds no record but those
	// this job wrote: none of the file's rows can match one then, unless
	// someone else writes to the table meanwhile, which commit notices.
	stored, err := s.tables.RecordCount(ctx, job.TableID)
	if err != nil {
		return err
	}
	cs := &copyState{}
	cs.fresh.Store(stored == job.Inserted)
	// Each writer keeps one connection for the whole job: its server
	// process keeps what it caches about base_records (the pages it
	// appends to among them) from one batch to the next.
	writers := max(1, o.Writers)
	slots := make(chan bun.Conn, writers)
	for range writers {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		slots <- conn
	}
	prev := &committed{done: make(chan struct{})}
	close(prev.done)
	var failed atomic.Bool
	rowsDone, issuesStored := job.RowsDone, job.ErrorCount
	started := time.Now()
	for b := range batches {
		var conn bun.Conn
		select {
		case conn = <-slots:
		case <-ctx.Done():
		}
		if ctx.Err() != nil || failed.Load() {
			break
		}
		b.before, b.issuesFrom = rowsDone, issuesStored
		rowsDone += b.n
		issuesStored += min(len(b.issues), max(0, maxStoredIssues-issuesStored))
		cur := &committed{done: make(chan struct{})}
		go func(b *batch, prev, cur *committed) {
			defer func() { slots <- conn }()
			cur.err = s.commit(ctx, conn, job, b, prev, cs)
			if cur.err != nil {
				failed.Store(true)
			}
			close(cur.done)
		}(b, prev, cur)
		prev = cur
		if o.BatchDelay > 0 {
			select {
			case <-time.After(o.BatchDelay):
			case <-ctx.Done():
			}
		}
	}
	<-prev.done
	s.log.Debug("import: rows written", "import", job.ID, "ms", time.Since(started).Milliseconds(), "batches_copied", cs.copied.Load())
	if prev.err != nil {
		return prev.err
	}
	return ctx.Err() // a batch delay cut short
}

// commit writes one batch and advances the job's counters in the same
// transaction: after a crash, rows_done says exactly which rows are in.
// The rows go in while the previous batch (prev) may still be writing;
// the counters, and the commit, wait for it. A failure of an earlier
// batch is returned in place of this batch's own (it is the cause).
// It runs on the writer's own connection, conn: copying goes through the
// driver under the transaction (tables.WriteEncoded).
func (s *Service) commit(ctx context.Context, conn bun.Conn, job *Job, b *batch, prev *committed, cs *copyState) error {
	err := conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return s.writeBatch(ctx, conn, tx, job, b, prev, cs)
	})
	<-prev.done
	if prev.err != nil {
		return prev.err
	}
	return err
}

// writeBatch is commit's transaction.
func (s *Service) writeBatch(ctx context.Context, conn bun.Conn, tx bun.Tx, job *Job, b *batch, prev *committed, cs *copyState) error {
	tryCopy := cs.fresh.Load()
	res, copied, err := s.tables.WriteEncoded(ctx, conn, tx, b.enc, tryCopy)
	if err != nil {
		return err
	}
	switch {
	case copied:
		cs.copied.Add(1)
	case tryCopy:
		// A row was stored already: someone else writes to the table
		// too, and the job's later batches upsert at once.
		cs.fresh.Store(false)
	}
	n, err := s.storeIssues(ctx, tx, job.ID, b.issuesFrom, b.issues)
	if err != nil {
		return err
	}
	select {
	case <-prev.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if prev.err != nil {
		return prev.err
	}
	// rows_done must be where the previous batch left it: the status
	// check stops a cancelled job, the rows_done one any batch whose
	// predecessor did not commit.
	upd, err := tx.NewUpdate().Model((*Job)(nil)).
		Set("rows_done = ?", b.before+b.n).
		Set("inserted = inserted + ?", res.Inserted).
		Set("updated = updated + ?", res.Updated).
		Set("unchanged = unchanged + ?", res.Unchanged).
		Set("rejected = rejected + ?", b.rejected).
		Set("duplicates = duplicates + ?", b.duplicates).
		Set("masked = masked + ?", b.masked).
		Set("error_count = ?", b.issuesFrom+n).
		Set("updated_at = now()").
		Where("id = ? AND status = ? AND rows_done = ?", job.ID, StatusRunning, b.before).Exec(ctx)
	if err != nil {
		return err
	}
	if k, _ := upd.RowsAffected(); k == 0 {
		return s.whyNotRunning(ctx, tx, job.ID)
	}
	return nil
}

// whyNotRunning explains a progress update that found its job changed:
// stopped (cancelled, failed) or, should it ever happen, counted by
// another writer.
func (s *Service) whyNotRunning(ctx context.Context, tx bun.Tx, jobID int64) error {
	var st Status
	if err := tx.NewSelect().Model((*Job)(nil)).Column("status").Where("id = ?", jobID).Scan(ctx, &st); err != nil {
		return err
	}
	if st != StatusRunning {
		return errStopped
	}
	return fmt.Errorf("import %d: rows_done moved under the writer", jobID)
}

// storeIssues adds issues to a job's report after the first from stored,
// up to the cap; it returns how many it stored.
func (s *Service) storeIssues(ctx context.Context, tx bun.IDB, jobID int64, from int, issues []Issue) (int, error) {
	room := maxStoredIssues - from
	if room <= 0 || len(issues) == 0 {
		return 0, nil
	}
	issues = issues[:min(len(issues), room)]
	const chunk = 5000
	for start := 0; start < len(issues); start += chunk {
		part := issues[start:min(len(issues), start+chunk)]
		rows := make([]issueRow, len(part))
		for i, is := range part {
			args := is.Message.Args
			if args == nil {
				args = []any{}
			}
			rows[i] = issueRow{JobID: jobID, Seq: from + start + i, Line: is.Line, ColumnName: is.Column, Key: is.Message.Key, Args: args}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return len(issues), nil
}

// refuseAll ends an all-or-nothing job that has bad rows: nothing is
// stored but the report.
func (s *Service) refuseAll(ctx context.Context, job *Job, sv *survey) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*issueRow)(nil)).Where("job_id = ?", job.ID).Exec(ctx); err != nil {
			return err
		}
		n, err := s.storeIssues(ctx, tx, job.ID, 0, sv.issues)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*Job)(nil)).
			Set("status = ?", StatusFailed).Set("rejected = ?", sv.bad).Set("error_count = ?", n).
			Set("error_key = ?", "import.all_or_nothing").Set("error_args = ?::jsonb", jsonText([]any{sv.bad})).
			Set("file = NULL").Set("finished_at = now()").Set("updated_at = now()").
			Where("id = ? AND status = ?", job.ID, StatusRunning).Exec(ctx)
		return err
	})
}
