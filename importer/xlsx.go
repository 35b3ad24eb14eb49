package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	// UnzipXMLSizeLimit bounds every part but the sheets (streamed row by
	// row) and the shared strings (capped below): workbook, styles and
	// relationships are small in any real file. Default 16 MB.
	UnzipXMLSizeLimit int64
	// MaxSharedStrings and MaxSharedStringBytes cap the shared-string
	// table, the one part held in memory whose size the zip does not
	// bound in practice (11.6 million one-character strings zip to
	// 480 KB). Zero derives them from FileSize (see withDefaults).
	MaxSharedStrings     int64
	MaxSharedStringBytes int64
	// FileSize is the upload limit the caps are in proportion to; zero is
	// DefaultMaxFileSize.
	FileSize int64
	// Stored says the file is an import's stored copy: it passed these
	// checks when it was uploaded, and it is read back sealed (AEAD), so it
	// is the same bytes. Its entries are not unzipped once more just to
	// verify their checksums (a 20 MB workbook's most costly pass after
	// the two reads of its sheet); the sizes are still checked.
	Stored bool
}

// Default XLSX limits; see XLSXLimits.
const (
	DefaultUnzipSizeLimit    int64 = 200 << 20
	DefaultUnzipXMLSizeLimit int64 = 16 << 20
)

// Shared strings in proportion to the file-size limit: a real workbook
// spends at least a few compressed bytes on each cell that refers to a
// shared string (the 20 MB customer file of 190,000 rows × 12 columns
// spends 9), so a file within the limit cannot use more than one string per
// sharedStringCost bytes of it; their text, held in memory, at most
// sharedTextFactor times the limit. For the default 20 MB: 2.6 million
// strings and 60 MB of text.
const (
	sharedStringCost = 8
	sharedTextFactor = 3
)

var errClosed = errors.New("importer: reader is closed")

// maxZipEntries bounds the zip's directory. A workbook has a few dozen
// parts; tens of thousands of entries is an attack on the per-entry work.
const maxZipEntries = 10_000

// maxColumns is Excel's last column (XFD): a cell beyond it is corrupt.
const maxColumns = 16_384

func (l XLSXLimits) withDefaults() XLSXLimits {
	if l.UnzipSizeLimit <= 0 {
		l.UnzipSizeLimit = DefaultUnzipSizeLimit
	}
	if l.UnzipXMLSizeLimit <= 0 {
		l.UnzipXMLSizeLimit = min(DefaultUnzipXMLSizeLimit, l.UnzipSizeLimit)
	}
	l.UnzipXMLSizeLimit = min(l.UnzipXMLSizeLimit, l.UnzipSizeLimit)
	if l.FileSize <= 0 {
		l.FileSize = DefaultMaxFileSize
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = max(l.FileSize/sharedStringCost, 1000)
	}
	if l.MaxSharedStringBytes <= 0 {
		l.MaxSharedStringBytes = max(l.FileSize*sharedTextFactor, 1<<20)
	}
	return l
}

// oleMagic starts a Compound File: a legacy .xls, or an .xlsx encrypted with
// a password to open (Excel wraps those in one).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// OpenXLSX starts reading the first visible sheet of the XLSX of size bytes
// in r and reads its header row; see OpenXLSXSheet.
func OpenXLSX(r io.ReaderAt, size int64, limits XLSXLimits) (RowReader, error) {
	return OpenXLSXSheet(r, size, limits, "")
}

// OpenXLSXSheet starts reading the named sheet ("" for the first visible
// one) of the XLSX of size bytes in r and reads its header row. The reader
// also has Sheet() string (the sheet read), Sheets() []string (the visible
// sheets) and Rewind() error (back to the first data row, without reading
// the workbook's other parts again). A name that is no sheet is a
// *FileError of CodeNoSheet whose Value lists the visible sheets.
//
// Before anything is parsed, every zip entry is checked: the sizes the
// directory declares against limits (CodeZipBomb), then each entry is
// decompressed to nowhere to verify its size and checksum (CodeCorrupt), so
// a damaged or forged entry is refused before a row is read, in constant
// memory. The parts are then read with encoding/xml, straight from the zip
// (xlsxparts.go): the shared strings within their caps, the number format
// of every style decided once, and the sheet one row at a time; nothing
// else of the workbook is held, and no temporary file is written.
//
// Cell values: text is returned as stored, so a text phone "013800138000"
// or "+8613800138000" keeps its leading zero or plus. Numbers are returned
// as Excel shows them, without decoration: plain decimals without exponent
// or grouping ("13800138000", not "1.38e+10"), with Excel's 15 significant
// digits ("0.3", not "0.30000000000000004"), with the decimals their format
// shows ("0.00" shows 62744.6 as "62744.60"; a format never cuts digits the
// value has), zero-padded when the format pads ("00000000000"), percent as
// the value ("0.5"). Dates and times are returned as "2006-01-02",
// "15:04:05" or "2006-01-02 15:04:05", whichever parts the format shows.
// A number of 16 to 19 digits in exponent form, an ID or card number Excel
// has already rounded to 15 digits, rejects its row (CodeLostDigits).
func OpenXLSXSheet(r io.ReaderAt, size int64, limits XLSXLimits, sheet string) (rr RowReader, err error) {
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
	// Every entry is unzipped once to check it (verifyZip) while the parts
	// are read, on the other core; its verdict wins, since a damaged
	// entry may be what made the reading fail.
	verified := make(chan error, 1)
	if lim.Stored {
		verified <- nil
	} else {
		go func() { verified <- verifyZip(zr, lim) }()
	}
	rr, err = openSheet(zr, lim, sheet)
	if verr := <-verified; verr != nil {
		if rr != nil {
			rr.Close()
		}
		return nil, verr
	}
	return rr, err
}

