package importer

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// sampleCSV is what a person saves from Excel: a Chinese header, a quoted
// cell over two lines, blank lines and a ",,," row, a row too wide and one
// too short.
const sampleCSV = "姓名,手机,备注\r\n" + // 1
	"张三,013800138000,\"第一行\r\n第二行\"\r\n" + // 2–3
	"李四,+8613900000000,\"说 \"\"你好\"\"\"\r\n" + // 4
	"\r\n" + // 5
	",,\r\n" + // 6
	"王五,1,2,3\r\n" + // 7: too many cells
	"赵六\r\n" + // 8: missing trailing cells
	"钱七,1,2,,\r\n" // 9: blank extra cells are dropped

var sampleHeader = []string{"姓名", "手机", "备注"}

var sampleRows = []row{
	{2, []string{"张三", "013800138000", "第一行\n第二行"}},
	{4, []string{"李四", "+8613900000000", `说 "你好"`}},
	{8, []string{"赵六", "", ""}},
	{9, []string{"钱七", "1", "2"}},
}

func encode(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenCSVEncodings(t *testing.T) {
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM) // the encoder writes the BOM
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	tests := []struct {
		name string
		file []byte
		enc  Encoding
	}{
		{"utf-8", []byte(sampleCSV), UTF8},
		{"utf-8 BOM", []byte("\uFEFF" + sampleCSV), UTF8BOM},
		{"GBK", encode(t, simplifiedchinese.GBK, sampleCSV), GB18030},
		{"GB18030", encode(t, simplifiedchinese.GB18030, sampleCSV), GB18030},
		{"GB18030 BOM", encode(t, simplifiedchinese.GB18030, "\uFEFF"+sampleCSV), GB18030},
		{"UTF-16LE BOM", encode(t, utf16le, sampleCSV), UTF16LE},
		{"UTF-16BE BOM", encode(t, utf16be, sampleCSV), UTF16BE},
		// Excel's "Unicode Text" is UTF-16LE and tab-separated.
		{"UTF-16LE tabs", encode(t, utf16le, strings.ReplaceAll(sampleCSV, ",", "\t")), UTF16LE},
		{"LF endings", []byte(strings.ReplaceAll(sampleCSV, "\r\n", "\n")), UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr, err := OpenCSV(bytes.NewReader(tt.file))
			must(t, err)
			defer rr.Close()
			if got := rr.(interface{ Encoding() Encoding }).Encoding(); got != tt.enc {
				t.Errorf("encoding %q, want %q", got, tt.enc)
			}
			if !slices.Equal(rr.Header(), sampleHeader) {
				t.Fatalf("header %q", rr.Header())
			}
			rows, errs := readAll(t, rr)
			if !slices.EqualFunc(rows, sampleRows, func(a, b row) bool { return a.Line == b.Line && slices.Equal(a.Cells, b.Cells) }) {
				t.Errorf("rows\n got %v\nwant %v", rows, sampleRows)
			}
			if re := errs[7]; len(errs) != 1 || re == nil || re.Code != CodeTooManyCells || re.Line != 7 {
				t.Errorf("row errors %v, want too_many_cells on line 7", errs)
			}
		})
	}
}

// A file whose first 64 KB are ASCII and whose Chinese comes later must still
// be decoded right: the decision waits for the first non-ASCII byte.
func TestDecodingLateNonASCII(t *testing.T) {
	var b strings.Builder
	b.WriteString("phone,name\r\n")
	for b.Len() < 3*sniffSize {
		b.WriteString("13800138000,Zhang San\r\n")
	}
	b.WriteString("13900000000,王五\r\n")
	text := b.String()
	for _, tt := range []struct {
		name string
		file []byte
		enc  Encoding
	}{
		{"utf-8", []byte(text), UTF8},
		{"gbk", encode(t, simplifiedchinese.GBK, text), GB18030},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, enc, err := NewDecodingReader(bytes.NewReader(tt.file))
			must(t, err)
			if enc != UTF8 {
				t.Errorf("provisional encoding %q, want utf-8", enc)
			}
			got, err := io.ReadAll(r)
			must(t, err)
			if string(got) != text {
				t.Errorf("decoded text differs; tail %q", got[len(got)-40:])
			}
			if final := r.(*DecodingReader).Encoding(); final != tt.enc {
				t.Errorf("final encoding %q, want %q", final, tt.enc)
			}
		})
	}
}

func TestDecodingSmallInputs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string
		enc  Encoding
	}{
		{"", "", UTF8},
		{"a", "a", UTF8},
		{"\uFEFF", "", UTF8BOM},
		{"\xEF\xBB", "锘", GB18030}, // half a BOM: not UTF-8, so GB18030
		{"\xFF\xFE", "", UTF16LE},
		{"\xFF\xFEa", "\uFFFD", UTF16LE}, // an odd byte left over
		{"\xd6\xd0\xce\xc4", "中文", GB18030},
		{"中文", "中文", UTF8},
	} {
		r, enc, err := NewDecodingReader(strings.NewReader(tt.in))
		must(t, err)
		got, err := io.ReadAll(r)
		must(t, err)
		if string(got) != tt.want || enc != tt.enc {
			t.Errorf("%q: decoded %q as %q, want %q as %q", tt.in, got, enc, tt.want, tt.enc)
		}
	}
}

