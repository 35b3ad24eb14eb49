package importer

import (
	"errors"
	"fmt"
	"strconv"
)

// Codes say what is wrong in terms stable enough for the engine to map them
// to translated messages; they are the contract, Detail is not.
const (
	// File-level: the whole file is refused (*FileError, or *HeaderMismatch
	// for CodeHeaderMismatch).
	CodeBadName        = "bad_name"         // the file name holds a character that is not allowed, or none at all
	CodeBadExtension   = "bad_extension"    // not .csv or .xlsx
	CodeTooLarge       = "too_large"        // the upload is over the size limit
	CodeBadEncoding    = "bad_encoding"     // the text could not be decoded (also a row-level code)
	CodeHeaderMismatch = "header_mismatch"  // the header differs from the template
	CodeZipBomb        = "zip_bomb"         // an XLSX that decompresses to more than its limits allow
	CodeCorrupt        = "corrupt"          // not a readable CSV/XLSX: damaged zip, bad XML, parser failure
	CodeUnsupported    = "unsupported"      // a legacy .xls or a password-protected workbook renamed .xlsx
	CodeEmpty          = "empty"            // no header row: the file is empty or holds only blank lines
	CodeTooManyStrings = "too_many_strings" // an XLSX whose shared-string table is over its caps (Value: the count allowed)
	CodeNoSheet        = "no_sheet"         // the workbook has no sheet of the name asked for (Value: the sheets it has)

	// Row-level: the row is rejected and reading goes on (*RowError).
	CodeTooManyCells = "too_many_cells" // non-empty cells beyond the header's last column
	CodeMalformedRow = "malformed_row"  // the CSV parser refused the record
	CodeLostDigits   = "lost_digits"    // an XLSX number of 16-19 digits that Excel has rounded to 15 (an ID typed into a General cell)
)

// FileError is a reason to refuse a whole file.
//
// Code is one of the Code* constants. Detail is English for logs and
// developers. Value is the offending item a translated message may quote: a
// character, an extension, a limit in bytes. Neither ever holds cell data.
type FileError struct {
	Code   string
	Detail string
	Value  string
	Err    error // the underlying cause, if any
}

func (e *FileError) Error() string {
	msg := "importer: " + e.Code
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *FileError) Unwrap() error { return e.Err }

// ErrorCode returns e.Code; see CodeOf.
func (e *FileError) ErrorCode() string { return e.Code }

// RowError is a reason to reject one row; RowReader.Next returns it and the
// next call goes on with the following row.
type RowError struct {
	Line   int    // 1-based line (CSV) or row (XLSX) number where the row starts
	Code   string // CodeTooManyCells, CodeBadEncoding or CodeMalformedRow
	Column string // header name of the cell at fault; "" when the whole row is
	Detail string // English, for logs; never holds cell data
}

func (e *RowError) Error() string {
	msg := "importer: line " + strconv.Itoa(e.Line) + ": " + e.Code
	if e.Column != "" {
		msg += fmt.Sprintf(" in column %q", e.Column)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// ErrorCode returns e.Code; see CodeOf.
func (e *RowError) ErrorCode() string { return e.Code }

// CodeOf returns the code of the first *FileError, *RowError or
// *HeaderMismatch in err's chain, or "" when err is none of them (an I/O
// failure of the caller's reader, for instance, which is not the file's
// fault).
func CodeOf(err error) string {
	var c interface{ ErrorCode() string }
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return ""
}

// IsRowError reports whether err only rejects one row, so reading may go on.
func IsRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// DefaultMaxFileSize is the upload limit of SPEC §2 ("import file size",
// 20 MB), for callers without the operator's configured value at hand.
const DefaultMaxFileSize int64 = 20 << 20

// CheckSize refuses a file of size bytes when it is over limit bytes. The
// upload handler calls it before storing the file, so nothing downstream
// ever holds more than limit bytes of one upload.
func CheckSize(size, limit int64) error {
	if size > limit {
		return &FileError{
			Code:   CodeTooLarge,
			Detail: fmt.Sprintf("file is %d bytes, the limit is %d", size, limit),
			Value:  strconv.FormatInt(limit, 10),
		}
	}
	return nil
}
