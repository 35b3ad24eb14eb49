package importer

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The workbook's parts are read here straight from the zip with xmlScan,
// one element at a time: nothing of a part is
// held but what the import needs (sheet names, number formats, the shared
// strings), and the sheet itself streams row by row (xlsxReader). Element
// names are matched on their local part, so files written with a
// namespace prefix (<x:row>) read the same.

// workbookInfo is what workbook.xml and its relationships say.
type workbookInfo struct {
	date1904      bool
	sheets        []sheetInfo // in the workbook's order
	sharedStrings string      // part names, "" when absent
	styles        string
}

type sheetInfo struct {
	name   string
	hidden bool
	part   string
}

// partFinder finds zip entries by name, as Excel does: case-insensitively,
// with either slash.
type partFinder map[string]*zip.File

func newPartFinder(zr *zip.Reader) partFinder {
	m := make(partFinder, len(zr.File))
	for _, zf := range zr.File {
		m[normPart(zf.Name)] = zf
	}
	return m
}

func normPart(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "/"))
}

func (p partFinder) open(name string) (io.ReadCloser, error) {
	zf, ok := p[normPart(name)]
	if !ok {
		return nil, &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("the workbook has no part %q", name)}
	}
	return zf.Open()
}

func (p partFinder) has(name string) bool { _, ok := p[normPart(name)]; return ok }

// walkPart calls fn at each start tag of a part until fn returns
// errStopWalk or the part ends.
func walkPart(parts partFinder, name string, fn func(x *xmlScan) error) error {
	rc, err := parts.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	x := newXMLScan(rc)
	for {
		err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return corruptPart(name, err)
		}
		if x.kind == tokStart {
			if err := fn(x); err != nil {
				if err == errStopWalk {
					return nil
				}
				return corruptPart(name, err)
			}
		}
	}
}

var errStopWalk = errors.New("stop")

func corruptPart(name string, err error) error {
	if _, ok := err.(*FileError); ok {
		return err
	}
	return &FileError{Code: CodeCorrupt, Detail: fmt.Sprintf("part %q could not be read", name), Err: err}
}