// openSheet reads the workbook's parts and starts reading sheet.
func openSheet(zr *zip.Reader, lim XLSXLimits, sheet string) (rr RowReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rr, err = nil, parserPanic(p)
		}
	}()
	x := &xlsxReader{parts: newPartFinder(zr)}
	wb, err := readWorkbook(x.parts)
	if err != nil {
		return nil, err
	}
	x.date1904 = wb.date1904
	if x.sheet, err = chooseSheet(wb.sheets, sheet); err != nil {
		return nil, err
	}
	for _, s := range wb.sheets {
		if !s.hidden {
			x.sheets = append(x.sheets, s.name)
		}
	}
	if x.styles, err = readStyles(x.parts, wb.styles); err != nil {
		return nil, err
	}
	if x.sst, err = readSharedStrings(x.parts, wb.sharedStrings, lim); err != nil {
		return nil, err
	}
	if err := x.start(); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// chooseSheet finds the sheet named name (exactly, or else ignoring case
// and surrounding space), or the first visible one for "".
func chooseSheet(sheets []sheetInfo, name string) (sheetInfo, error) {
	if name == "" {
		for _, s := range sheets {
			if !s.hidden {
				return s, nil
			}
		}
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s.name == name {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(strings.TrimSpace(s.name), strings.TrimSpace(name)) {
			return s, nil
		}
	}
	var visible []string
	for _, s := range sheets {
		if !s.hidden {
			visible = append(visible, s.name)
		}
	}
	return sheetInfo{}, &FileError{Code: CodeNoSheet, Detail: "the workbook has no sheet of that name", Value: strings.Join(visible, ", ")}
}

// checkZip enforces lim on the declared sizes of zr's entries (verifyZip
// then checks that each entry keeps to its declaration).
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
	return nil
}

// verifyZip unzips every entry of zr to check that it has the size and
// checksum it declares (and, for the shared strings, no more entries than
// lim allows) before any of it is trusted.
func verifyZip(zr *zip.Reader, lim XLSXLimits) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = parserPanic(p)
		}
	}()
	for _, zf := range zr.File {
		var w io.Writer = io.Discard
		var sst *siCounter
		if normPart(zf.Name) == "xl/sharedstrings.xml" {
			sst = &siCounter{limit: lim.MaxSharedStrings}
			w = sst
		}
		if err := verifyEntry(zf, w); err != nil {
			if sst != nil && sst.n > sst.limit {
				return tooManyStrings(lim)
			}
			return &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("zip entry %q is damaged", zf.Name), Err: err}
		}
	}
	return nil
}

func tooManyStrings(lim XLSXLimits) error {
	return &FileError{Code: CodeTooManyStrings,
		Detail: fmt.Sprintf("the workbook has more than %d shared strings, more than a file within the size limit holds", lim.MaxSharedStrings),
		Value:  strconv.FormatInt(lim.MaxSharedStrings, 10)}
}

// siCounter counts the shared strings (</si> and <si/>) of a part as it is
// decompressed for its checksum, and stops it past limit: the workbook of
// millions of tiny strings is refused at the cost of unzipping it, before
// any is parsed. A file that writes the tags with a namespace prefix is
// not counted here; readSharedStrings' own cap still holds for it.
type siCounter struct {
	n, limit int64
	tail     []byte // the end of the previous chunk, for a tag split across two
}

var errTooManyStrings = errors.New("too many shared strings")

