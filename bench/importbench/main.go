// Command importbench measures an import of a 20 MB CSV through the real
// job path — `screenpop import`, which checks the file, stores it sealed,
// queues the job and runs it in its own worker — against psql's \copy of
// the same file into a plain table on the same server, the physical
// reference. It prints wall time, rows/s and the peak RSS of the importing
// process. A third line is the floor of our own storage: the rows the
// import wrote, already encoded, copied by one INSERT … SELECT into a
// second table of the same fields — the same indexes, foreign key and
// bytes written, with no work in Go. Run it with bench/import.sh (or
// `make bench`).
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

	// The import, as an operator runs it.
	args := []string{"import", file, "--tenant", "bench", "--table", "客户"}
	if bs := os.Getenv("BENCH_BATCH_SIZE"); bs != "" {
		args = append(args, "--batch-size", bs)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "SCREENPOP_MASTER_KEY_FILE="+keyFile, "SCREENPOP_LOG_LEVEL="+cmpOr(os.Getenv("BENCH_LOG_LEVEL"), "warn"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return fmt.Errorf("screenpop import: %v\n%s", err, out.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	peak := float64(ru.Maxrss) / 1024 // KB on Linux
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var n int
	if err := db.NewRaw("SELECT count(*) FROM base_records WHERE table_id = ?", tb.ID).Scan(ctx, &n); err != nil {
		return err
	}
	if n != rows {
		return fmt.Errorf("%d records stored, want %d\n%s", n, rows, out.String())
	}
	if os.Getenv("BENCH_LOG_LEVEL") != "" {
		fmt.Print(out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	fmt.Printf("screenpop import: %s\n", lines[len(lines)-1])

	// The reference: \copy of the same file into a plain table.
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_copy (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text,
		c7 text, c8 text, c9 text, c10 text, c11 text, c12 text)`); err != nil {
		return err
	}
	cp := exec.Command(psql, dsn, "-q", "-c", fmt.Sprintf(`\copy bench_copy FROM '%s' WITH (FORMAT csv, HEADER true)`, file))
	start = time.Now()
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

	const line = "%-44s %9.2fs %12.0f %12s %10s %8.1fx\n"
	fmt.Printf("\n%-44s %10s %12s %12s %10s %9s\n", "", "wall", "rows/s", "peak RSS", "CPU", "\\copy")
	fmt.Printf(line, "screenpop import (job)", wall.Seconds(), float64(rows)/wall.Seconds(),
		fmt.Sprintf("%.1fMB", peak), fmt.Sprintf("%.2fs", cpu.Seconds()), wall.Seconds()/copyWall.Seconds())
	fmt.Printf(line, "psql \\copy (plain table)", copyWall.Seconds(), float64(rows)/copyWall.Seconds(), "-", "-", 1.0)
	fmt.Printf(line, "base_records INSERT of encoded rows (floor)", floorWall.Seconds(), float64(rows)/floorWall.Seconds(), "-", "-",
		floorWall.Seconds()/copyWall.Seconds())
	ratio := wall.Seconds() / copyWall.Seconds()
	fmt.Printf("\ntargets: under 10 s: %v (%.2fs); within 4x of \\copy: %v (%.1fx); peak RSS under 200 MB: %v (%.0f MB)\n",
		wall < 10*time.Second, wall.Seconds(), ratio <= 4, ratio, peak < 200, peak)
	return nil
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