// readWorkbook reads the sheet list and the workbook's relationships.
func readWorkbook(parts partFinder) (*workbookInfo, error) {
	const wbPart = "xl/workbook.xml"
	wb := &workbookInfo{}
	var relIDs []string
	err := walkPart(parts, wbPart, func(x *xmlScan) error {
		switch {
		case x.is("workbookPr"):
			v, _ := x.attr("date1904")
			wb.date1904 = v == "1" || v == "true"
		case x.is("sheet"):
			name, _ := x.attr("name")
			state, _ := x.attr("state")
			id, _ := x.prefixedAttr("id")
			wb.sheets = append(wb.sheets, sheetInfo{name: name, hidden: state == "hidden" || state == "veryHidden"})
			relIDs = append(relIDs, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	targets := map[string]string{}
	const relsPart = "xl/_rels/workbook.xml.rels"
	if parts.has(relsPart) {
		err = walkPart(parts, relsPart, func(x *xmlScan) error {
			if !x.is("Relationship") {
				return nil
			}
			id, _ := x.attr("Id")
			typ, _ := x.attr("Type")
			target, _ := x.attr("Target")
			target = resolvePart("xl", target)
			targets[id] = target
			switch {
			case strings.HasSuffix(typ, "/sharedStrings"):
				wb.sharedStrings = target
			case strings.HasSuffix(typ, "/styles"):
				wb.styles = target
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for i := range wb.sheets {
		wb.sheets[i].part = targets[relIDs[i]]
		if wb.sheets[i].part == "" {
			wb.sheets[i].part = "xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml"
		}
	}
	if wb.sharedStrings == "" && parts.has("xl/sharedStrings.xml") {
		wb.sharedStrings = "xl/sharedStrings.xml"
	}
	if wb.styles == "" && parts.has("xl/styles.xml") {
		wb.styles = "xl/styles.xml"
	}
	if len(wb.sheets) == 0 {
		return nil, &FileError{Code: CodeCorrupt, Detail: "the workbook has no sheet"}
	}
	return wb, nil
}

// resolvePart turns a relationship target into a part name.
func resolvePart(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return path.Clean(path.Join(dir, target))
}

// readStyles returns the number format of every cell style (cellXfs), as
// its kind; a style the file does not define is General.
func readStyles(parts partFinder, name string) ([]numFormat, error) {
	if name == "" || !parts.has(name) {
		return nil, nil
	}
	custom := map[int]string{}
	var xfIDs []int
	inCellXfs := false
	err := walkPart(parts, name, func(x *xmlScan) error {
		switch string(x.name) {
		case "numFmt":
			id, _ := x.attr("numFmtId")
			code, _ := x.attr("formatCode")
			if n, err := strconv.Atoi(id); err == nil {
				custom[n] = code
			}
		case "cellXfs":
			inCellXfs = true
		case "cellStyles", "dxfs", "cellStyleXfs":
			inCellXfs = false
		case "xf":
			if inCellXfs {
				id, _ := x.attr("numFmtId")
				n, _ := strconv.Atoi(id)
				xfIDs = append(xfIDs, n)
				if len(xfIDs) > maxStyles {
					return &FileError{Code: CodeZipBomb, Detail: fmt.Sprintf("the workbook defines more than %d cell styles", maxStyles)}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// One decision per format id, not per cell: the costly part of
	// reading formatted cells is deciding what a format shows.
	byID := map[int]numFormat{}
	out := make([]numFormat, len(xfIDs))
	for i, id := range xfIDs {
		nf, ok := byID[id]
		if !ok {
			code, isCustom := custom[id]
			if !isCustom {
				code = builtinFormat(id)
			}
			nf = classifyFormat(code)
			byID[id] = nf
		}
		out[i] = nf
	}
	return out, nil
}

// maxStyles bounds the cellXfs list (Excel's own limit is 64,000).
const maxStyles = 65_536

// sharedStrings is the workbook's string table, held compactly: all texts
// in one string and the end offset of each.
type sharedStrings struct {
	text string
	ends []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]], true
}

// readSharedStrings reads the shared-string table within lim's caps on
// its count and total text: a workbook of tiny strings repeated millions
// of times is small zipped and huge in memory.
func readSharedStrings(parts partFinder, name string, lim XLSXLimits) (*sharedStrings, error) {
	sst := &sharedStrings{}
	if name == "" || !parts.has(name) {
		return sst, nil
	}
	var buf strings.Builder
	err := walkPart(parts, name, func(x *xmlScan) error {
		if !x.is("si") {
			return nil
		}
		if int64(len(sst.ends)) >= lim.MaxSharedStrings {
			return &FileError{Code: CodeTooManyStrings,
				Detail: fmt.Sprintf("the workbook has more than %d shared strings, more than a file within the size limit holds", lim.MaxSharedStrings),
				Value:  strconv.FormatInt(lim.MaxSharedStrings, 10)}
		}
		if err := readRichText(x, &buf, "si", lim.MaxSharedStringBytes-int64(buf.Len())); err != nil {
			if CodeOf(err) == CodeZipBomb {
				err.(*FileError).Code = CodeTooManyStrings
				err.(*FileError).Value = strconv.FormatInt(lim.MaxSharedStrings, 10)
			}
			return err
		}
		sst.ends = append(sst.ends, uint32(buf.Len()))
		return nil
	})
	if err != nil {
		return nil, err
	}
	sst.text = buf.String()
	return sst, nil
}

// readRichText appends the text of the element end it is in (<si> or
// <is>): its <t> elements, plain or in rich-text runs, without phonetic
// guides (<rPh>). room is how many bytes may still be added.
func readRichText(x *xmlScan, buf textBuffer, end string, room int64) error {
	if x.selfClose {
		return nil
	}
	depth, inT, inPh := 0, false, 0
	start := buf.Len()
	for {
		if err := x.next(); err != nil {
			return &FileError{Code: CodeCorrupt, Detail: "a text could not be read", Err: err}
		}
		switch x.kind {
		case tokStart:
			if x.selfClose {
				continue
			}
			depth++
			switch string(x.name) {
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case tokEnd:
			if depth == 0 {
				if string(x.name) != end {
					return &FileError{Code: CodeCorrupt, Detail: "a text element is not closed"}
				}
				if buf.Len()-start > maxCellChars*4 {
					return &FileError{Code: CodeCorrupt, Detail: "a text is longer than a cell may be"}
				}
				return nil
			}
			depth--
			switch string(x.name) {
			case "t":
				inT = false
			case "rPh":
				inPh--
			}
		case tokText:
			if inT && inPh == 0 {
				if int64(len(x.text)) > room {
					return &FileError{Code: CodeZipBomb, Detail: "the shared strings hold more text than a file within the size limit may"}
				}
				room -= int64(len(x.text))
				buf.Write(x.text)
			}
		}
	}
}

// textBuffer is where readRichText writes: a strings.Builder for the
// shared strings, a reused bytes.Buffer for one inline string.
type textBuffer interface {
	Write(p []byte) (int, error)
	Len() int
}

// maxCellChars is Excel's limit on the characters of one cell.
const maxCellChars = 32_767
