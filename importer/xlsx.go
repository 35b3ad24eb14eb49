package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSXLimits bound what opening one XLSX may cost. A zero field takes its
// default.
type XLSXLimits struct {
	// UnzipSizeLimit is the most that all entries of the zip may decompress
	// to, together. Default 200 MB: ten times the 20 MB upload limit, which
	// is more than real workbooks need (sheet XML of typed-in data
	// compresses 5–10×; shared strings keep repeated text small) and far
	// below what a zip bomb asks for (deflate reaches ~1000×, so a 20 MB
	// upload could claim 20 GB).
	UnzipSizeLimit int64
	// UnzipXMLSizeLimit is the size above which excelize spills a worksheet
	// or the shared-string table to a temporary file instead of holding it
	// in memory; every other part (workbook, styles, relationships…) is
	// always held in memory and parsed whole, so a part larger than this is
	// refused. Default 16 MB, excelize's own default: it caps what one
	// import job holds per part, so several jobs can run side by side on a
	// small server, while the largest sheets still stream from disk.
	UnzipXMLSizeLimit int64
}

// Default XLSX limits; see XLSXLimits.
const (
	DefaultUnzipSizeLimit    int64 = 200 << 20
	DefaultUnzipXMLSizeLimit int64 = 16 << 20
)

var errClosed = errors.New("importer: reader is closed")

// maxZipEntries bounds the zip's directory. A workbook has a few dozen
// parts; tens of thousands of entries is an attack on the per-entry work.
const maxZipEntries = 10_000

func (l XLSXLimits) withDefaults() XLSXLimits {
	if l.UnzipSizeLimit <= 0 {
		l.UnzipSizeLimit = DefaultUnzipSizeLimit
	}
	if l.UnzipXMLSizeLimit <= 0 {
		l.UnzipXMLSizeLimit = min(DefaultUnzipXMLSizeLimit, l.UnzipSizeLimit)
	}
	l.UnzipXMLSizeLimit = min(l.UnzipXMLSizeLimit, l.UnzipSizeLimit)
	return l
}

// oleMagic starts a Compound File: a legacy .xls, or an .xlsx encrypted with
// a password to open (Excel wraps those in one).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// OpenXLSX starts reading the first visible sheet of the XLSX of size bytes
// in r and reads its header row.
//
// Before excelize sees the file, every zip entry is checked: the sizes the
// directory declares against limits (CodeZipBomb), then each entry is
// decompressed to nowhere to verify its size and checksum (CodeCorrupt). The
// second pass is needed because excelize ignores decompression errors (its
// readFile discards io.Copy's error), which would turn a damaged or forged
// entry into silently truncated XML and an import that "succeeds" with rows
// missing; archive/zip stops reading any entry at its declared size, so both
// passes run in constant memory. Then the file is handed to excelize with the
// same limits, and its panics are recovered into CodeCorrupt errors.
//
// excelize reads the whole compressed file into memory (it has no
// io.ReaderAt entry point), so the caller bounds size first (CheckSize).
//
// Cell values: text is returned as stored, so a text phone "013800138000" or
// "+8613800138000" keeps its leading zero or plus. Numbers are returned as
// plain decimals without exponent or grouping ("13800138000", not
// "1.38e+10"), with Excel's 15 significant digits ("0.3", not
// "0.30000000000000004"); a number shown zero-padded by its format
// ("00000000000") keeps its padding. Dates and times are returned as
// "2006-01-02", "15:04:05" or "2006-01-02 15:04:05", whichever parts the
// cell's format shows. See cellText for how.
func OpenXLSX(r io.ReaderAt, size int64, limits XLSXLimits) (rr RowReader, err error) {
	lim := limits.withDefaults()
	if size > lim.UnzipSizeLimit {
		return nil, &FileError{
			Code:   CodeTooLarge,
			Detail: fmt.Sprintf("file is %d bytes, more than the %d it may unzip to", size, lim.UnzipSizeLimit),
			Value:  strconv.FormatInt(lim.UnzipSizeLimit, 10),
		}
	}
	magic := make([]byte, len(oleMagic))
	if _, err := r.ReadAt(magic, 0); err == nil && bytes.Equal(magic, oleMagic) {
		return nil, &FileError{Code: CodeUnsupported, Detail: "the file is a legacy .xls or a password-protected workbook, not an .xlsx"}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, &FileError{Code: CodeCorrupt, Detail: "the file is not a valid .xlsx (zip) file", Err: err}
	}
	if err := checkZip(zr, lim); err != nil {
		return nil, err
	}

	var x xlsxReader
	defer func() {
		if p := recover(); p != nil {
			rr, err = nil, parserPanic(p)
		}
		if err != nil {
			_ = x.Close() // removes excelize's temporary files
		}
	}()
	x.f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit:    lim.UnzipSizeLimit,
		UnzipXMLSizeLimit: lim.UnzipXMLSizeLimit,
	})
	if err != nil {
		return nil, &FileError{Code: CodeCorrupt, Detail: "the workbook could not be opened", Err: err}
	}
	if err := x.open(); err != nil {
		return nil, err
	}
	return &x, nil
}

