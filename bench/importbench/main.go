// Command importbench measures imports through the real job path —
// `screenpop import`, which checks the file, stores it sealed, queues the
// job and runs it in its own worker — of a 20 MB CSV, of the same rows as
// an XLSX, and of a 20 MB XLSX of varied customer rows, against the floor
// of our own storage: the rows the CSV import wrote, exactly as encoded
// (index_suffix too), copied by one INSERT … SELECT into a second table of
// the same fields — the same indexes, foreign key, trigger and bytes
// written, with no work in Go. psql's \copy of the CSV into a plain table
// is printed for reference. It prints wall time, rows/s, CPU and the peak
// RSS of each importing process, and the server's CPU for each import and
// for the floor. The CSV import and its floor are measured -runs times
// (default 5), each pair back to back, and the median of their ratios is
// the figure. Run it with bench/import.sh (or `make bench`).
//
//	importbench -binary bin/screenpop -dsn postgres://… [-runs 3] [-csv-only] [-psql /usr/lib/postgresql/15/bin/psql]
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/migrations"
	"github.com/screenpop/screenpop/tables"
)

func main() {
	binary := flag.String("binary", "bin/screenpop", "the screenpop binary")
	adminDSN := flag.String("dsn", os.Getenv("DATABASE_URL"), "a PostgreSQL server's DSN; a scratch database is created on it")
	psql := flag.String("psql", "/usr/lib/postgresql/15/bin/psql", "psql, for the \\copy reference")
	size := flag.Int("size", 20<<20, "file size in bytes")
	keep := flag.Bool("keep", false, "keep the scratch database, the files and the master key")
	runs := flag.Int("runs", 5, "how many times the CSV import and its floor are measured (the ratio's median is the figure)")
	csvOnly := flag.Bool("csv-only", false, "measure only the CSV import and the floor, not the XLSX lines")
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "importbench: -runs must be at least 1")
		os.Exit(2)
	}
	if err := run(*binary, *adminDSN, *psql, *size, *runs, *csvOnly, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		os.Exit(1)
	}
}

