package importer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileNameLength is the longest file name (without its extension), in
// characters, that ValidateFileName accepts: enough for any real name, short
// enough to show in a job list and store without surprises.
const MaxFileNameLength = 100

// Extensions of the formats the importer reads, lower case with the dot.
const (
	ExtCSV  = ".csv"
	ExtXLSX = ".xlsx"
)

// ValidateFileName checks an uploaded file's name against SPEC §4: the name
// without its extension may hold only Chinese characters (the Han script),
// English letters, digits and underscores, and the extension must be .csv or
// .xlsx in any case. Browsers that send a full client path (old Edge and IE
// send C:\Users\…\名单.csv) are not punished for it: only the part after the
// last slash or backslash is checked.
//
// The error is a *FileError: CodeBadExtension with the extension as Value, or
// CodeBadName with the first character that is not allowed as Value ("" for
// an empty or overlong name).
func ValidateFileName(name string) error {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return &FileError{Code: CodeBadExtension, Detail: "file name has no extension; want .csv or .xlsx"}
	}
	stem, ext := name[:dot], name[dot:]
	if _, ok := FormatOf(name); !ok {
		return &FileError{
			Code:   CodeBadExtension,
			Detail: fmt.Sprintf("extension %q is not allowed; want .csv or .xlsx", ext),
			Value:  ext,
		}
	}
	if stem == "" {
		return &FileError{Code: CodeBadName, Detail: "file name is empty before its extension"}
	}
	if n := utf8.RuneCountInString(stem); n > MaxFileNameLength {
		return &FileError{
			Code:   CodeBadName,
			Detail: fmt.Sprintf("file name has %d characters, at most %d are allowed", n, MaxFileNameLength),
		}
	}
	for _, r := range stem {
		if !fileNameRune(r) {
			return &FileError{
				Code: CodeBadName,
				Detail: fmt.Sprintf("file name contains %q (%U), which is not allowed; "+
					"use Chinese characters, English letters, digits and underscores", r, r),
				Value: string(r),
			}
		}
	}
	return nil
}

// fileNameRune reports whether r may appear in a file name. Letters and
// digits are ASCII only: "English letters" rules out Cyrillic or accented
// letters, and full-width digits (１２３) are a typing accident we refuse
// rather than store. utf8.RuneError (an invalid byte) is not Han, so a name
// that is not valid UTF-8 is refused too.
func fileNameRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
		return true
	}
	return unicode.Is(unicode.Han, r)
}

// Format is the kind of an import file.
type Format string

const (
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// FormatOf returns the format of a file from its name's extension, in any
// case; ok is false for any other extension.
func FormatOf(name string) (f Format, ok bool) {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return "", false
	}
	switch ext := name[dot:]; {
	case strings.EqualFold(ext, ExtCSV):
		return FormatCSV, true
	case strings.EqualFold(ext, ExtXLSX):
		return FormatXLSX, true
	}
	return "", false
}