func (c *siCounter) Write(p []byte) (int, error) {
	// Tail (4 bytes) and head (4 bytes): a 5-byte tag found here spans them.
	buf := append(c.tail, p[:min(len(p), 4)]...)
	c.n += int64(bytes.Count(buf, []byte("</si>")) + bytes.Count(buf, []byte("<si/>")))
	c.n += int64(bytes.Count(p, []byte("</si>")) + bytes.Count(p, []byte("<si/>")))
	if len(p) >= 4 {
		c.tail = append(c.tail[:0], p[len(p)-4:]...)
	} else {
		c.tail = append(c.tail, p...)
		c.tail = c.tail[max(0, len(c.tail)-4):]
	}
	if c.n > c.limit {
		return 0, errTooManyStrings
	}
	return len(p), nil
}

// streamedPart reports whether a part may be larger than UnzipXMLSizeLimit:
// the sheets, read one row at a time, and the shared strings, which have
// caps of their own.
func streamedPart(name string) bool {
	name = strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	return strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml"
}

func verifyEntry(zf *zip.File, w io.Writer) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
}

// parserPanic turns a panic while parsing into a CodeCorrupt error: crafted
// files have crashed XLSX parsers before, and one upload must not take the
// server down.
func parserPanic(p any) error {
	return &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("the XLSX parser failed: %v", p)}
}

// xlsxReader streams one sheet's rows.
type xlsxReader struct {
	parts    partFinder
	sheet    sheetInfo
	sheets   []string
	styles   []numFormat
	sst      *sharedStrings
	date1904 bool

	rc     io.ReadCloser // the sheet part
	xs     *xmlScan
	header []string
	buf    bytes.Buffer // an inline string's text
	v      []byte       // a cell's <v> text
	err    error        // sticky fatal error
	row    int          // number of the last row read
}

// Sheet returns the name of the sheet being read.
func (x *xlsxReader) Sheet() string { return x.sheet.name }

// Sheets returns the names of the workbook's visible sheets, in order.
func (x *xlsxReader) Sheets() []string { return x.sheets }

