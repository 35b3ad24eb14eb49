// Command importbench measures an import of a 20 MB CSV, and of the same
// rows as an XLSX, through the real job path — `screenpop import`, which
// checks the file, stores it sealed, queues the job and runs it in its own
// worker — against the floor of our own storage: the rows the import
// wrote, already encoded, copied by one INSERT … SELECT into a second
// table of the same fields — the same indexes, foreign key and bytes
// written, with no work in Go. psql's \copy of the CSV into a plain table
// is printed for reference. It prints wall time, rows/s, CPU and the peak
// RSS of each importing process. Run it with bench/import.sh (or `make
// bench`).
//
//	importbench -binary bin/screenpop -dsn postgres://… [-psql /usr/lib/postgresql/15/bin/psql]
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

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
	keep := flag.Bool("keep", false, "keep the scratch database")
	flag.Parse()
	if err := run(*binary, *adminDSN, *psql, *size, *keep); err != nil {
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

func run(binary, adminDSN, psql string, size int, keep bool) error {
	ctx := context.Background()
	if adminDSN == "" {
		return fmt.Errorf("set DATABASE_URL or -dsn (bench/import.sh starts a server for you)")
	}
	dir, err := os.MkdirTemp("", "importbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

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
	tb, err := publishTable(ctx, eng, tn.ID, "客户")
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
	xlsxBytes, err := writeXLSX(xlsxFile, rows)
	if err != nil {
		return err
	}
	fmt.Printf("file: %s, %d rows, %.1f MB\n", filepath.Base(xlsxFile), rows, float64(xlsxBytes)/(1<<20))
	xlsxTable, err := publishTable(ctx, eng, tn.ID, "客户xlsx")
	if err != nil {
		return err
	}

	// The imports, as an operator runs them.
	imp := func(path, table string, tableID int64) (*importRun, error) {
		r, err := runImport(binary, dsn, keyFile, path, table)
		if err != nil {
			return nil, err
		}
		var n int
		if err := db.NewRaw("SELECT count(*) FROM base_records WHERE table_id = ?", tableID).Scan(ctx, &n); err != nil {
			return nil, err
		}
		if n != rows {
			return nil, fmt.Errorf("%s: %d records stored, want %d\n%s", path, n, rows, r.out)
		}
		return r, nil
	}
	csvRun, err := imp(file, "客户", tb.ID)
	if err != nil {
		return err
	}
	xlsxRun, err := imp(xlsxFile, "客户xlsx", xlsxTable.ID)
	if err != nil {
		return err
	}
	wall, peak, cpu := csvRun.wall, csvRun.peak, csvRun.cpu
	start := time.Now()

	// A reference: \copy of the same file into a plain table.
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_copy (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text,
		c7 text, c8 text, c9 text, c10 text, c11 text, c12 text)`); err != nil {
		return err
	}
	cp := exec.Command(psql, dsn, "-q", "-c", fmt.Sprintf(`\copy bench_copy FROM '%s' WITH (FORMAT csv, HEADER true)`, file))
	if msg, err := cp.CombinedOutput(); err != nil {
		return fmt.Errorf("psql \\copy: %v\n%s", err, msg)
	}
	copyWall := time.Since(start)

	// The floor: the imported rows, as encoded, inserted into a second
	// table by the server alone.
	floorTable, err := publishTable(ctx, eng, tn.ID, "客户 (floor)")
	if err != nil {
		return err
	}
	start = time.Now()
	res, err := db.ExecContext(ctx, `INSERT INTO base_records (tenant_id, table_id, index_key, plain, sealed, digest)
		SELECT tenant_id, ?, index_key, plain, sealed, digest FROM base_records WHERE table_id = ?`, floorTable.ID, tb.ID)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	floorWall := time.Since(start)
	if n, _ := res.RowsAffected(); n != int64(rows) {
		return fmt.Errorf("floor: %d rows inserted, want %d", n, rows)
	}

	_ = copyWall // printed for reference; the target is the floor
	const line = "%-44s %9.2fs %12.0f %12s %10s %8.2fx\n"
	fmt.Printf("\n%-44s %10s %12s %12s %10s %9s\n", "", "wall", "rows/s", "peak RSS", "CPU", "floor")
	fmt.Printf(line, "screenpop import CSV (job)", wall.Seconds(), float64(rows)/wall.Seconds(),
		fmt.Sprintf("%.1fMB", peak), fmt.Sprintf("%.2fs", cpu.Seconds()), wall.Seconds()/floorWall.Seconds())
	fmt.Printf(line, "screenpop import XLSX (job)", xlsxRun.wall.Seconds(), float64(rows)/xlsxRun.wall.Seconds(),
		fmt.Sprintf("%.1fMB", xlsxRun.peak), fmt.Sprintf("%.2fs", xlsxRun.cpu.Seconds()), xlsxRun.wall.Seconds()/floorWall.Seconds())
	fmt.Printf(line, "base_records INSERT of encoded rows (floor)", floorWall.Seconds(), float64(rows)/floorWall.Seconds(), "-", "-", 1.0)
	fmt.Printf(line, "psql \\copy (plain table, reference)", copyWall.Seconds(), float64(rows)/copyWall.Seconds(), "-", "-",
		copyWall.Seconds()/floorWall.Seconds())
	ratio := wall.Seconds() / floorWall.Seconds()
	xratio := xlsxRun.wall.Seconds() / wall.Seconds()
	fmt.Printf("\ntargets: CSV under 10 s: %v (%.2fs); CSV toward 1.3x the floor: %v (%.2fx); XLSX within 2x of CSV: %v (%.2fx); "+
		"XLSX under 10 s: %v (%.2fs); peak RSS under 200 MB: %v (%.0f / %.0f MB)\n",
		wall < 10*time.Second, wall.Seconds(), ratio <= 1.3, ratio, xratio <= 2, xratio,
		xlsxRun.wall < 10*time.Second, xlsxRun.wall.Seconds(), peak < 200 && xlsxRun.peak < 200, peak, xlsxRun.peak)
	return nil
}

// importRun is one `screenpop import` measured.
type importRun struct {
	wall, cpu time.Duration
	peak      float64 // MB
	out       string
}

// runImport runs `screenpop import` on a file and measures it.
func runImport(binary, dsn, keyFile, path, table string) (*importRun, error) {
	args := []string{"import", path, "--tenant", "bench", "--table", table}
	if bs := os.Getenv("BENCH_BATCH_SIZE"); bs != "" {
		args = append(args, "--batch-size", bs)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "SCREENPOP_MASTER_KEY_FILE="+keyFile, "SCREENPOP_LOG_LEVEL="+cmpOr(os.Getenv("BENCH_LOG_LEVEL"), "warn"))
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
	birthday := time.Date(1990, 1, 15, 0, 0, 0, 0, time.UTC)
	registered := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	cells := make([]any, len(fields))
	for i := range rows {
		parts := strings.Split(strings.TrimSuffix(row(i), "\r\n"), ",")
		for j, p := range parts {
			cells[j] = p
		}
		cells[9] = i % 10000
		cells[10] = excelize.Cell{StyleID: date, Value: birthday}
		cells[11] = excelize.Cell{StyleID: stamp, Value: registered}
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
