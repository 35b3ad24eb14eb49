package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXCellValues writes cells the way Excel stores them — text, numbers,
// dates under various number formats — and checks the text read back.
func TestXLSXCellValues(t *testing.T) {
	type cell struct {
		header string
		value  any    // string → text cell, float64/int/bool → that type
		numFmt int    // built-in format, or
		custom string // a custom format code
		want   string
	}
	cells := []cell{
		{header: "text phone", value: "013800138000", numFmt: 49, want: "013800138000"},
		{header: "intl phone", value: "+8613800138000", want: "+8613800138000"},
		{header: "text decimal", value: "12.50", want: "12.50"},
		{header: "number phone", value: 13800138000, want: "13800138000"},
		{header: "scientific", value: 13800138000, custom: "0.00E+00", want: "13800138000"},
		{header: "float noise", value: 0.1 + 0.2, want: "0.3"},
		{header: "big", value: 1e20, want: "100000000000000000000"},
		{header: "negative", value: -12.5, want: "-12.5"},
		{header: "currency", value: 1234.5, custom: `"¥"#,##0.00`, want: "1234.50"}, // issue 17: as Excel shows it (was "1234.5")
		{header: "two decimals", value: 62744.6, numFmt: 2, want: "62744.60"},
		{header: "rounded", value: 1234.56, numFmt: 3, want: "1234.56"}, // #,##0 shows 1,235
		{header: "percent", value: 0.5, numFmt: 9, want: "0.5"},
		{header: "zero padded", value: 13800138000, custom: "000000000000", want: "013800138000"},
		{header: "date", value: 45306.0, numFmt: 14, want: "2024-01-15"},
		{header: "date time", value: 45306.4375, numFmt: 22, want: "2024-01-15 10:30:00"},
		{header: "time", value: 0.4375, numFmt: 21, want: "10:30:00"},
		{header: "time am/pm", value: 0.4375, numFmt: 18, want: "10:30:00"},
		{header: "chinese date", value: 45306.0, custom: `yyyy"年"m"月"d"日"`, want: "2024-01-15"},
		{header: "iso date", value: 45306.0, custom: "yyyy-mm-dd", want: "2024-01-15"},
		{header: "compact date", value: 45306.0, custom: "yyyymmdd", want: "2024-01-15"},
		{header: "month name", value: 45306.0, custom: "d-mmm-yy", want: "2024-01-15"},
		{header: "bool", value: true, want: "TRUE"},
		{header: "leading space", value: "  x ", want: "  x "},
	}
	file := buildXLSX(t, func(f *excelize.File) {
		for i, c := range cells {
			col, _ := excelize.ColumnNumberToName(i + 1)
			must(t, f.SetCellStr("Sheet1", col+"1", c.header))
			ref := col + "2"
			switch v := c.value.(type) {
			case string:
				must(t, f.SetCellStr("Sheet1", ref, v))
			default:
				must(t, f.SetCellValue("Sheet1", ref, v))
			}
			if c.numFmt != 0 || c.custom != "" {
				st := &excelize.Style{NumFmt: c.numFmt}
				if c.custom != "" {
					st.CustomNumFmt = &c.custom
				}
				id, err := f.NewStyle(st)
				must(t, err)
				must(t, f.SetCellStyle("Sheet1", ref, ref, id))
			}
		}
	})
	rr, err := openXLSXBytes(t, file, XLSXLimits{})
	must(t, err)
	defer rr.Close()
	rows, errs := readAll(t, rr)
	if len(rows) != 1 || len(errs) != 0 {
		t.Fatalf("rows %v errors %v", rows, errs)
	}
	if rows[0].Line != 2 {
		t.Errorf("line %d, want 2", rows[0].Line)
	}
	for i, c := range cells {
		if got := rows[0].Cells[i]; got != c.want {
			t.Errorf("%s: %q, want %q", c.header, got, c.want)
		}
	}
}

