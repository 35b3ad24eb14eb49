package importer

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// replacePart returns a workbook built by fill with the part name replaced
// by head, n copies of body and tail, compressed without ever holding the
// whole part (see bombXLSX).
func replacePart(t testing.TB, fill func(f *excelize.File), name string, head, body, tail []byte, n int) []byte {
	t.Helper()
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
	stream.Write([]byte{0x03, 0x00})
	base := buildXLSX(t, fill)
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, zf := range zr.File {
		if zf.Name != name {
			must(t, zw.Copy(zf))
			continue
		}
		found = true
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
			CompressedSize64: uint64(stream.Len()), UncompressedSize64: size})
		must(t, err)
		_, err = w.Write(stream.Bytes())
		must(t, err)
	}
	must(t, zw.Close())
	if !found {
		t.Fatalf("no part %s", name)
	}
	return out.Bytes()
}

// The workbook of issue 17: 11.6 million one-character shared strings,
// 197 MB unpacked, under the unzip limit, a few hundred KB zipped. It is
// refused with its own error, in a fraction of a second and a few MB —
// it used to take 1.4 GB and minutes.
func TestSharedStringsBomb(t *testing.T) {
	const mb = 1 << 20
	si := `<si><t>x</t></si>`
	perMB := mb / len(si)
	head := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="11600000" uniqueCount="11600000">`)
	body := []byte(strings.Repeat(si, perMB))
	file := replacePart(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "h"))
		must(t, f.SetCellStr("Sheet1", "A2", "x"))
	}, "xl/sharedStrings.xml", head, body, []byte(`</sst>`), 11_600_000/perMB)
	if len(file) > 4*mb {
		t.Fatalf("file is %d bytes", len(file))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	rr, err := openXLSXBytes(t, file, XLSXLimits{})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		rr.Close()
	}
	wantCode(t, err, CodeTooManyStrings)
	limit := DefaultMaxFileSize / sharedStringCost
	if fe := err.(*FileError); fe.Value != strconv.FormatInt(limit, 10) {
		t.Errorf("value %q, want the cap %d", fe.Value, limit)
	}
	msg := UserError(err).Error()
	if !strings.Contains(msg, "import.too_many_strings") && !strings.Contains(msg, "distinct texts") {
		t.Logf("user error: %v", msg)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128*mb {
		t.Errorf("allocated %d MB refusing it", alloc/mb)
	}
	t.Logf("%d KB file refused in %v, %d MB allocated: %v", len(file)>>10, took, (after.TotalAlloc-before.TotalAlloc)/mb, err)

	// The text cap holds too: few strings, each large.
	big := `<si><t>` + strings.Repeat("长", 10000) + `</t></si>`
	file = replacePart(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "h"))
	}, "xl/sharedStrings.xml", head, []byte(big), []byte(`</sst>`), 200)
	_, err = openXLSXBytes(t, file, XLSXLimits{FileSize: 1 << 20})
	wantCode(t, err, CodeTooManyStrings)
}

// Shared strings within the caps read back; a workbook in proportion to a
// small size limit is refused by it.
func TestSharedStringsCaps(t *testing.T) {
	file := buildXLSX(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", "名"))
		for i := 2; i <= 3001; i++ {
			must(t, f.SetCellStr("Sheet1", "A"+strconv.Itoa(i), "v"+strconv.Itoa(i)))
		}
	})
	rr, err := openXLSXBytes(t, file, XLSXLimits{})
	must(t, err)
	rows, _ := readAll(t, rr)
	rr.Close()
	if len(rows) != 3000 || rows[2999].Cells[0] != "v3001" {
		t.Fatalf("%d rows", len(rows))
	}
	_, err = openXLSXBytes(t, file, XLSXLimits{MaxSharedStrings: 1000})
	wantCode(t, err, CodeTooManyStrings)
}

// Several sheets: the first visible one is read unless another is named;
// the reader says which it read and which there are; a name that is no
// sheet is refused with the list.
func TestXLSXSheetChoice(t *testing.T) {
	file := buildXLSX(t, func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "说明"))
		must(t, f.SetCellStr("说明", "A1", "read me"))
		_, err := f.NewSheet("客户")
		must(t, err)
		must(t, f.SetSheetRow("客户", "A1", &[]any{"手机", "姓名"}))
		must(t, f.SetSheetRow("客户", "A2", &[]any{"13800138000", "张三"}))
		_, err = f.NewSheet("hidden")
		must(t, err)
		must(t, f.SetSheetVisible("hidden", false))
	})
	open := func(sheet string) (*xlsxReader, error) {
		rr, err := OpenXLSXSheet(bytes.NewReader(file), int64(len(file)), XLSXLimits{}, sheet)
		if err != nil {
			return nil, err
		}
		return rr.(*xlsxReader), nil
	}
	x, err := open("")
	must(t, err)
	if x.Sheet() != "说明" || strings.Join(x.Sheets(), ",") != "说明,客户" || x.Header()[0] != "read me" {
		t.Errorf("default: sheet %q of %q, header %q", x.Sheet(), x.Sheets(), x.Header())
	}
	x.Close()
	x, err = open(" 客户 ")
	must(t, err)
	rows, _ := readAll(t, x)
	if x.Sheet() != "客户" || len(rows) != 1 || rows[0].Cells[1] != "张三" {
		t.Errorf("chosen: sheet %q rows %v", x.Sheet(), rows)
	}
	// A second pass reads the same rows without opening the workbook again.
	must(t, x.Rewind())
	again, _ := readAll(t, x)
	if len(again) != 1 || again[0].Line != 2 {
		t.Errorf("after Rewind: %v", again)
	}
	x.Close()
	_, err = open("nope")
	wantCode(t, err, CodeNoSheet)
	if fe := err.(*FileError); fe.Value != "说明, 客户" {
		t.Errorf("no sheet lists %q", fe.Value)
	}
}

// The counter finds tags split across writes, once each.
func TestSiCounter(t *testing.T) {
	text := []byte(strings.Repeat(`<si><t>x</t></si>`, 100) + `<si/>`)
	for _, step := range []int{1, 2, 3, 5, 7, 64, len(text)} {
		c := &siCounter{limit: 1000}
		for i := 0; i < len(text); i += step {
			_, err := c.Write(text[i:min(len(text), i+step)])
			must(t, err)
		}
		if c.n != 101 {
			t.Errorf("step %d: counted %d", step, c.n)
		}
	}
}