// A UTF-8 file with one damaged row stays UTF-8: the damaged row is
// rejected, the others read right. A GBK file with a byte GBK does not know
// rejects that row too.
func TestCSVBadEncodingRows(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("姓名,城市\n")
	for range 60 { // 240 good characters to 2 bad bytes: see looksUTF8
		b.WriteString("张三,北京\n")
	}
	b.WriteString("李四,\xff\xfe\n") // line 62
	b.WriteString("王五,上海\n")
	t.Run("utf-8", func(t *testing.T) {
		rr, err := OpenCSV(bytes.NewReader(b.Bytes()))
		must(t, err)
		rows, errs := readAll(t, rr)
		if len(rows) != 61 || rows[60].Cells[1] != "上海" {
			t.Fatalf("rows: %d, last %+q", len(rows), rows[len(rows)-1].Cells)
		}
		if re := errs[62]; re == nil || re.Code != CodeBadEncoding || re.Column != "城市" {
			t.Fatalf("row errors %v", errs)
		}
		if strings.Contains(errs[62].Error(), "\xff") {
			t.Fatal("the error quotes the cell")
		}
	})
	t.Run("gbk", func(t *testing.T) {
		gbk := encode(t, simplifiedchinese.GBK, "姓名,城市\n张三,北京\n")
		gbk = append(gbk, "x,\xff\n"...) // 0xFF is no GBK byte
		gbk = append(gbk, encode(t, simplifiedchinese.GBK, "王五,上海\n")...)
		rr, err := OpenCSV(bytes.NewReader(gbk))
		must(t, err)
		rows, errs := readAll(t, rr)
		if len(rows) != 2 || rows[1].Cells[1] != "上海" || errs[3] == nil || errs[3].Code != CodeBadEncoding {
			t.Fatalf("rows %v, errors %v", rows, errs)
		}
	})
	t.Run("NUL", func(t *testing.T) {
		rr, err := OpenCSV(strings.NewReader("a,b\nx,y\x00z\n"))
		must(t, err)
		_, errs := readAll(t, rr)
		if errs[2] == nil || errs[2].Code != CodeBadEncoding {
			t.Fatalf("errors %v", errs)
		}
	})
}

func TestOpenCSVHeader(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		header     []string
		code       string
	}{
		{"empty", "", nil, CodeEmpty},
		{"blank lines only", "\r\n\r\n,,,\r\n", nil, CodeEmpty},
		{"BOM only", "\uFEFF", nil, CodeEmpty},
		{"trimmed, trailing separators dropped", " 姓名 ,\t手机\t,,\r\n", []string{"姓名", "手机"}, ""},
		{"leading blank lines", "\n\n姓名,手机\n张三,1\n", []string{"姓名", "手机"}, ""},
		{"double BOM", "\uFEFF\uFEFF姓名,手机\n", []string{"姓名", "手机"}, ""},
		{"stray CR", "姓名,手机\r\r\n", []string{"姓名", "手机"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr, err := OpenCSV(strings.NewReader(tt.file))
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			must(t, err)
			if !slices.Equal(rr.Header(), tt.header) {
				t.Fatalf("header %q, want %q", rr.Header(), tt.header)
			}
		})
	}
}

func TestCSVLineNumbers(t *testing.T) {
	file := "\n" + // 1: blank
		"a,b\n" + // 2: header
		"1,\"x\n\ny\"\n" + // 3–5
		"2,\"\"\"\n\"\"\"\n" + // 6–7
		"3,plain\r\r\n" + // 8, with a stray CR
		"4,\"unterminated\n" + // 9–: LazyQuotes takes the rest of the file
		"5,z\n"
	rr, err := OpenCSV(strings.NewReader(file))
	must(t, err)
	rows, errs := readAll(t, rr)
	want := []row{
		{3, []string{"1", "x\n\ny"}},
		{6, []string{"2", "\"\n\""}},
		{8, []string{"3", "plain"}},
		{9, []string{"4", "unterminated\n5,z\n"}},
	}
	if len(errs) != 0 || !slices.EqualFunc(rows, want, func(a, b row) bool { return a.Line == b.Line && slices.Equal(a.Cells, b.Cells) }) {
		t.Fatalf("rows %v errors %v", rows, errs)
	}
}

type failingReader struct{ after int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, io.ErrClosedPipe
	}
	n := copy(p, bytes.Repeat([]byte("a,b\n"), 1+len(p)/4)[:min(len(p), f.after)])
	f.after -= n
	return n, nil
}

// A failure of the underlying reader is fatal and sticky, and not a file
// error: CodeOf is "".
func TestCSVReaderFailure(t *testing.T) {
	rr, err := OpenCSV(&failingReader{after: 4 * sniffSize})
	must(t, err)
	for {
		_, _, err = rr.Next()
		if err != nil {
			break
		}
	}
	if err == io.EOF || CodeOf(err) != "" || IsRowError(err) {
		t.Fatalf("error %v", err)
	}
	if _, _, again := rr.Next(); again != err {
		t.Fatalf("second error %v", again)
	}
}

// cleanText against the rule it implements, rune by rune: no invalid
// UTF-8, no U+FFFD, no NUL.
func TestCleanTextAgreesWithRuneByRune(t *testing.T) {
	reference := func(s string) bool {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || r == 0 {
				return false
			}
			i += size
		}
		return true
	}
	pieces := []string{"", "a", "张三", "\x00", "\uFFFD", "\xff", "\xe4\xb8", "１３８", "😀", " ", "\xed\xa0\x80"}
	rng := rand.New(rand.NewPCG(3, 9))
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		if s := b.String(); cleanText(s) != reference(s) {
			t.Fatalf("cleanText(%q) = %v, want %v", s, cleanText(s), reference(s))
		}
	}
}