// TestNumberText: a stored number under a format code, as the import
// reads it. The cases of the former display-based cellText, by the format
// that showed their display; where issue 17 changed the answer (Excel's
// decimals are kept, decoration is not) the old answer is noted.
func TestNumberText(t *testing.T) {
	for _, tt := range []struct {
		raw, code, want string
	}{
		{"15000000000.0", "General", "15000000000"}, // openpyxl writes floats so
		{"123456789012345678", "0.00E+00", "123456789012345678"},
		{"1.5E-5", "0.000000", "0.000015"},
		{"-0", "0", "0"},
		{"0", `_ "¥"* #,##0.00_ ;_ "¥"* -#,##0.00_ ;_ "¥"* "-"??_ ;_ @_ `, "0.00"}, // accounting zero (was "0")
		{"-1234.5", "#,##0.00;(#,##0.00)", "-1234.50"},                             // was "-1234.5"
		{"45306", ";;;", "45306"},                                                  // ;;; hides the value
		{"2", `0"nd"`, "2"},                                                        // was "2nd": literal text is decoration
		{"1.5", "[h]:mm:ss", "36:00:00"},                                           // elapsed time over a day
		{"62744.6", "0.00", "62744.60"},
		{"1234.5", `"¥"#,##0.00`, "1234.50"},
		{"1234.5", `[$¥-804]#,##0.00`, "1234.50"},
		{"1234.56", "#,##0", "1234.56"}, // a format never cuts digits
		{"0.5", "0%", "0.5"},
		{"13800138000", "000000000000", "013800138000"},
		{"45306", `yyyy"年"m"月"d"日"`, "2024-01-15"},
		{"45306", "yyyymmdd", "2024-01-15"},
		{"45306.4375", "m/d/yy h:mm", "2024-01-15 10:30:00"},
		{"0.4375", "h:mm AM/PM", "10:30"},
		{"0.4375", `上午/下午h"时"mm"分"`, "10:30"},
		{"0.4375", "hh:mm:ss", "10:30:00"},
		{"1e+20", "General", "100000000000000000000"},
		{"0.30000000000000004", "General", "0.3"},
	} {
		v, ok := parseDecimal(tt.raw)
		if !ok {
			t.Fatalf("%q is not a number", tt.raw)
		}
		got, ok := classifyFormat(tt.code).numberText(tt.raw, v, false)
		if !ok || got != tt.want {
			t.Errorf("%q under %q = %q (%v), want %q", tt.raw, tt.code, got, ok, tt.want)
		}
	}
}

// An 18-digit ID that Excel stored as a number has lost its last digits:
// refused, never stored rounded.
func TestNumberTextRoundedByExcel(t *testing.T) {
	for _, raw := range []string{"1.10101199003071E+17", "6.22202020011223E+15", "-1.10101199003071E+17"} {
		v, _ := parseDecimal(raw)
		if got, ok := classifyFormat("General").numberText(raw, v, false); ok {
			t.Errorf("%q read as %q", raw, got)
		}
	}
}

func TestOpenXLSXRows(t *testing.T) {
	file := buildXLSX(t, func(f *excelize.File) {
		// The header starts on row 2; row 4 is blank; row 6 is too wide;
		// row 7 has blank formatted cells beyond the header.
		must(t, f.SetSheetRow("Sheet1", "A2", &[]any{" 姓名 ", "手机", "备注", nil}))
		must(t, f.SetSheetRow("Sheet1", "A3", &[]any{"张三", "013800138000", "第一行\n第二行"}))
		must(t, f.SetSheetRow("Sheet1", "A5", &[]any{"李四"}))
		must(t, f.SetSheetRow("Sheet1", "A6", &[]any{"王五", "1", "2", "3"}))
		must(t, f.SetSheetRow("Sheet1", "A7", &[]any{"赵六", "1", "2", "", " "}))
		// A second sheet is ignored.
		_, err := f.NewSheet("Other")
		must(t, err)
		must(t, f.SetCellStr("Other", "A1", "nope"))
	})
	rr, err := openXLSXBytes(t, file, XLSXLimits{})
	must(t, err)
	defer rr.Close()
	if !slices.Equal(rr.Header(), []string{"姓名", "手机", "备注"}) {
		t.Fatalf("header %q", rr.Header())
	}
	rows, errs := readAll(t, rr)
	want := []row{
		{3, []string{"张三", "013800138000", "第一行\n第二行"}},
		{5, []string{"李四", "", ""}},
		{7, []string{"赵六", "1", "2"}},
	}
	if !slices.EqualFunc(rows, want, func(a, b row) bool { return a.Line == b.Line && slices.Equal(a.Cells, b.Cells) }) {
		t.Errorf("rows %v, want %v", rows, want)
	}
	if re := errs[6]; len(errs) != 1 || re == nil || re.Code != CodeTooManyCells {
		t.Errorf("errors %v", errs)
	}
	if _, _, err := rr.Next(); err != io.EOF {
		t.Errorf("after the end: %v", err)
	}
	must(t, rr.Close())
	if _, _, err := rr.Next(); err == nil || err == io.EOF {
		t.Errorf("after Close: %v", err)
	}
}

