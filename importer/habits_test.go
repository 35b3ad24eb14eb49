package importer

import (
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
	"github.com/screenpop/screenpop/tables"
)

// Excel's habits: columns moved around still import by name; a file whose
// first row is data says it has no header, without repeating that row.
func TestImportExcelHabits(t *testing.T) {
	e := newJobEnv(t)
	e.start(Options{})
	ctx := context.Background()

	moved := csvText([]string{"生日", "姓名", "积分", "手机", "等级", "备用电话"},
		[]string{"2024-03-05", "张三", "12", "13800138000", "VIP", "010-1234"})
	job := e.importFile("名单.csv", []byte(moved), ModeSkip)
	wantDone(t, job, 1, 0, 0)
	if got := e.record("13800138000"); got["姓名"] != "张三" || got["生日"] != "2024-03-05" || got["等级"] != "2" || got["备用电话"] != "010-1234" {
		t.Fatalf("record %v", got)
	}

	// Phones as trunks and spreadsheets write them, dates and amounts as
	// typed, labels in any case or width: stored canonical, found by any form.
	forms := csvText(customerHeader,
		[]string{"8613900139000", "甲", "", "vip", `"¥1,234.50"`, "2024年3月5日"},
		[]string{"０１３７００１３７０００", "乙", "", "ＶＩＰ", "(12.50)", "20240305"},
		[]string{"+86 136 0013 6000", "丙", "", "普通", `"1 234,50"`, "2024.3.5"})
	job = e.importFile("名单.csv", []byte(forms), ModeSkip)
	for _, is := range e.issues(job.ID) {
		t.Logf("line %d %s: %s", is.Line, is.Column, is.Message.In(i18n.English))
	}
	wantDone(t, job, 3, 0, 0)
	for _, tc := range []struct{ find, phone, level, points string }{
		{"13900139000", "13900139000", "2", "1234.50"},
		{"013700137000", "13700137000", "2", "-12.50"},
		{"8613600136000", "13600136000", "1", "1234.50"},
	} {
		got := e.record(tc.find)
		if got == nil || got["手机"] != tc.phone || got["等级"] != tc.level || got["积分"] != tc.points || got["生日"] != "2024-03-05" {
			t.Errorf("found by %s: %v", tc.find, got)
		}
	}

	// Bytes in no encoding we read: said so, and nothing of them repeated.
	garbled := append([]byte{0x81, 0x30, 0xff, 0xfe, 0x00, 0x41, 0x2c}, []byte("\x00\xff\x80,1\n")...)
	_, err := e.s.Create(ctx, e.upload("名单.csv", garbled, ModeSkip))
	if ae, ok := apperr.As(err); !ok || (ae.Message.Key != "import.bad_encoding" && ae.Message.Key != "import.no_header") {
		t.Fatalf("garbled file: %v", err)
	}

	headless := csvText([]string{"13900139000", "李四", "110101199003071421", "VIP", "1", "2024-03-05"})
	_, err = e.s.Create(ctx, e.upload("名单.csv", []byte(headless), ModeSkip))
	ae, ok := apperr.As(err)
	if !ok || ae.Message.Key != "import.no_header" {
		t.Fatalf("headless file: %v", err)
	}
	for _, lang := range []string{i18n.English, i18n.Chinese} {
		text := ae.In(lang)
		for _, f := range ae.Fields {
			text += " " + f.In(lang)
		}
		if strings.Contains(text, "13900139000") || strings.Contains(text, "李四") || strings.Contains(text, "110101") || !strings.Contains(text, "手机") {
			t.Errorf("%s: %s", lang, text)
		}
	}
}

// Line numbers in messages are the spreadsheet's, without digit grouping.
func TestDuplicateLineNotGrouped(t *testing.T) {
	is := duplicateIssue(newJobEnvSchema(), 12000, 12345)
	for _, lang := range []string{i18n.English, i18n.Chinese} {
		if msg := is.Message.In(lang); !strings.Contains(msg, "12345") || strings.Contains(msg, "12,345") {
			t.Errorf("%s: %s", lang, msg)
		}
	}
}

// newJobEnvSchema is a schema with an index, without a database.
func newJobEnvSchema() *tables.Schema {
	return tables.NewSchema(&tables.Table{ID: 1, TenantID: 1, Name: "t", Status: tables.Published,
		Fields: []*tables.Field{{ID: 1, Name: "手机", IsIndex: true, Type: tables.TypeString}}})
}

// An 18-digit ID that Excel stored as a number has lost its last digits:
// the row is rejected with a reason that says so, never stored rounded.
func TestImportXLSXRoundedID(t *testing.T) {
	e := newJobEnvWith(t, roundTripFields[:3])
	e.start(Options{})
	is := func(ref, s string) string { return `<c r="` + ref + `" t="inlineStr"><is><t>` + s + `</t></is></c>` }
	sheet := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1">` + is("A1", "手机") + is("B1", "备注") + is("C1", "证件号") + `</row>` +
		`<row r="2">` + is("A2", "13800138000") + `<c r="C2"><v>1.10101199003071E+17</v></c></row>` +
		`<row r="3">` + is("A3", "13900139000") + is("C3", "110101199003071421") + `</row>` +
		`</sheetData></worksheet>`
	file := replacePart(t, func(f *excelize.File) { must(t, f.SetCellStr("Sheet1", "A1", "x")) },
		"xl/worksheets/sheet1.xml", []byte(sheet), nil, nil, 0)
	job := e.importFile("名单.xlsx", file, ModeSkip)
	wantDone(t, job, 1, 0, 1)
	issues := e.issues(job.ID)
	if len(issues) != 1 || issues[0].Line != 2 || issues[0].Column != "证件号" || issues[0].Message.Key != "import.row.lost_digits" ||
		!strings.Contains(issues[0].Message.In(i18n.English), "15 digits") {
		t.Fatalf("issues %+v", issues)
	}
	if got := e.record("13900139000"); got["证件号"] != "110101199003071421" {
		t.Errorf("text ID stored as %q", got["证件号"])
	}
	if got := e.record("13800138000"); got != nil {
		t.Errorf("rounded row stored: %v", got)
	}
}
