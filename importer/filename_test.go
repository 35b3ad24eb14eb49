package importer

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateFileName(t *testing.T) {
	tests := []struct {
		name      string
		code      string // "" for valid
		value     string // the offending item reported
		detailHas string
	}{
		{name: "客户_2024.csv"},
		{name: "客户名单.XLSX"},
		{name: "Customers_2024_v2.Csv"},
		{name: `C:\Users\张三\Desktop\客户.csv`}, // old browsers send a path
		{name: "/tmp/upload/data.xlsx"},
		{name: "𠀀字.csv"}, // Han beyond the BMP (Extension B)
		{name: "客户 名单.csv", code: CodeBadName, value: " ", detailHas: "U+0020"},
		{name: "a-b.csv", code: CodeBadName, value: "-", detailHas: `'-'`},
		{name: "a.b.csv", code: CodeBadName, value: "."},
		{name: "客户（1）.csv", code: CodeBadName, value: "（"}, // full-width punctuation is not Han
		{name: "１２３.csv", code: CodeBadName, value: "１"},   // full-width digits
		{name: "données.csv", code: CodeBadName, value: "é"},
		{name: "名单\x00.csv", code: CodeBadName, value: "\x00"},
		{name: "\xff.csv", code: CodeBadName, value: "\uFFFD"},
		{name: ".csv", code: CodeBadName},
		{name: strings.Repeat("客", MaxFileNameLength) + ".csv"},
		{name: strings.Repeat("客", MaxFileNameLength+1) + ".csv", code: CodeBadName},
		{name: "data.xls", code: CodeBadExtension, value: ".xls"},
		{name: "data.csv.exe", code: CodeBadExtension, value: ".exe"},
		{name: "data", code: CodeBadExtension},
		{name: "data.", code: CodeBadExtension, value: "."},
		{name: "", code: CodeBadExtension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateFileName(tt.name)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *FileError", err)
			}
			if fe.Code != tt.code || fe.Value != tt.value {
				t.Fatalf("code %q value %q, want %q %q (%v)", fe.Code, fe.Value, tt.code, tt.value, err)
			}
			if !strings.Contains(fe.Error(), tt.detailHas) {
				t.Fatalf("message %q does not say %q", fe.Error(), tt.detailHas)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"a.csv": FormatCSV, "a.CSV": FormatCSV, "a.xlsx": FormatXLSX, "a.XlSx": FormatXLSX, "a.xls": "", "csv": ""} {
		got, ok := FormatOf(name)
		if got != want || ok != (want != "") {
			t.Errorf("FormatOf(%q) = %q, %v", name, got, ok)
		}
	}
}

func TestCheckSize(t *testing.T) {
	if err := CheckSize(DefaultMaxFileSize, DefaultMaxFileSize); err != nil {
		t.Fatal(err)
	}
	err := CheckSize(DefaultMaxFileSize+1, DefaultMaxFileSize)
	wantCode(t, err, CodeTooLarge)
}
