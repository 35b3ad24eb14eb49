package importer

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/audit"
)

// ExportRequest asks for a table's records as a file.
type ExportRequest struct {
	TenantID int64
	TableID  int64
	Format   Format // csv (also when empty) or xlsx, in any case
	Reveal   bool   // masked values in clear: needs Actor.CanReveal, and is audited
	Actor    Actor
}

// Actor is who exports. A revealed export is recorded in the audit log in
// the actor's name, whichever way it was asked for (admin UI, API, CLI).
type Actor struct {
	UserID    *int64 // the signed-in user, if any
	APIKey    string // the API key's prefix, when a key asks
	Via       string // "cli" from the command line; empty from the web
	CanReveal bool   // the actor holds the reveal permission or scope
	// Detail names the actor in the audit entry (user name, or the key's
	// prefix and name: a key has no user).
	Detail map[string]any
}

// PreparedExport is an export that passed its checks and, when revealed,
// has been audited: only writing is left.
type PreparedExport struct {
	s         *Service
	req       ExportRequest
	TableName string
}

// Format is the file's format, csv or xlsx.
func (x *PreparedExport) Format() Format { return x.req.Format }

// PrepareExport checks an export before a byte of it is written, so that its
// errors can still be answered with a status: the format, the table, and the
// reveal permission. A revealed export is written to the audit log here,
// before any value leaves; this is the only place that does so.
func (s *Service) PrepareExport(ctx context.Context, req ExportRequest) (*PreparedExport, error) {
	req.Format = Format(strings.ToLower(string(req.Format)))
	if req.Format == "" {
		req.Format = FormatCSV
	}
	if req.Format != FormatCSV && req.Format != FormatXLSX {
		return nil, apperr.Field("format", "import.export_format")
	}
	sc, err := s.tables.Schema(ctx, req.TenantID, req.TableID)
	if err != nil {
		return nil, err
	}
	if req.Reveal {
		if !req.Actor.CanReveal {
			return nil, apperr.New(apperr.Forbidden, "record.reveal_denied")
		}
		if err := s.auditRevealedExport(ctx, req, sc.Name); err != nil {
			return nil, err
		}
	}
	return &PreparedExport{s: s, req: req, TableName: sc.Name}, nil
}

func (s *Service) auditRevealedExport(ctx context.Context, req ExportRequest, table string) error {
	detail := map[string]any{"table": table, "format": string(req.Format)}
	for k, v := range req.Actor.Detail {
		detail[k] = v
	}
	if req.Actor.APIKey != "" {
		detail["apiKey"] = req.Actor.APIKey
	}
	if req.Actor.Via != "" {
		detail["via"] = req.Actor.Via
	}
	tid := req.TenantID
	err := audit.Record(ctx, s.db, audit.Entry{TenantID: &tid, UserID: req.Actor.UserID, Action: "data.export_reveal",
		Target: fmt.Sprintf("table:%d", req.TableID), Detail: detail})
	if err != nil {
		return fmt.Errorf("export of table %d: %w", req.TableID, err)
	}
	return nil
}

// Write writes the records to w (see export) and returns how many.
func (x *PreparedExport) Write(ctx context.Context, w io.Writer) (int, error) {
	return x.s.export(ctx, w, x.req.TenantID, x.req.TableID, x.req.Format, x.req.Reveal)
}
