package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// workerFlags are the hidden knobs of the import workers, for tests that
// need a job caught mid-way (small batches, a pause after each).
type workerFlags struct {
	batchSize  int
	writers    int
	batchDelay time.Duration
	sweep      time.Duration
}

func (w *workerFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&w.batchSize, "batch-size", 0, "rows per transaction (default 1000)")
	f.IntVar(&w.writers, "writers", 0, "batches written at once, each on its own connection (default 2)")
	f.DurationVar(&w.batchDelay, "batch-delay", 0, "pause after each batch (tests only)")
	f.DurationVar(&w.sweep, "sweep-interval", 0, "how often to look for jobs whose worker died (default 5s)")
	for _, n := range []string{"batch-size", "writers", "batch-delay", "sweep-interval"} {
		_ = f.MarkHidden(n)
	}
}

func (w *workerFlags) options() importer.Options {
	return importer.Options{BatchSize: w.batchSize, Writers: w.writers, BatchDelay: w.batchDelay, SweepInterval: w.sweep}
}

// findTable resolves --tenant and --table (a name or a numeric id).
func findTable(ctx context.Context, rt *runtime, tenant, table string) (int64, *tables.Table, error) {
	if tenant == "" || table == "" {
		return 0, nil, errors.New("--tenant and --table are required")
	}
	t, err := rt.eng.Accounts.TenantBySlug(ctx, tenant)
	if err != nil {
		return 0, nil, err
	}
	if id, err := strconv.ParseInt(table, 10, 64); err == nil {
		tb, err := rt.eng.Tables.GetTable(ctx, t.ID, id)
		return t.ID, tb, err
	}
	list, err := rt.eng.Tables.ListTables(ctx, t.ID)
	if err != nil {
		return 0, nil, err
	}
	for _, s := range list {
		if s.Name == table {
			tb, err := rt.eng.Tables.GetTable(ctx, t.ID, s.ID)
			return t.ID, tb, err
		}
	}
	return 0, nil, apperr.NotFoundf("table.not_found")
}

