package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/screenpop/screenpop/tables"
)

// benchHeader is a 12-column table like the ones tenants import.
var benchHeader = []string{"手机", "姓名", "性别", "城市", "地址", "邮箱", "级别", "积分", "生日", "注册时间", "备注", "来源"}

func benchRow(i int) []string {
	return []string{
		fmt.Sprintf("138%08d", i), "张三丰", "男", "北京", "朝阳区建国路88号SOHO现代城A座", fmt.Sprintf("user%d@example.com", i),
		"金卡", fmt.Sprint(i % 10000), "1990-01-15", "2024-01-15 10:30:00", "VIP 客户，每月回访一次", "官网",
	}
}

// benchCSV is ~20 MB of UTF-8 CSV, the upload limit, built once.
var benchCSV = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	w, err := NewCSVExport(&buf, benchHeader)
	if err != nil {
		panic(err)
	}
	for i := 0; buf.Len() < 20<<20; i++ {
		if err := w.Write(benchRow(i)); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

func BenchmarkCSVRead(b *testing.B) {
	utf8File := benchCSV()
	gbkFile, err := simplifiedchinese.GBK.NewEncoder().Bytes(utf8File[len(utf8BOM):])
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name string
		file []byte
	}{{"utf-8", utf8File}, {"gbk", gbkFile}} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.file)))
			b.ReportAllocs()
			for b.Loop() {
				rr, err := OpenCSV(bytes.NewReader(bm.file))
				if err != nil {
					b.Fatal(err)
				}
				rows := readRows(b, rr)
				b.ReportMetric(float64(rows), "rows/op")
			}
		})
	}
}

// BenchmarkXLSXRead reads a 100,000-row XLSX export; MB/s is of the
// compressed file.
func BenchmarkXLSXRead(b *testing.B) {
	cols := make([]Column, len(benchHeader))
	for i, h := range benchHeader {
		cols[i] = Column{Name: h, Text: i == 0}
	}
	var buf bytes.Buffer
	w, err := NewXLSXExport(&buf, cols)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100_000 {
		if err := w.Write(benchRow(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		rr, err := OpenXLSX(bytes.NewReader(file), int64(len(file)), XLSXLimits{})
		if err != nil {
			b.Fatal(err)
		}
		rows := readRows(b, rr)
		if err := rr.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rows), "rows/op")
	}
}

func readRows(b *testing.B, rr RowReader) int {
	n := 0
	for {
		_, _, err := rr.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkSurvey is an import's first pass over the 20 MB CSV: read every
// row and find the rows that win (the light survey of a skip-mode job).
func BenchmarkSurvey(b *testing.B) {
	fields := make([]*tables.Field, len(benchHeader))
	for i, h := range benchHeader {
		fields[i] = &tables.Field{ID: int64(i + 1), Name: h, Type: tables.TypeString, Length: 256}
	}
	fields[0].IsIndex, fields[0].Encrypted, fields[0].Masked, fields[0].MaskStyle, fields[0].Length = true, true, true, tables.MaskLastFour, 20
	sc := tables.NewSchema(&tables.Table{ID: 1, Status: tables.Published, Fields: fields})
	file := benchCSV()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		rr, err := OpenCSV(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		sv, err := newRowChecker(sc, rr.Header()).surveyFile(context.Background(), rr, false, rowsHint(FormatCSV, file))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sv.total), "rows/op")
	}
}
