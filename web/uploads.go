package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// uploadOverhead is what a multipart body may hold beyond its file: the
// part headers and the few small fields of the import form (at most 16 of
// 1 KB, see readUpload). Small, because a body announced larger than the
// limit plus this is refused from its headers: a file over the limit by
// more than this is never buffered.
const uploadOverhead = 64 << 10

// limitUploads bounds what the server reads of every request before any
// handler runs: DefaultBodyLimit except on upload routes. fasthttp reads a
// request's body whole before calling the handler, up to the server's limit (sized for the largest import the
// parameters allow); for upload routes the limit becomes the operator's
// current import size plus uploadOverhead, so a body announced larger is
// refused from its headers and a chunked one as soon as it passes the
// limit: nothing beyond the limit is ever buffered. Multipart bodies are
// not pre-parsed (fasthttp would spill large files to temporary files):
// the import handlers parse them from memory (readUpload).
//
// A body refused while it is read (chunked, over the limit) reaches the
// error handler with its request already reset by fasthttp, path and
// headers gone; what the refusal needs of them is kept, by header, when the
// header arrives, so the API still answers with its JSON problem document.
func (s *Server) limitUploads(app *fiber.App) {
	srv := app.Server()
	srv.DisablePreParseMultipartForm = true
	var uploads sync.Map // *fasthttp.RequestHeader → uploadRequest
	inner := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		if u, ok := uploads.LoadAndDelete(&ctx.Request.Header); ok && errors.Is(err, fasthttp.ErrBodyTooLarge) && u.(uploadRequest).json {
			s.writeTooLarge(ctx, u.(uploadRequest).lang)
			return
		}
		if inner != nil {
			inner(ctx, err)
		}
	}
	srv.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		uploads.Delete(h)
		// Every route but uploads: DefaultBodyLimit, from the headers, so a
		// body announced larger is refused before a byte of it is read.
		path, _, _ := strings.Cut(string(h.RequestURI()), "?")
		if !h.IsPost() || !isUploadRoute(path) {
			return fasthttp.RequestConfig{MaxRequestBodySize: DefaultBodyLimit}
		}
		accept := string(h.Peek(fiber.HeaderAccept))
		uploads.Store(h, uploadRequest{
			json: strings.HasPrefix(path, "/api/") || strings.Contains(accept, "json") && !strings.Contains(accept, "html"),
			lang: i18n.FromAcceptLanguage(string(h.Peek(fiber.HeaderAcceptLanguage))),
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		limit, err := s.eng.Imports.FileLimit(ctx)
		if err != nil {
			limit = settings.MaxImportFileSizeMB << 20
		}
		return fasthttp.RequestConfig{MaxRequestBodySize: int(limit + uploadOverhead)}
	}
}

// uploadRequest is what the refusal of an oversized upload needs to know
// of its request.
type uploadRequest struct {
	json bool
	lang string
}

// writeTooLarge answers an upload refused while its body was read with
// the API's problem document.
func (s *Server) writeTooLarge(ctx *fasthttp.RequestCtx, lang string) {
	e, _ := apperr.As(s.uploadTooLarge())
	p := problem{Title: http.StatusText(http.StatusRequestEntityTooLarge), Status: http.StatusRequestEntityTooLarge, Detail: e.In(lang)}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, problemDetail{Message: f.In(lang), Location: "body." + f.Field})
	}
	body, _ := json.Marshal(p)
	ctx.Response.Reset()
	ctx.SetStatusCode(http.StatusRequestEntityTooLarge)
	ctx.SetContentType("application/problem+json")
	ctx.SetBody(body)
}

// upload is an import form as posted.
type upload struct {
	name   string
	data   []byte
	fields map[string]string
}

