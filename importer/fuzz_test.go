package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// drain reads rr to its end or its first fatal error, checking the
// invariants every row keeps. It bounds the number of calls so a reader that
// never ends fails instead of hanging.
func drain(t *testing.T, rr RowReader, maxRows int) {
	t.Helper()
	width := len(rr.Header())
	last := 0
	for range maxRows + 1 {
		line, cells, err := rr.Next()
		if err == io.EOF {
			return
		}
		if err != nil && !IsRowError(err) {
			return // fatal: fine, as long as it did not panic
		}
		if line <= last {
			t.Fatalf("line %d after line %d", line, last)
		}
		last = line
		if err == nil && len(cells) != width {
			t.Fatalf("line %d: %d cells, header has %d", line, len(cells), width)
		}
	}
	t.Fatalf("more than %d rows", maxRows)
}

// watchdog crashes the test binary when one input runs for more than ten
// seconds, so a hang becomes a crasher the fuzzing engine saves, rather than
// a worker that looks busy forever. Call the returned func when done.
func watchdog(input ...[]byte) (stop func()) {
	t := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("input ran for 10s: %q", input)) })
	return func() { t.Stop() }
}

func FuzzCSVReader(f *testing.F) {
	f.Add([]byte(sampleCSV))
	f.Add([]byte("\uFEFF" + sampleCSV))
	f.Add(encode(f, simplifiedchinese.GBK, sampleCSV))
	f.Add(encode(f, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), sampleCSV))
	f.Add([]byte("a\tb\n1\t2\n"))
	f.Add([]byte("a,b\n\"unterminated,\n"))
	f.Add([]byte("\xff\xfe\x00"))
	f.Add([]byte("a,\"b\"c\"\n\r\r\n,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(data)()
		rr, err := OpenCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer rr.Close()
		// Every record takes at least one byte of a line, and the decoders
		// expand a byte to at most one character.
		drain(t, rr, len(data)+1)
	})
}

func FuzzXLSXReader(f *testing.F) {
	valid := buildXLSX(f, func(x *excelize.File) {
		_ = x.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "手机", "日期"})
		_ = x.SetSheetRow("Sheet1", "A2", &[]any{"张三", "013800138000", 45306.0})
		_ = x.SetSheetRow("Sheet1", "A4", &[]any{"李四", 13800138000, true, "extra"})
	})
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(valid[:len(valid)-1])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(data)()
		rr, err := OpenXLSX(bytes.NewReader(data), int64(len(data)), XLSXLimits{UnzipSizeLimit: 16 << 20})
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		defer rr.Close()
		drain(t, rr, excelize.TotalRows)
	})
}

// FuzzXLSXSheet fuzzes what the zip checksums keep FuzzXLSXReader's
// mutations from reaching: the XML of the sheet and of the shared strings,
// inside an otherwise valid workbook.
func FuzzXLSXSheet(f *testing.F) {
	const ns = ` xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	f.Add([]byte(`<worksheet`+ns+`><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>`+
		`<row r="3"><c r="A3" s="1"><v>45306.5</v></c><c r="C3" t="b"><v>1</v></c><c r="D3" t="s"><v>7</v></c><c r="E3" t="e"><v>#N/A</v></c></row>`+
		`<row r="5"><c r="B5" t="str"><f>A1</f><v>x</v></c><c r="C5"><v>1.5E+20</v></c><c r="D5" t="s"><v>1</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst`+ns+`><si><t>姓名</t></si><si><r><t>rich</t></r><r><t xml:space="preserve"> text</t></r></si></sst>`))
	f.Add([]byte(`<worksheet`+ns+`><sheetData><row r="1048577"><c><v>1</v></c></row></sheetData></worksheet>`), []byte(`<sst`+ns+`/>`))
	f.Add([]byte(`<worksheet`+ns+`><sheetData><row><c r="XFD1"><v>1</v></c></row><row><c r="A0"/></row></sheetData></worksheet>`), []byte{})
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		defer watchdog(sheet, sst)()
		file := workbookWith(t, map[string][]byte{"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst})
		rr, err := OpenXLSX(bytes.NewReader(file), int64(len(file)), XLSXLimits{})
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		defer rr.Close()
		drain(t, rr, excelize.TotalRows)
	})
}

// baseWorkbook is built once: fuzzing calls workbookWith for every input.
var baseWorkbook = func() func(testing.TB) []byte {
	var once sync.Once
	var b []byte
	return func(t testing.TB) []byte {
		once.Do(func() {
			b = buildXLSX(t, func(x *excelize.File) {
				id, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
				_ = x.SetCellStyle("Sheet1", "A1", "A1", id)
			})
		})
		return b
	}
}()

// workbookWith returns a valid workbook whose parts named in parts are
// replaced (or added) with the given content.
func workbookWith(t testing.TB, parts map[string][]byte) []byte {
	t.Helper()
	base := baseWorkbook(t)
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	done := map[string]bool{}
	for _, zf := range zr.File {
		if content, ok := parts[zf.Name]; ok {
			w, err := zw.Create(zf.Name)
			must(t, err)
			_, _ = w.Write(content)
			done[zf.Name] = true
			continue
		}
		must(t, zw.Copy(zf))
	}
	for name, content := range parts {
		if !done[name] {
			w, err := zw.Create(name)
			must(t, err)
			_, _ = w.Write(content)
		}
	}
	must(t, zw.Close())
	return out.Bytes()
}
