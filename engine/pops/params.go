package pops

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/internal/database"
)

// ParamOptions returns how the pops configured for a page rename the call's
// parameters (seed 002 §2.3 step 5, 图2-9: "callerPhone	呼叫数据	callerNum",
// up to 20 names): the pop entry of the page reads those names before
// guessing a platform. A call-data name configured as itself is the
// platform's own and needs no mapping; an associated-data name is always
// mapped (its name, e.g. email, is no sign of another platform); when two pops of the page map one name to two
// values, the first pop (by position) wins.
func (s *Service) ParamOptions(ctx context.Context, tenantID, pageID int64) (dialect.Options, error) {
	// Every pop asks: cached for settingsTTL (shared, read only).
	return s.params.Get([2]int64{tenantID, pageID}, func() (dialect.Options, error) {
		return s.paramOptions(ctx, tenantID, pageID)
	})
}

func (s *Service) paramOptions(ctx context.Context, tenantID, pageID int64) (dialect.Options, error) {
	var cfgs []Config
	err := database.Read(ctx, s.db, func(db bun.IDB) error {
		cfgs = nil
		return db.NewSelect().Model(&cfgs).Column("params").
			Where("tenant_id = ? AND page_id = ?", tenantID, pageID).
			Order("media_type", "position", "id").Scan(ctx)
	})
	if err != nil {
		return dialect.Options{}, fmt.Errorf("read the pop parameters of page %d: %w", pageID, err)
	}
	opts := dialect.Options{}
	for _, c := range cfgs {
		for _, p := range c.Params {
			if p.Source == SourceCall && p.Name == p.Key {
				continue
			}
			_, renamed := opts.Rename[p.Name]
			_, assoc := opts.Assoc[p.Name]
			if renamed || assoc {
				continue
			}
			switch p.Source {
			case SourceCall:
				if opts.Rename == nil {
					opts.Rename = map[string]string{}
				}
				opts.Rename[p.Name] = p.Key
			case SourceAssoc:
				if opts.Assoc == nil {
					opts.Assoc = map[string]string{}
				}
				opts.Assoc[p.Name] = p.Key
			}
		}
	}
	return opts, nil
}

// numberNames are the configured names that carry a phone number.
func numberNames(opts dialect.Options) []string {
	var out []string
	for from, to := range opts.Rename {
		if dialect.IsNumberParam(to) {
			out = append(out, from)
		}
	}
	return out
}