// readUpload parses the multipart body of an import: the "file" part, read
// up to the import limit (and refused past it), and the small fields. The
// announced length is checked first, so an oversized file is refused
// before a byte of it is parsed.
func (s *Server) readUpload(ctx context.Context, contentType string, contentLength int, body []byte) (*upload, error) {
	limit, err := s.eng.Imports.FileLimit(ctx)
	if err != nil {
		return nil, err
	}
	if int64(contentLength) > limit+uploadOverhead || int64(len(body)) > limit+uploadOverhead {
		return nil, importer.UserError(importer.CheckSize(int64(max(contentLength, len(body))), limit))
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil, apperr.Field("file", "import.no_file")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	up := &upload{fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, apperr.Field("file", "import.no_file")
		}
		switch name := part.FormName(); {
		case name == "file" && up.data == nil:
			up.name = partFileName(part)
			up.data, err = importer.ReadLimited(part, limit)
			if err != nil {
				if importer.CodeOf(err) != "" {
					return nil, importer.UserError(err)
				}
				return nil, apperr.Field("file", "import.no_file")
			}
		case name != "" && len(up.fields) < 16:
			v, _ := io.ReadAll(io.LimitReader(part, 1024))
			up.fields[name] = string(v)
		}
		part.Close()
	}
	if up.data == nil || up.name == "" {
		return nil, apperr.Field("file", "import.no_file")
	}
	return up, nil
}

// readUploadRequest is readUpload for a Fiber request. A compressed body
// is refused: decompressing it would be a way around the limit.
func (s *Server) readUploadRequest(c *fiber.Ctx) (*upload, error) {
	req := c.Request()
	if enc := string(req.Header.ContentEncoding()); enc != "" && enc != "identity" {
		return nil, apperr.Field("file", "import.no_file")
	}
	return s.readUpload(c.UserContext(), string(req.Header.ContentType()), req.Header.ContentLength(), req.Body())
}

// partFileName returns the file name a browser sent, whole: Part.FileName
// would cut it at the last slash, while the name check wants to see it
// (it looks at the part after the last slash or backslash itself).
func partFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return p.FileName()
	}
	name := params["filename"]
	if u, err := url.PathUnescape(name); err == nil && strings.Contains(name, "%") {
		name = u // some clients percent-encode non-ASCII names
	}
	return name
}

// mode reads the import mode of a form ("all" for all-or-nothing).
func (u *upload) mode() importer.Mode {
	if m := importer.Mode(strings.TrimSpace(u.fields["mode"])); m != "" {
		return m
	}
	return importer.ModeSkip
}

// sheet is the XLSX sheet the form asks for ("" for the first visible one).
func (u *upload) sheet() string { return strings.TrimSpace(u.fields["sheet"]) }

// dryRun reports whether the form asks for a dry run.
func (u *upload) dryRun() bool {
	switch strings.ToLower(strings.TrimSpace(u.fields["dryRun"])) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// prepareExport checks an export before anything is written, so errors
// still get their status; the export service audits a revealed one in the
// caller's name.
func (s *Server) prepareExport(ctx context.Context, p *accounts.Principal, tableID int64, format string, reveal bool) (*importer.PreparedExport, error) {
	actor := importer.Actor{UserID: userIDOf(p), CanReveal: p.Can(accounts.PermReveal), Detail: p.AuditDetail()}
	if p.APIKey != nil {
		actor.APIKey = p.APIKey.Prefix
	}
	return s.eng.Imports.PrepareExport(ctx, importer.ExportRequest{
		TenantID: p.TenantID(), TableID: tableID, Format: importer.Format(format), Reveal: reveal, Actor: actor,
	})
}

// streamExport sends an export as the response body, written page by page
// while it is sent (chunked), never whole in memory. It runs after the
// handler has returned, so it must not touch c afterwards.
func (s *Server) streamExport(c *fiber.Ctx, x *importer.PreparedExport) {
	ctype := "text/csv; charset=utf-8"
	if x.Format() == importer.FormatXLSX {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, attachment(x.FileName(langOf(c))))
	log := s.log
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		if _, err := x.Write(ctx, w); err != nil {
			log.Error("export failed", "table", x.TableName, "err", err)
		}
		_ = w.Flush()
	})
}

// uploadTooLarge is the refusal of an upload body over the limit, with the
// limit in it, whether the server refused it from its announced length or
// while reading a chunked one (classify) or the handler did.
func (s *Server) uploadTooLarge() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	limit, err := s.eng.Imports.FileLimit(ctx)
	if err != nil {
		return apperr.New(apperr.TooLarge, "error.too_large")
	}
	return importer.UserError(importer.CheckSize(limit+1, limit))
}

// attachment is a Content-Disposition for a download named name (UTF-8,
// RFC 6266, with an ASCII fallback).
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}