func TestOpenXLSXRefusals(t *testing.T) {
	valid := buildXLSX(t, func(f *excelize.File) { must(t, f.SetCellStr("Sheet1", "A1", "x")) })
	empty := buildXLSX(t, func(f *excelize.File) {})
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	// A flipped byte inside an entry's compressed data fails its checksum.
	damaged := bytes.Clone(valid)
	damaged[len(damaged)/3] ^= 0xFF
	for _, tt := range []struct {
		name string
		file []byte
		lim  XLSXLimits
		code string
	}{
		{"not a zip", []byte("姓名,手机\n"), XLSXLimits{}, CodeCorrupt},
		{"nothing", nil, XLSXLimits{}, CodeCorrupt},
		{"truncated", valid[:len(valid)/2], XLSXLimits{}, CodeCorrupt},
		{"damaged", damaged, XLSXLimits{}, CodeCorrupt},
		// An import's stored copy was verified at upload and comes back
		// sealed: not unzipped again to verify it, so it opens.
		{"damaged, stored", damaged, XLSXLimits{Stored: true}, ""},
		{"too large, stored", valid, XLSXLimits{UnzipSizeLimit: 1000, Stored: true}, CodeTooLarge},
		{"legacy xls", ole, XLSXLimits{}, CodeUnsupported},
		{"no header", empty, XLSXLimits{}, CodeEmpty},
		{"larger than it may unzip to", valid, XLSXLimits{UnzipSizeLimit: 1000}, CodeTooLarge},
		{"part over the memory limit", valid, XLSXLimits{UnzipXMLSizeLimit: 100}, CodeZipBomb},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr, err := openXLSXBytes(t, tt.file, tt.lim)
			if err == nil {
				rr.Close()
			}
			wantCode(t, err, tt.code)
		})
	}
}

// deflateSegment compresses p into deflate blocks that end byte-aligned and
// refer to nothing before them, so segments can be concatenated (and
// repeated) into one stream.
func deflateSegment(t testing.TB, p []byte) []byte {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	must(t, err)
	_, err = fw.Write(p)
	must(t, err)
	must(t, fw.Flush())
	return buf.Bytes()
}