// start opens the sheet and reads up to its header.
func (x *xlsxReader) start() error {
	x.closeSheet()
	rc, err := x.parts.open(x.sheet.part)
	if err != nil {
		return err
	}
	x.rc, x.xs, x.row, x.err = rc, newXMLScan(rc), 0, nil
	for {
		_, cells, _, err := x.next()
		if err == io.EOF {
			return &FileError{Code: CodeEmpty, Detail: "the sheet has no header row", Value: x.sheet.name}
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

// Rewind goes back to the first data row: a second pass over the sheet
// without reading the workbook's other parts again.
func (x *xlsxReader) Rewind() error {
	if x.parts == nil {
		return errClosed
	}
	return x.start()
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (int, []string, error) {
	for {
		line, cells, lost, err := x.next()
		if err != nil {
			return line, nil, err
		}
		if blankRow(cells) {
			continue
		}
		cells, err = fitRow(line, x.header, cells)
		if err == nil && lost >= 0 && lost < len(x.header) {
			err = &RowError{Line: line, Code: CodeLostDigits, Column: x.header[lost],
				Detail: "the number has more than 15 digits and Excel has rounded it"}
		}
		return line, cells, err
	}
}

// next reads the next row element: its number, its cells (by column), and
// the column of the first number Excel rounded (-1 for none).
func (x *xlsxReader) next() (line int, cells []string, lost int, err error) {
	if x.err != nil {
		return 0, nil, -1, x.err
	}
	defer func() {
		if p := recover(); p != nil {
			err = parserPanic(p)
		}
		if err != nil {
			if CodeOf(err) == "" && err != io.EOF {
				err = &FileError{Code: CodeCorrupt, Detail: "the sheet could not be read", Err: err}
			}
			x.err = err
		}
	}()
	for {
		if err := x.xs.next(); err != nil {
			return 0, nil, -1, err
		}
		if x.xs.kind != tokStart || !x.xs.is("row") {
			continue
		}
		line = x.row + 1
		if v, ok := x.xs.rawAttr("r"); ok {
			n, ok := atoiBytes(v)
			if !ok || n <= x.row || n > 1<<21 {
				return 0, nil, -1, &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("row number %q after row %d", v, x.row)}
			}
			line = n
		}
		x.row = line
		if x.xs.selfClose {
			return line, nil, -1, nil
		}
		cells, lost, err := x.readRow()
		return line, cells, lost, err
	}
}

// atoiBytes parses a non-negative decimal of up to 9 digits.
func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// readRow reads the cells of the row element the scanner is in.
func (x *xlsxReader) readRow() (cells []string, lost int, err error) {
	lost = -1
	col := -1
	for {
		if err := x.xs.next(); err != nil {
			return nil, -1, orXML(ignoreEOF(err))
		}
		switch x.xs.kind {
		case tokEnd:
			if x.xs.is("row") {
				return cells, lost, nil
			}
		case tokStart:
			if !x.xs.is("c") {
				continue
			}
			col++
			if ref, ok := x.xs.rawAttr("r"); ok {
				if c := columnOf(ref); c >= 0 {
					col = c
				}
			}
			if col >= maxColumns {
				return nil, -1, &FileError{Code: CodeCorrupt, Detail: "a cell lies beyond the last column"}
			}
			text, rounded, err := x.readCell()
			if err != nil {
				return nil, -1, err
			}
			if text == "" {
				continue
			}
			if cells == nil {
				cells = make([]string, 0, max(len(x.header), col+1))
			}
			for len(cells) <= col {
				cells = append(cells, "")
			}
			cells[col] = text
			if rounded && lost < 0 {
				lost = col
			}
		}
	}
}

// ignoreEOF turns an end of input inside an element into a malformed-XML
// error (orXML then reports it).
func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// columnOf returns the 0-based column of a cell reference ("C7" → 2), or -1.
func columnOf(ref []byte) int {
	n := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			if i == 0 {
				return -1
			}
			break
		}
		n = n*26 + int(c-'a'+1)
		if n > maxColumns {
			return maxColumns
		}
	}
	return n - 1
}

// readCell reads the <c> element the scanner is on and returns its text;
// rounded reports a number Excel has cut to 15 digits.
func (x *xlsxReader) readCell() (text string, rounded bool, err error) {
	var typ string
	if t, ok := x.xs.rawAttr("t"); ok {
		typ = cellType(t)
	}
	style := 0
	if v, ok := x.xs.rawAttr("s"); ok {
		style, _ = atoiBytes(v)
	}
	if x.xs.selfClose {
		return "", false, nil
	}
	v := x.v[:0]
	inV, hasIS := false, false
	for {
		if err := x.xs.next(); err != nil {
			return "", false, orXML(ignoreEOF(err))
		}
		switch x.xs.kind {
		case tokStart:
			switch {
			case x.xs.selfClose:
			case x.xs.is("v"):
				inV = true
			case x.xs.is("is"):
				x.buf.Reset()
				if err := readRichText(x.xs, &x.buf, "is", maxCellChars*4); err != nil {
					return "", false, err
				}
				hasIS = true
			}
		case tokText:
			if inV {
				v = append(v, x.xs.text...)
			}
		case tokEnd:
			switch {
			case x.xs.is("v"):
				inV = false
			case x.xs.is("c"):
				x.v = v
				return x.cellText(typ, style, v, hasIS)
			}
		}
	}
}

// cellType interns the few cell types, so reading one allocates nothing.
func cellType(t []byte) string {
	for _, known := range []string{"s", "n", "str", "inlineStr", "b", "e", "d"} {
		if string(t) == known {
			return known
		}
	}
	return string(t)
}

// cellText turns a cell's stored value into the text an import reads.
func (x *xlsxReader) cellText(typ string, style int, vb []byte, hasIS bool) (string, bool, error) {
	if typ == "s" {
		i, ok := atoiBytes(bytes.TrimSpace(vb))
		s, found := x.sst.get(i)
		if !ok || !found {
			return "", false, &FileError{Code: CodeCorrupt, Detail: "a cell refers to a shared string that does not exist"}
		}
		return s, false, nil
	}
	v := string(vb)
	switch typ {
	case "inlineStr":
		if hasIS {
			return x.buf.String(), false, nil
		}
		return v, false, nil
	case "str", "e":
		return v, false, nil
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true":
			return "TRUE", false, nil
		case "0", "false":
			return "FALSE", false, nil
		}
		return v, false, nil
	case "d":
		return isoDate(v), false, nil
	}
	n, ok := parseDecimal(v)
	if !ok {
		return v, false, nil
	}
	nf := numFormat{}
	if style >= 0 && style < len(x.styles) {
		nf = x.styles[style]
	}
	s, ok := nf.numberText(v, n, x.date1904)
	if !ok {
		return v, true, nil
	}
	return s, false, nil
}

// isoDate shortens an ISO 8601 date cell (t="d") to the forms base tables
// take: the date alone at midnight, else date and time to the second.
func isoDate(v string) string {
	d, t, ok := strings.Cut(v, "T")
	if !ok {
		return v
	}
	t = strings.TrimSuffix(t, "Z")
	if i := strings.IndexByte(t, '.'); i >= 0 {
		t = t[:i]
	}
	if t == "00:00:00" || t == "00:00" {
		return d
	}
	return d + " " + t
}

// Close releases the sheet; later calls fail.
func (x *xlsxReader) Close() error {
	if x.err == nil || x.err == io.EOF {
		x.err = errClosed
	}
	x.closeSheet()
	x.parts, x.sst = nil, nil
	return nil
}

func (x *xlsxReader) closeSheet() {
	if x.rc != nil {
		_ = x.rc.Close()
		x.rc, x.xs = nil, nil
	}
}