func (c *cli) importCmd() *cobra.Command {
	var (
		tenant, table, mode, report, sheet string
		dryRun, noWait                     bool
		wf                                 workerFlags
	)
	cmd := &cobra.Command{
		Use:   "import FILE --tenant SLUG --table NAME",
		Short: "Import a CSV or XLSX file into a base table",
		Long: `Import a CSV or XLSX file into a published base table, through the same
checks and background job as an upload in the admin UI: the file name, size
(the operator's import limit), format and header are checked first; then the
rows are validated and written in transactional batches, matched on the index
field, so importing a file again changes nothing. A progress bar follows the
job (which any running instance may work on) to its end.`,
		Example: "  screenpop import 客户名单.csv --tenant acme --table 客户\n" +
			"  screenpop import 名单.xlsx --tenant acme --table 客户 --mode all\n" +
			"  screenpop import 名单.csv --tenant acme --table 客户 --dry-run",
		Args: exactArgs(1),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, args []string) error {
			tenantID, tb, err := findTable(ctx, rt, tenant, table)
			if err != nil {
				return err
			}
			path := args[0]
			name := filepath.Base(path)
			if err := importer.ValidateFileName(name); err != nil {
				return importer.UserError(err)
			}
			limit, err := rt.eng.Imports.FileLimit(ctx)
			if err != nil {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			// The size is checked before the file is read.
			if fi, err := f.Stat(); err == nil {
				if err := importer.CheckSize(fi.Size(), limit); err != nil {
					return importer.UserError(err)
				}
			}
			data, err := importer.ReadLimited(f, limit)
			if err != nil {
				return importer.UserError(err)
			}
			up := importer.Upload{TenantID: tenantID, TableID: tb.ID, Source: importer.SourceCLI,
				FileName: name, Mode: importer.Mode(mode), Data: data, Sheet: sheet}
			if dryRun {
				res, err := rt.eng.Imports.DryRun(ctx, up)
				if err != nil {
					return err
				}
				printDryRun(os.Stdout, tb, res)
				return nil
			}
			rt.eng.Imports.SetLogger(rt.log)
			job, err := rt.eng.Imports.Create(ctx, up)
			if err != nil {
				return err
			}
			// The job has its own (sealed) copy; the worker below reads
			// that. A soft memory limit makes the collector return what
			// the file and its copies held, keeping this process small.
			data, up.Data = nil, nil
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(150 << 20)
			}
			fmt.Fprintf(os.Stderr, "import %d queued: %s (%s, %d bytes)\n", job.ID, job.FileName, job.Format, job.FileSize)
			if job.Sheet != "" {
				fmt.Fprintf(os.Stderr, "reading sheet %q\n", job.Sheet)
			}
			if noWait {
				fmt.Println(job.ID)
				return nil
			}
			workers, err := rt.eng.Imports.Start(ctx, wf.options())
			if err != nil {
				return err
			}
			job, werr := follow(ctx, rt, tenantID, job.ID, workers.Ended(), os.Stderr)
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := workers.Stop(stop); err != nil {
				rt.log.Warn("stopping import workers", "err", err)
			}
			if werr != nil {
				return werr
			}
			printJob(os.Stdout, job)
			if job.ErrorCount > 0 {
				if err := printIssues(ctx, rt, tenantID, job, report); err != nil {
					return err
				}
			}
			if job.Status != importer.StatusDone {
				if m := job.Failure(); m != nil {
					return errors.New(m.In(i18n.English))
				}
				return fmt.Errorf("import %d %s", job.ID, job.Status)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant slug")
	f.StringVar(&table, "table", "", "base table name or id")
	f.StringVar(&mode, "mode", "skip", "skip (store the good rows, report the bad) or all (store nothing unless every row is good)")
	f.BoolVar(&dryRun, "dry-run", false, "check only: show the first rows as they would be stored and every error; store nothing")
	f.BoolVar(&noWait, "no-wait", false, "queue the import, print its id and exit (a running server imports it)")
	f.StringVar(&sheet, "sheet", "", "the XLSX sheet to read (default: the first visible one)")
	f.StringVar(&report, "report", "", "write the error report (CSV: line, column, reason) to this file")
	wf.add(cmd)
	return cmd
}

// follow shows a job's progress until it ends (or ctx does). The job is
// polled for the progress bar, and looked at at once when ended says an
// attempt by this process's workers is over, since that is when it ends.
func follow(ctx context.Context, rt *runtime, tenantID, jobID int64, ended <-chan struct{}, w io.Writer) (*importer.Job, error) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	last := ""
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		job, err := rt.eng.Imports.Get(ctx, tenantID, jobID)
		if err != nil {
			return nil, err
		}
		line := progressLine(job)
		switch {
		case tty:
			fmt.Fprintf(w, "\r%-72s", line)
		case line != last:
			fmt.Fprintln(w, line)
		}
		last = line
		if job.Status.Finished() {
			if tty {
				fmt.Fprintln(w)
			}
			return job, nil
		}
		select {
		case <-ctx.Done():
			if tty {
				fmt.Fprintln(w)
			}
			return nil, fmt.Errorf("stopped following import %d (it goes on in the background): %w", jobID, ctx.Err())
		case <-t.C:
		case <-ended:
		}
	}
}

// progressLine draws a job's progress: [#####-----] 52% 104000/200000 rows.
func progressLine(j *importer.Job) string {
	if j.Status == importer.StatusQueued || (j.Status == importer.StatusRunning && j.TotalRows == 0) {
		return fmt.Sprintf("[%s] %s: reading the file…", strings.Repeat("-", 30), j.Status)
	}
	const width = 30
	p := j.Percent()
	fill := p * width / 100
	return fmt.Sprintf("[%s%s] %3d%% %d/%d rows (%s)", strings.Repeat("#", fill), strings.Repeat("-", width-fill), p, j.RowsDone, j.TotalRows, j.Status)
}

func printJob(w io.Writer, j *importer.Job) {
	fmt.Fprintf(w, "import %d %s: %d rows, %d inserted, %d updated, %d unchanged, %d rejected, %d duplicates\n",
		j.ID, j.Status, j.TotalRows, j.Inserted, j.Updated, j.Unchanged, j.Rejected, j.Duplicates)
	if j.Masked > 0 {
		fmt.Fprintf(w, "%d rows held masked values (an export without --reveal): the stored values were kept\n", j.Masked)
	}
	if j.ExampleSkipped {
		fmt.Fprintln(w, "the template's example row (row 2, unchanged) was skipped")
	}
}

