// Package settings holds what the operator sets for the whole system: the
// numeric limits of SPEC §2 (system parameters) and the URL whitelist that
// external pop pages must match.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/internal/apperr"
)

// Param names a system parameter.
type Param string

// The system parameters of SPEC §2.
const (
	PopPagesPerMedia     Param = "pop_pages_per_media"
	URLParamsPerPage     Param = "url_params_per_page"
	BaseTablesPerTenant  Param = "base_tables_per_tenant"
	CustomPagesPerTenant Param = "custom_pages_per_tenant"
	ObjectsPerPage       Param = "objects_per_page"
	ImportFileSizeMB     Param = "import_file_size_mb"
)

// ParamSpec is a parameter's default and allowed range.
type ParamSpec struct {
	Name    Param `json:"name"`
	Default int   `json:"default"`
	Min     int   `json:"min"`
	Max     int   `json:"max"`
}

// ParamSpecs lists the parameters in display order. The first two ranges
// come from the Huawei console (H2.3); the others are ours, wide enough for
// real tenants and small enough to keep pages and imports fast.
var ParamSpecs = []ParamSpec{
	{PopPagesPerMedia, 5, 1, 10},
	{URLParamsPerPage, 10, 1, 20},
	{BaseTablesPerTenant, 5, 1, 100},
	{CustomPagesPerTenant, 5, 1, 100},
	{ObjectsPerPage, 5, 1, 10},
	{ImportFileSizeMB, 20, 1, MaxImportFileSizeMB},
}

// MaxImportFileSizeMB bounds the import size parameter; the HTTP body limit is
// derived from it.
const MaxImportFileSizeMB = 50

func specOf(p Param) (ParamSpec, bool) {
	for _, s := range ParamSpecs {
		if s.Name == p {
			return s, true
		}
	}
	return ParamSpec{}, false
}

type paramRow struct {
	bun.BaseModel `bun:"table:system_params"`

	Key   string `bun:",pk"`
	Value int    `bun:",notnull"`
}

// Service reads and writes system settings.
type Service struct{ db bun.IDB }

// New returns a Service on db.
func New(db bun.IDB) *Service { return &Service{db: db} }

// Params returns every parameter's current value (defaults where unset).
func (s *Service) Params(ctx context.Context) (map[Param]int, error) {
	var rows []paramRow
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read system parameters: %w", err)
	}
	out := make(map[Param]int, len(ParamSpecs))
	for _, spec := range ParamSpecs {
		out[spec.Name] = spec.Default
	}
	for _, r := range rows {
		if _, ok := specOf(Param(r.Key)); ok {
			out[Param(r.Key)] = r.Value
		}
	}
	return out, nil
}

// Param returns one parameter's current value.
func (s *Service) Param(ctx context.Context, p Param) (int, error) {
	spec, ok := specOf(p)
	if !ok {
		return 0, fmt.Errorf("unknown system parameter %q", p)
	}
	var v int
	err := s.db.NewSelect().Model((*paramRow)(nil)).Column("value").Where("key = ?", string(p)).Scan(ctx, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return spec.Default, nil
	}
	return v, err
}

// SetParams validates and stores several parameters at once: either all are
// in range and saved, or none is and each bad one gets a field error that
// names its range. Values arrive as text, as from a form.
func (s *Service) SetParams(ctx context.Context, values map[Param]string) error {
	var v apperr.Fields
	parsed := make(map[Param]int, len(values))
	for p, raw := range values {
		spec, ok := specOf(p)
		if !ok {
			v.Add(string(p), "field.unknown_param", string(p))
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < spec.Min || n > spec.Max {
			v.Add(string(p), "field.range", spec.Min, spec.Max)
			continue
		}
		parsed[p] = n
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(parsed) == 0 {
		return nil
	}
	rows := make([]paramRow, 0, len(parsed))
	for p, n := range parsed {
		rows = append(rows, paramRow{Key: string(p), Value: n})
	}
	_, err := s.db.NewInsert().Model(&rows).
		On("CONFLICT (key) DO UPDATE").
		Set("value = EXCLUDED.value, updated_at = now()").
		Exec(ctx)
	return err
}

// The limits the domain services are built with (tables.Limits,
// pages.Limits, importer.Limits): each reads its parameter when asked, so
// a change applies at once.

// MaxTables is the base tables a tenant may define.
func (s *Service) MaxTables(ctx context.Context) (int, error) {
	return s.Param(ctx, BaseTablesPerTenant)
}

// MaxPages is the custom pages a tenant may have.
func (s *Service) MaxPages(ctx context.Context) (int, error) {
	return s.Param(ctx, CustomPagesPerTenant)
}

// MaxObjects is the objects one page may show.
func (s *Service) MaxObjects(ctx context.Context) (int, error) {
	return s.Param(ctx, ObjectsPerPage)
}

// MaxFileSize is the import upload limit in bytes.
func (s *Service) MaxFileSize(ctx context.Context) (int64, error) {
	mb, err := s.Param(ctx, ImportFileSizeMB)
	return int64(mb) << 20, err
}