// checkZip enforces lim on the declared sizes of zr's entries, then verifies
// that each entry decompresses to exactly its declared size and checksum.
func checkZip(zr *zip.Reader, lim XLSXLimits) error {
	if len(zr.File) > maxZipEntries {
		return &FileError{Code: CodeZipBomb, Detail: fmt.Sprintf("the zip has %d entries, at most %d are allowed", len(zr.File), maxZipEntries)}
	}
	limit, xmlLimit := uint64(lim.UnzipSizeLimit), uint64(lim.UnzipXMLSizeLimit)
	var total uint64
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		if size > limit || total+size > limit {
			return &FileError{
				Code:   CodeZipBomb,
				Detail: fmt.Sprintf("the workbook unzips to more than %d bytes", limit),
				Value:  strconv.FormatInt(lim.UnzipSizeLimit, 10),
			}
		}
		total += size
		if size > xmlLimit && !streamedPart(zf.Name) {
			return &FileError{
				Code:   CodeZipBomb,
				Detail: fmt.Sprintf("part %q unzips to %d bytes, more than the %d allowed in memory", zf.Name, size, xmlLimit),
				Value:  strconv.FormatInt(lim.UnzipXMLSizeLimit, 10),
			}
		}
	}
	for _, zf := range zr.File {
		if err := verifyEntry(zf); err != nil {
			return &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("zip entry %q is damaged", zf.Name), Err: err}
		}
	}
	return nil
}

// streamedPart reports whether excelize may spill the part to a temporary
// file rather than hold it in memory (excelize's ReadZipReader).
func streamedPart(name string) bool {
	name = strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	return strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
}

func verifyEntry(zf *zip.File) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// parserPanic turns a panic inside excelize into a CodeCorrupt error:
// crafted files have crashed XLSX parsers before, and one upload must not
// take the server down.
func parserPanic(p any) error {
	return &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("the XLSX parser failed: %v", p)}
}

// xlsxReader reads one sheet through two excelize row iterators kept in
// lockstep over the same XML: one yields raw stored values, the other the
// values as their number formats display them. The iterators do not expose a
// cell's type or style, and the pair is what tells a date (raw 45306, shown
// "1/15/24") from a currency amount (raw 1234.5, shown "¥1,234.50") from a
// text cell (raw and shown alike); cellText makes the choice. The price is
// parsing the sheet XML twice; memory stays that of one row.
type xlsxReader struct {
	f         *excelize.File
	raw, disp *excelize.Rows
	date1904  bool
	header    []string
	row       int   // number of the row the iterators are on
	err       error // sticky fatal error
}