// printIssues lists the first lines of a job's error report, or writes all
// of it to a file.
func printIssues(ctx context.Context, rt *runtime, tenantID int64, j *importer.Job, path string) error {
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		if err := rt.eng.Imports.WriteReport(ctx, bw, tenantID, j.ID, i18n.English); err != nil {
			f.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		fmt.Fprintf(os.Stderr, "error report: %s (%d lines)\n", path, j.ErrorCount)
		return f.Close()
	}
	const show = 20
	n := 0
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LINE\tCOLUMN\tREASON")
	err := rt.eng.Imports.Issues(ctx, tenantID, j.ID, func(is importer.Issue) error {
		if n < show {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", is.Line, is.Column, is.Message.In(i18n.English))
		}
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n > show {
		fmt.Printf("… and %d more (write them all with --report FILE)\n", n-show)
	}
	return nil
}

// printSheet says which sheet of a workbook was read, when it had several.
func printSheet(w io.Writer, sheet string, sheets []string) {
	if len(sheets) > 1 {
		fmt.Fprintf(w, "read sheet %q of %s (choose another with --sheet NAME)\n", sheet, strings.Join(sheets, ", "))
	}
}

func printDryRun(w io.Writer, tb *tables.Table, r *importer.DryRunResult) {
	fmt.Fprintf(w, "dry run (%s, %s): %d rows, %d would be stored, %d rejected, %d duplicates; nothing was stored\n",
		r.Format, r.Encoding, r.TotalRows, r.Good, r.Rejected, r.Duplicates)
	if r.ExampleSkipped {
		fmt.Fprintln(w, "the template's example row (row 2, unchanged) would be skipped")
	}
	printSheet(w, r.Sheet, r.Sheets)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	names := make([]string, len(tb.Fields))
	for i, f := range tb.Fields {
		names[i] = f.Name
	}
	fmt.Fprintln(tw, strings.Join(names, "\t"))
	for _, v := range r.Preview {
		cells := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			cells[i] = f.Value
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	_ = tw.Flush()
	if len(r.Issues) > 0 {
		fmt.Fprintln(w, "errors:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tCOLUMN\tREASON")
		for _, is := range r.Issues {
			fmt.Fprintf(tw, "%d\t%s\t%s\n", is.Line, is.Column, is.Message.In(i18n.English))
		}
		_ = tw.Flush()
	}
}

func (c *cli) exportCmd() *cobra.Command {
	var (
		tenant, table, format, out string
		reveal                     bool
	)
	cmd := &cobra.Command{
		Use:   "export --tenant SLUG --table NAME [--format csv|xlsx] [-o FILE]",
		Short: "Export a base table's records as CSV or XLSX (masked unless --reveal)",
		Args:  exactArgs(0),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, _ []string) error {
			tenantID, tb, err := findTable(ctx, rt, tenant, table)
			if err != nil {
				return err
			}
			// Whoever runs the CLI holds the database and the master key:
			// they may reveal, and the export service audits it.
			x, err := rt.eng.Imports.PrepareExport(ctx, importer.ExportRequest{TenantID: tenantID, TableID: tb.ID,
				Format: importer.Format(format), Reveal: reveal, Actor: importer.Actor{Via: "cli", CanReveal: true}})
			if err != nil {
				return err
			}
			var w io.Writer = os.Stdout
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			n, err := x.Write(ctx, bw)
			if err != nil {
				return err
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "exported %d records\n", n)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&tenant, "tenant", "", "tenant slug")
	f.StringVar(&table, "table", "", "base table name or id")
	f.StringVar(&format, "format", "csv", "csv or xlsx")
	f.StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	f.BoolVar(&reveal, "reveal", false, "export masked fields in clear (recorded in the audit log)")
	return cmd
}

// workerCmd runs import workers without the web server: for a worker-only
// instance, and for the crash tests.
func (c *cli) workerCmd() *cobra.Command {
	var wf workerFlags
	cmd := &cobra.Command{
		Use:    "worker",
		Short:  "Run import workers only (no web server)",
		Hidden: true,
		Args:   exactArgs(0),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, _ []string) error {
			rt.eng.Imports.SetLogger(rt.log)
			workers, err := rt.eng.Imports.Start(ctx, wf.options())
			if err != nil {
				return err
			}
			fmt.Println("import workers running; press Ctrl+C to stop")
			sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			<-sig.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return workers.Stop(sctx)
		}),
	}
	wf.add(cmd)
	return cmd
}

// stopImports lets running imports finish for a few seconds at shutdown;
// those that do not are resumed by the next worker.
func stopImports(ctx context.Context, rt *runtime, w *importer.Workers) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.Stop(sctx); err != nil {
		rt.log.Warn("stopping import workers", "err", err)
	}
}
