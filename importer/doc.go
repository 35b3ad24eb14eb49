// Package importer is the file layer of CSV and XLSX import and export: it
// checks upload names, detects text encodings, streams rows out of CSV and
// XLSX files with their line numbers, compares headers with a template, and
// writes templates and exports.
//
// It knows nothing about base tables or the database. Columns are plain names
// and rows are plain strings; the import job combines a RowReader with the
// table's validation and writes the rows.
//
// Memory stays bounded whatever the file: CSV is decoded and parsed as a
// stream; XLSX is read by this package's own streaming parser (xlsx.go,
// xlsxparts.go, xmlscan.go) after every zip entry has been checked: the
// shared strings within caps in proportion to the file-size limit, each
// style's number format decided once, the sheet one row at a time straight
// from the zip. excelize only writes templates and exports.
//
// Errors are typed so the engine can translate them: file-level problems are
// *FileError (the whole file is refused), header problems *HeaderMismatch,
// and problems with one row *RowError (the row is rejected, reading goes on).
// None of them ever holds a cell value, because cells may belong to encrypted
// fields, which must never reach logs or error reports in plaintext.
package importer