// Twelve columns: an encrypted index and five encrypted fields, six plain.
var fields = []tables.FieldInput{
	{Name: "手机", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
	{Name: "姓名", Encrypted: true, Mandatory: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
	{Name: "证件号", Encrypted: true, Type: tables.TypeString, Masked: true, MaskStyle: tables.MaskFirstFour},
	{Name: "地址", Encrypted: true, Type: tables.TypeString},
	{Name: "邮箱", Encrypted: true, Type: tables.TypeString},
	{Name: "备用电话", Encrypted: true, Type: tables.TypeString, Length: 20},
	{Name: "性别", Type: tables.TypeDict, DictItems: []tables.DictItem{{Key: "1", Value: "男"}, {Key: "2", Value: "女"}}},
	{Name: "城市", Type: tables.TypeString},
	{Name: "级别", Type: tables.TypeDict, DictItems: []tables.DictItem{{Key: "1", Value: "普通"}, {Key: "2", Value: "银卡"}, {Key: "3", Value: "金卡"}}},
	{Name: "积分", Type: tables.TypeNumber},
	{Name: "生日", Type: tables.TypeDate},
	{Name: "注册时间", Type: tables.TypeTime},
}

func row(i int) string {
	return fmt.Sprintf("139%08d,客户%d,11010119900101%04d,北京市朝阳区建国路%d号,user%d@example.com,0755%08d,%s,北京,%s,%d,1990-01-15,2024-01-15 10:30:00\r\n",
		i, i, i%10000, i%999, i, i, []string{"男", "女"}[i%2], []string{"普通", "银卡", "金卡"}[i%3], i%10000)
}

func run(binary, adminDSN, psql string, size, runs int, csvOnly, keep bool) error {
	ctx := context.Background()
	if adminDSN == "" {
		return fmt.Errorf("set DATABASE_URL or -dsn (bench/import.sh starts a server for you)")
	}
	dir, err := os.MkdirTemp("", "importbench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("files and master key kept in", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	// A scratch database, migrated, with a tenant and the table.
	admin, err := database.Open(ctx, adminDSN, database.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer admin.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "screenpop_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	if !keep {
		defer admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	dsn := withDB(adminDSN, name)
	db, err := database.Open(ctx, dsn, database.Options{MaxOpenConns: 4})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db); err != nil {
		return err
	}
	server := findServer(ctx, db)
	// The imports and the floor all write base_records: autovacuum would
	// charge whichever runs when it wakes with vacuuming the others' rows.
	if _, err := db.ExecContext(ctx, "ALTER TABLE base_records SET (autovacuum_enabled = false)"); err != nil {
		return err
	}
	keyFile := filepath.Join(dir, "master.key")
	key, err := masterkey.Load(keyFile, true)
	if err != nil {
		return err
	}
	eng, err := engine.New(db, key)
	if err != nil {
		return err
	}
	tn, err := eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: "bench", Name: "Bench"})
	if err != nil {
		return err
	}

	// The file: just under the size, UTF-8 with a BOM as Excel writes it.
	file := filepath.Join(dir, "客户名单.csv")
	rows, bytes, err := writeFile(file, size)
	if err != nil {
		return err
	}
	fmt.Printf("file: %s, %d rows, %.1f MB, 12 columns (encrypted index + 5 encrypted fields)\n", filepath.Base(file), rows, float64(bytes)/(1<<20))

	// The same rows as an XLSX as Excel saves it (shared strings, numbers
	// and dates as numbers), imported into a table of its own.
	xlsxFile := filepath.Join(dir, "客户名单.xlsx")
	var xlsxTable *tables.Table
	if !csvOnly {
		xlsxBytes, err := writeXLSX(xlsxFile, rows)
		if err != nil {
			return err
		}
		fmt.Printf("file: %s, %d rows, %.1f MB\n", filepath.Base(xlsxFile), rows, float64(xlsxBytes)/(1<<20))
		if xlsxTable, err = publishTable(ctx, eng, tn.ID, "客户xlsx"); err != nil {
			return err
		}
	}

	// The imports, as an operator runs them.
	imp := func(path, tenant, table string, tableID int64, rows int) (*importRun, error) {
		if err := cleanStart(ctx, db); err != nil {
			return nil, err
		}
		before, walBefore := server.cpu(), walLSN(ctx, db)
		r, err := runImport(binary, dsn, keyFile, path, tenant, table)
		if err != nil {
			return nil, err
		}
		// The import's server processes end when it has gone: the CPU of
		// one that exited but was not yet reaped counts nowhere.
		time.Sleep(500 * time.Millisecond)
		r.server = server.cpu() - before
		r.wal = walLSN(ctx, db) - walBefore
		var n int
		if err := db.NewRaw("SELECT count(*) FROM base_records WHERE table_id = ?", tableID).Scan(ctx, &n); err != nil {
			return nil, err
		}
		if n != rows {
			return nil, fmt.Errorf("%s: %d records stored, want %d\n%s", path, n, rows, r.out)
		}
		r.rows = rows
		return r, nil
	}
	// The CSV import and the floor, run after run: each import into a
	// fresh table, each floor right after it, so a pair sees the same
	// moment of the machine (and the ratio is taken within the pair).
	var pairs []csvPair
	for k := range runs {
		// A tenant of its own for each pair: a tenant has at most five
		// tables.
		runTenant, err := eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: fmt.Sprintf("bench-run%d", k+1), Name: fmt.Sprintf("Bench run %d", k+1)})
		if err != nil {
			return err
		}
		tb, err := publishTable(ctx, eng, runTenant.ID, "客户")
		if err != nil {
			return err
		}
		r, err := imp(file, runTenant.Slug, "客户", tb.ID, rows)
		if err != nil {
			return err
		}
		f, err := floorRun(ctx, eng, db, server, runTenant.ID, tb.ID, rows)
		if err != nil {
			return err
		}
		pairs = append(pairs, csvPair{imp: r, floor: f})
	}
	var xlsxRun, bigRun *importRun
	if !csvOnly {
		if xlsxRun, err = imp(xlsxFile, tn.Slug, "客户xlsx", xlsxTable.ID, rows); err != nil {
			return err
		}
		// A 20 MB XLSX as customers send them: values as varied as real
		// ones (the rows above repeat a lot and pack 125,000 rows into
		// 7 MB), about 190,000 rows.
		bigFile := filepath.Join(dir, "客户名单20MB.xlsx")
		bigRows, bigBytes, err := writeBigXLSX(bigFile, int64(size))
		if err != nil {
			return err
		}
		fmt.Printf("file: %s, %d rows, %.1f MB (varied values)\n", filepath.Base(bigFile), bigRows, float64(bigBytes)/(1<<20))
		bigTable, err := publishTable(ctx, eng, tn.ID, "客户20MB")
		if err != nil {
			return err
		}
		if bigRun, err = imp(bigFile, tn.Slug, "客户20MB", bigTable.ID, bigRows); err != nil {
			return err
		}
	}

	// A reference: \copy of the same file into a plain table.
	start := time.Now()
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_copy (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text,
		c7 text, c8 text, c9 text, c10 text, c11 text, c12 text)`); err != nil {
		return err
	}
	cp := exec.Command(psql, dsn, "-q", "-c", fmt.Sprintf(`\copy bench_copy FROM '%s' WITH (FORMAT csv, HEADER true)`, file))
	if msg, err := cp.CombinedOutput(); err != nil {
		return fmt.Errorf("psql \\copy: %v\n%s", err, msg)
	}
	copyWall := time.Since(start)

	// Server CPU beside wall time: on a shared machine the walls swing
	// with the load, the CPU the server spent much less.
	fmt.Printf("\nfloor: the CSV import's %d rows as stored (encrypted, keyed, digested), copied by the server alone\n"+
		"into another table of the same fields with one INSERT … SELECT: base_records' four indexes, foreign key\n"+
		"and count trigger, no Go, no network. Server CPU: all of the PostgreSQL server's processes (autovacuum\n"+
		"off for base_records in this scratch database, so no line pays for vacuuming another's rows).\n", rows)
	const line = "%-44s %8.2fs %9.0f %9s %8s %8s %7s %7s\n"
	fmt.Printf("\n%-44s %9s %9s %9s %8s %8s %8s %7s\n", "", "wall", "rows/s", "peak RSS", "CPU", "srv CPU", "floor", "srv/fl")
	dur := func(d time.Duration) string {
		if d <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	ratio := func(a, b time.Duration) string {
		if a <= 0 || b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a.Seconds()/b.Seconds())
	}
	// Each CSV import beside its own floor; the XLSX lines beside the
	// median floor.
	var csvRatios []float64
	var csvWalls, floorWalls, floorCPUs []time.Duration
	for k, p := range pairs {
		fmt.Printf(line, fmt.Sprintf("screenpop import CSV (job), run %d", k+1), p.imp.wall.Seconds(), float64(rows)/p.imp.wall.Seconds(),
			fmt.Sprintf("%.1fMB", p.imp.peak), dur(p.imp.cpu), dur(p.imp.server), ratio(p.imp.wall, p.floor.wall), ratio(p.imp.server, p.floor.cpu))
		fmt.Printf(line, fmt.Sprintf("floor: INSERT … SELECT, run %d", k+1), p.floor.wall.Seconds(), float64(rows)/p.floor.wall.Seconds(),
			"-", "-", dur(p.floor.cpu), "1.00x", "1.00x")
		csvRatios = append(csvRatios, p.imp.wall.Seconds()/p.floor.wall.Seconds())
		csvWalls, floorWalls, floorCPUs = append(csvWalls, p.imp.wall), append(floorWalls, p.floor.wall), append(floorCPUs, p.floor.cpu)
	}
	floorWall, floorCPU, csvWall := median(floorWalls), median(floorCPUs), median(csvWalls)
	for _, r := range []struct {
		name string
		run  *importRun
	}{{"screenpop import XLSX, same rows (job)", xlsxRun}, {"screenpop import XLSX 20 MB (job)", bigRun}} {
		if r.run == nil {
			continue
		}
		fmt.Printf(line, r.name, r.run.wall.Seconds(), float64(r.run.rows)/r.run.wall.Seconds(), fmt.Sprintf("%.1fMB", r.run.peak),
			dur(r.run.cpu), dur(r.run.server), ratio(r.run.wall, floorWall), ratio(r.run.server, floorCPU))
	}
	fmt.Printf(line, "psql \\copy (plain table, reference)", copyWall.Seconds(), float64(rows)/copyWall.Seconds(), "-", "-", "-",
		ratio(copyWall, floorWall), "-")

	fmt.Printf("\nWAL per row: CSV import %.0f B, floor %.0f B", float64(pairs[0].imp.wal)/float64(rows), float64(pairs[0].floor.wal)/float64(rows))
	if xlsxRun != nil {
		fmt.Printf(", XLSX (same rows) %.0f B, 20 MB XLSX %.0f B", float64(xlsxRun.wal)/float64(rows), float64(bigRun.wal)/float64(bigRun.rows))
	}
	fmt.Println()
	med := median(csvRatios)
	fmt.Printf("\ntargets: CSV within 1.3x the floor: %v (median of %d runs %.2fx, from %.2fx to %.2fx)", med <= 1.3, len(csvRatios), med, slices.Min(csvRatios), slices.Max(csvRatios))
	if xlsxRun != nil {
		xratio := xlsxRun.wall.Seconds() / csvWall.Seconds()
		peak := 0.0
		for _, p := range pairs {
			peak = max(peak, p.imp.peak)
		}
		fmt.Printf("; XLSX within 2x of CSV: %v (%.2fx); 20 MB XLSX under 10 s: %v (%.2fs); peak RSS under 200 MB: %v (%.0f / %.0f / %.0f MB)",
			xratio <= 2, xratio, bigRun.wall < 10*time.Second, bigRun.wall.Seconds(), max(peak, xlsxRun.peak, bigRun.peak) < 200, peak, xlsxRun.peak, bigRun.peak)
	}
	fmt.Println()
	return nil
}

// csvPair is one CSV import and the floor measured right after it.
type csvPair struct {
	imp   *importRun
	floor floorResult
}

type floorResult struct {
	wall, cpu time.Duration
	wal       int64
}

// floorRun copies the rows the import wrote into table tableID, exactly
// as encoded (every column the import writes, index_suffix included, so
// the same four indexes, foreign key and count trigger are maintained),
// into a fresh table of the same fields, by the server alone in one
// statement.
func floorRun(ctx context.Context, eng *engine.Engine, db *bun.DB, server serverProcs, tenantID, tableID int64, rows int) (floorResult, error) {
	floorTable, err := publishTable(ctx, eng, tenantID, "客户 (floor)")
	if err != nil {
		return floorResult{}, err
	}
	if err := cleanStart(ctx, db); err != nil {
		return floorResult{}, err
	}
	cpu, wal := server.cpu(), walLSN(ctx, db)
	start := time.Now()
	res, err := db.ExecContext(ctx, `INSERT INTO base_records (tenant_id, table_id, index_key, plain, sealed, digest, index_suffix)
		SELECT tenant_id, ?, index_key, plain, sealed, digest, index_suffix FROM base_records WHERE table_id = ?`, floorTable.ID, tableID)
	if err != nil {
		return floorResult{}, fmt.Errorf("floor: %w", err)
	}
	f := floorResult{wall: time.Since(start)}
	f.cpu, f.wal = server.cpu()-cpu, walLSN(ctx, db)-wal
	if n, _ := res.RowsAffected(); n != int64(rows) {
		return floorResult{}, fmt.Errorf("floor: %d rows inserted, want %d", n, rows)
	}
	return f, nil
}

// cleanStart writes out every dirty buffer (CHECKPOINT) before a line is
// measured. Otherwise a line pays for the previous one's pages: a backend
// that needs a buffer held by dirty pages writes them out first, and a
// checkpoint falling due mid-way adds its writes to whichever line runs.
// Measured back to back, an import after a floor was 1.4-1.5 times it,
// the first import (after nothing) 1.0-1.2 times.
func cleanStart(ctx context.Context, db *bun.DB) error {
	_, err := db.ExecContext(ctx, "CHECKPOINT")
	return err
}

// median is the middle value of s (the mean of the two middle ones for an
// even count); s is not changed.
func median[T ~int64 | ~float64](s []T) T {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// importRun is one `screenpop import` measured.
type importRun struct {
	rows              int
	wal               int64 // bytes of WAL the server wrote meanwhile
	wall, cpu, server time.Duration
	peak              float64 // MB
	out               string
}

// runImport runs `screenpop import` on a file and measures it.
func runImport(binary, dsn, keyFile, path, tenant, table string) (*importRun, error) {
	args := []string{"import", path, "--tenant", tenant, "--table", table}
	if bs := os.Getenv("BENCH_BATCH_SIZE"); bs != "" {
		args = append(args, "--batch-size", bs)
	}
	if ws := os.Getenv("BENCH_WRITERS"); ws != "" {
		args = append(args, "--writers", ws)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "SCREENPOP_MASTER_KEY_FILE="+keyFile, "SCREENPOP_LOG_LEVEL="+cmpOr(os.Getenv("BENCH_LOG_LEVEL"), "warn"))
	if prof := os.Getenv("SCREENPOP_CPU_PROFILE"); prof != "" {
		// One profile per import: table.prof beside the name given.
		cmd.Env = append(cmd.Env, "SCREENPOP_CPU_PROFILE="+strings.TrimSuffix(prof, ".prof")+"-"+table+".prof")
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("screenpop import %s: %v\n%s", filepath.Base(path), err, out.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if os.Getenv("BENCH_LOG_LEVEL") != "" {
		fmt.Print(out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	fmt.Printf("screenpop import %s: %s\n", filepath.Ext(path), lines[len(lines)-1])
	return &importRun{wall: wall, cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		peak: float64(ru.Maxrss) / 1024, out: out.String()}, nil
}

// writeXLSX writes rows of the benchmark's data as an XLSX the way Excel
// saves one: text in the shared-string table, numbers and dates as numbers
// with their formats. It returns the file's size.
func writeXLSX(path string, rows int) (int64, error) {
	birthday := time.Date(1990, 1, 15, 0, 0, 0, 0, time.UTC)
	registered := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	cells := make([]any, len(fields))
	return writeCustomerSheet(path, rows, func(i int) []any {
		parts := strings.Split(strings.TrimSuffix(row(i), "\r\n"), ",")
		for j, p := range parts {
			cells[j] = p
		}
		cells[9] = i % 10000
		cells[10] = birthday
		cells[11] = registered
		return cells
	})
}

// writeCustomerSheet writes the header and rows cells of the customer
// fields as Excel saves them: its columns 10 and 11 (birthday, registered)
// are dates with Excel's date and date-time formats. It returns the file's
// size.
func writeCustomerSheet(path string, rows int, cellsOf func(i int) []any) (int64, error) {
	f := excelize.NewFile()
	defer f.Close()
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return 0, err
	}
	stamp, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return 0, err
	}
	head := make([]any, len(fields))
	for i, fl := range fields {
		head[i] = fl.Name
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	for i := range rows {
		cells := cellsOf(i)
		cells[10] = excelize.Cell{StyleID: date, Value: cells[10]}
		cells[11] = excelize.Cell{StyleID: stamp, Value: cells[11]}
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(ref, cells); err != nil {
			return 0, err
		}
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	if err := f.SaveAs(path); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// publishTable creates and publishes a table of the benchmark's fields.
func publishTable(ctx context.Context, eng *engine.Engine, tenantID int64, name string) (*tables.Table, error) {
	tb, err := eng.Tables.CreateTable(ctx, tenantID, tables.TableInput{Name: name})
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if _, err := eng.Tables.AddField(ctx, tenantID, tb.ID, f); err != nil {
			return nil, err
		}
	}
	if _, err := eng.Tables.Publish(ctx, tenantID, tb.ID); err != nil {
		return nil, err
	}
	return tb, nil
}

func writeFile(path string, size int) (rows, written int, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriter(f)
	head := "\uFEFF"
	names := make([]string, len(fields))
	for i, fl := range fields {
		names[i] = fl.Name
	}
	head += strings.Join(names, ",") + "\r\n"
	w.WriteString(head)
	written = len(head)
	for i := 0; ; i++ {
		r := row(i)
		if written+len(r) > size {
			break
		}
		w.WriteString(r)
		written += len(r)
		rows++
	}
	if err := w.Flush(); err != nil {
		return 0, 0, err
	}
	return rows, written, f.Close()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// withDB points a DSN (URL or key=value) at another database.
func withDB(dsn, name string) string {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if rest, ok := strings.CutPrefix(dsn, scheme); ok {
			var query string
			if i := strings.IndexByte(rest, '?'); i >= 0 {
				rest, query = rest[:i], rest[i:]
			}
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				rest = rest[:i]
			}
			return scheme + rest + "/" + name + query
		}
	}
	return dsn + " dbname=" + name
}

// serverProcs sums the CPU time of a local PostgreSQL server's processes:
// on a machine shared with other work, wall times say little, and the
// server's CPU shows what the database did for an import and for the
// floor. Zero when the server is not on this machine.
type serverProcs struct{ postmaster int }

func findServer(ctx context.Context, db *bun.DB) serverProcs {
	var backend int
	if err := db.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &backend); err != nil {
		return serverProcs{}
	}
	st, ok := procStat(backend)
	if !ok {
		return serverProcs{}
	}
	return serverProcs{postmaster: st.ppid}
}

// cpu is the CPU the server's processes used so far: the live ones' and,
// through the postmaster's children times, those that ended.
func (s serverProcs) cpu() time.Duration {
	if s.postmaster == 0 {
		return 0
	}
	pm, ok := procStat(s.postmaster)
	if !ok {
		return 0
	}
	total := pm.self + pm.children
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.ppid == s.postmaster {
			total += st.self
		}
	}
	return total
}

type procTimes struct {
	ppid           int
	self, children time.Duration
}

// procStat reads /proc/<pid>/stat: the parent, the process's user and
// system time and its waited-for children's.
func procStat(pid int) (procTimes, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procTimes{}, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is the state, f[1] the parent
	if len(f) < 15 {
		return procTimes{}, false
	}
	num := func(k int) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / 100 } // USER_HZ
	return procTimes{ppid: int(num(1)), self: tick(num(11) + num(12)), children: tick(num(13) + num(14))}, true
}

// writeBigXLSX writes an XLSX of varied customer rows (variedRow) just
// under size bytes: a trial file gives the bytes per row, and the row
// count shrinks until the file fits. It returns the rows and the size.
func writeBigXLSX(path string, size int64) (int, int64, error) {
	const trial = 20000
	n, err := writeVariedXLSX(path, trial)
	if err != nil {
		return 0, 0, err
	}
	rows := int(float64(trial) * float64(size) * 0.99 / float64(n))
	for {
		n, err := writeVariedXLSX(path, rows)
		if err != nil || n <= size {
			return rows, n, err
		}
		rows = rows * 98 / 100
	}
}

var (
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
	givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅鹏飞宇浩然子涵欣怡思雨晨阳佳琪文博俊凯瑞雪婷晓东海波辉宁")
	provinces  = []string{"北京市朝阳区", "上海市浦东新区", "广东省深圳市南山区", "广东省广州市天河区", "浙江省杭州市西湖区", "江苏省南京市鼓楼区", "四川省成都市武侯区", "湖北省武汉市洪山区", "山东省济南市历下区", "福建省厦门市思明区"}
	roads      = []string{"建国路", "人民路", "解放路", "中山路", "科技园南路", "文三路", "长江路", "和平大街", "滨海大道", "光谷大道", "天府大道", "学院路"}
	cities     = []string{"北京", "上海", "深圳", "广州", "杭州", "南京", "成都", "武汉", "济南", "厦门"}
	regions    = []string{"110105", "310115", "440305", "440106", "330106", "320106", "510107", "420111", "370102", "350203"}
	mailHosts  = []string{"qq.com", "163.com", "126.com", "gmail.com", "sina.com", "outlook.com"}
)

// variedRow is customer i with values as varied as real ones, drawn from
// rng: unique mobile numbers (a permutation of i), names, ID numbers,
// addresses, mailboxes, a second phone on half the rows, and dates.
func variedRow(rng *mrand.Rand, i int) []any {
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	name := string(surnames[rng.IntN(len(surnames))])
	for range 1 + rng.IntN(2) {
		name += string(givenChars[rng.IntN(len(givenChars))])
	}
	birthday := time.Date(1950+rng.IntN(56), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	registered := time.Date(2015+rng.IntN(10), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), 0, time.UTC)
	id := fmt.Sprintf("%s%s%03d%d", pick(regions), birthday.Format("20060102"), rng.IntN(1000), rng.IntN(10))
	letters := make([]byte, 5+rng.IntN(6))
	for j := range letters {
		letters[j] = byte('a' + rng.IntN(26))
	}
	alt := ""
	if rng.IntN(2) == 0 {
		alt = fmt.Sprintf("0%d%08d", 10+rng.IntN(90), rng.IntN(100000000))
	}
	return []any{
		fmt.Sprintf("1%d%08d", 30+i%70, (i*48271+9973)%100000000),
		name, id,
		fmt.Sprintf("%s%s%d号%d栋%d室", pick(provinces), pick(roads), 1+rng.IntN(999), 1+rng.IntN(30), 101+rng.IntN(3000)),
		fmt.Sprintf("%s%d@%s", letters, rng.IntN(10000), pick(mailHosts)),
		alt,
		[]string{"男", "女"}[rng.IntN(2)], pick(cities), []string{"普通", "银卡", "金卡"}[rng.IntN(3)],
		rng.IntN(100000), birthday, registered,
	}
}

// writeVariedXLSX writes rows of variedRow as Excel saves them and returns
// the file's size.
func writeVariedXLSX(path string, rows int) (int64, error) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	return writeCustomerSheet(path, rows, func(i int) []any { return variedRow(rng, i) })
}

// walLSN is the server's current WAL position in bytes (0 if unknown).
func walLSN(ctx context.Context, db *bun.DB) int64 {
	var n int64
	_ = db.NewRaw("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").Scan(ctx, &n)
	return n
}