// bombXLSX returns an xlsx whose first sheet's XML is a header row and then
// n copies of a 1 MB run of rows, without ever holding that XML: its deflate
// stream is built from one compressed copy repeated. declared is the size
// the zip directory claims (0: the true size).
func bombXLSX(t testing.TB, n int, declared uint64) []byte {
	t.Helper()
	head := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row><c t="inlineStr"><is><t>h</t></is></c></row>`)
	rowXML := `<row><c t="inlineStr"><is><t>x</t></is></c></row>`
	body := []byte(strings.Repeat(rowXML, (1<<20)/len(rowXML)))
	tail := []byte(`</sheetData></worksheet>`)

	var stream bytes.Buffer
	crc := crc32.NewIEEE()
	size := uint64(0)
	add := func(p []byte, times int) {
		seg := deflateSegment(t, p)
		for range times {
			stream.Write(seg)
			crc.Write(p)
			size += uint64(len(p))
		}
	}
	add(head, 1)
	add(body, n)
	add(tail, 1)
	stream.Write([]byte{0x03, 0x00}) // an empty final block ends the stream
	if declared == 0 {
		declared = size
	}

	// Every other part comes from a real workbook.
	base := buildXLSX(t, func(f *excelize.File) {})
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			w, err := zw.CreateRaw(&zip.FileHeader{
				Name: zf.Name, Method: zip.Deflate, CRC32: crc.Sum32(),
				CompressedSize64: uint64(stream.Len()), UncompressedSize64: declared,
			})
			must(t, err)
			_, err = w.Write(stream.Bytes())
			must(t, err)
			continue
		}
		must(t, zw.Copy(zf))
	}
	must(t, zw.Close())
	return out.Bytes()
}

// The limit holds for all entries together, not only for each.
func TestZipTotalLimit(t *testing.T) {
	file := bombXLSX(t, 2, 0)
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	must(t, err)
	var total, largest uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		largest = max(largest, zf.UncompressedSize64)
	}
	_, err = openXLSXBytes(t, file, XLSXLimits{UnzipSizeLimit: int64(total) - 1})
	wantCode(t, err, CodeZipBomb)
	if largest >= total-1 {
		t.Fatal("the test needs several entries")
	}
}

// The bomb builder makes real workbooks: a small one reads back whole.
func TestBombBuilderSanity(t *testing.T) {
	file := bombXLSX(t, 2, 0)
	rr, err := openXLSXBytes(t, file, XLSXLimits{})
	must(t, err)
	defer rr.Close()
	rows, errs := readAll(t, rr)
	perMB := (1 << 20) / len(`<row><c t="inlineStr"><is><t>x</t></is></c></row>`)
	if len(errs) != 0 || len(rows) != 2*perMB || rows[len(rows)-1].Line != 2*perMB+1 || rr.Header()[0] != "h" {
		t.Fatalf("%d rows, %d errors, header %q", len(rows), len(errs), rr.Header())
	}
}

// TestZipBomb: a 300 MB sheet compressed to a few hundred KB is refused, in
// memory that is a small fraction of what it would unzip to — whether its
// zip directory tells the truth about its size or lies.
func TestZipBomb(t *testing.T) {
	const mb = 1 << 20
	for _, tt := range []struct {
		name     string
		declared uint64
		code     string
	}{
		{"honest", 0, CodeZipBomb},
		{"lying, in memory", 1 * mb, CodeCorrupt},
		{"lying, over the in-memory limit", 20 * mb, CodeCorrupt},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := bombXLSX(t, 300, tt.declared)
			if len(file) > 2*mb {
				t.Fatalf("bomb is %d bytes", len(file))
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rr, err := openXLSXBytes(t, file, XLSXLimits{})
			runtime.ReadMemStats(&after)
			if err == nil {
				rr.Close()
			}
			wantCode(t, err, tt.code)
			// Everything allocated bounds the peak from above.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64*mb {
				t.Errorf("allocated %d MB refusing a %d KB bomb", alloc/mb, len(file)>>10)
			}
			t.Logf("%d KB file: %v (allocated %d KB)", len(file)>>10, err, (after.TotalAlloc-before.TotalAlloc)>>10)
		})
	}
}

// A sheet over UnzipXMLSizeLimit streams straight from the zip, row by
// row: no temporary file (excelize used to spill it to one, which Close had
// to remove), all rows read, and Close leaves nothing behind.
func TestXLSXSpilledSheet(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	file := bombXLSX(t, 2, 0) // a 2 MB sheet
	rr, err := openXLSXBytes(t, file, XLSXLimits{UnzipXMLSizeLimit: 1 << 20})
	must(t, err)
	rows, _ := readAll(t, rr)
	if len(rows) < 2<<10 {
		t.Errorf("%d rows", len(rows))
	}
	must(t, rr.Close())
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