func (x *xlsxReader) open() error {
	sheet, err := firstVisibleSheet(x.f)
	if err != nil {
		return err
	}
	if props, err := x.f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		x.date1904 = *props.Date1904
	}
	if x.raw, err = x.f.Rows(sheet); err != nil {
		return &FileError{Code: CodeCorrupt, Detail: "the first sheet could not be read", Err: err}
	}
	if x.disp, err = x.f.Rows(sheet); err != nil {
		return &FileError{Code: CodeCorrupt, Detail: "the first sheet could not be read", Err: err}
	}
	for {
		_, cells, err := x.next()
		if err == io.EOF {
			return &FileError{Code: CodeEmpty, Detail: "the first sheet has no header row"}
		}
		if err != nil {
			return err
		}
		if blankRow(cells) {
			continue
		}
		h := make([]string, len(cells))
		for i, s := range cells {
			h[i] = cleanHeaderCell(s)
		}
		x.header = trimTrailingBlank(h)
		return nil
	}
}

// firstVisibleSheet returns the first sheet a person sees when opening the
// workbook; templates keep their choice lists on a hidden sheet after it.
func firstVisibleSheet(f *excelize.File) (string, error) {
	sheets := f.GetSheetList()
	for _, name := range sheets {
		if visible, err := f.GetSheetVisible(name); err == nil && visible {
			return name, nil
		}
	}
	if len(sheets) > 0 {
		return sheets[0], nil
	}
	return "", &FileError{Code: CodeCorrupt, Detail: "the workbook has no sheet"}
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (int, []string, error) {
	for {
		line, cells, err := x.next()
		if err != nil {
			return line, nil, err
		}
		if blankRow(cells) {
			continue
		}
		cells, err = fitRow(line, x.header, cells)
		return line, cells, err
	}
}

// next advances both iterators by one row and merges their cells.
func (x *xlsxReader) next() (line int, cells []string, err error) {
	if x.err != nil {
		return 0, nil, x.err
	}
	defer func() {
		if p := recover(); p != nil {
			line, cells, err = 0, nil, parserPanic(p)
		}
		if err != nil && err != io.EOF {
			x.err = err
		}
	}()
	okRaw, okDisp := x.raw.Next(), x.disp.Next()
	if !okRaw || !okDisp {
		if err := errors.Join(x.raw.Error(), x.disp.Error()); err != nil {
			return 0, nil, &FileError{Code: CodeCorrupt, Detail: "the sheet could not be read", Err: err}
		}
		if okRaw != okDisp {
			return 0, nil, &FileError{Code: CodeCorrupt, Detail: "the sheet's row iterators went out of step"}
		}
		x.err = io.EOF
		return 0, nil, io.EOF
	}
	x.row++
	raw, err := x.raw.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("row %d could not be read", x.row), Err: err}
	}
	disp, err := x.disp.Columns()
	if err != nil {
		return 0, nil, &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("row %d could not be read", x.row), Err: err}
	}
	cells = make([]string, max(len(raw), len(disp)))
	for i := range cells {
		var r, d string
		if i < len(raw) {
			r = raw[i]
		}
		if i < len(disp) {
			d = disp[i]
		}
		cells[i] = cellText(r, d, x.date1904)
	}
	return x.row, cells, nil
}

// Close closes the iterators and the workbook, which removes excelize's
// temporary files.
func (x *xlsxReader) Close() error {
	if x.err == nil || x.err == io.EOF {
		x.err = errClosed
	}
	x.closeRows()
	if x.f == nil {
		return nil
	}
	err := x.f.Close()
	x.f = nil
	return err
}

// closeRows closes the iterators' temporary file handles. Their errors are
// not reported: a read error was already returned by Next, and Rows.Close
// repeats it.
func (x *xlsxReader) closeRows() {
	for _, rows := range []*excelize.Rows{x.raw, x.disp} {
		if rows != nil {
			_ = rows.Close()
		}
	}
	x.raw, x.disp = nil, nil
}
