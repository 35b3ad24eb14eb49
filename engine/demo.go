package engine

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/accounts"
)

// DemoLogin is one seeded account, with its password in clear: it is printed
// once at first start and never stored unhashed.
type DemoLogin struct {
	Role     accounts.Role
	Username string
	Password string
}

// Demo tenant and account names.
const (
	DemoTenantSlug = "demo"
	DemoOperator   = "operator"
	DemoAdmin      = "demo.admin"
	DemoAgent      = "demo.agent"
)

// SeedDemo creates the demo tenant with an admin and an agent, plus the system
// operator, and fills the tenant with customers, a page and pops
// (seedDemoContent), exactly once per database: install_state remembers it, and the
// row lock makes two instances starting together seed only once. It returns
// nil logins when the database was seeded before.
func (e *Engine) SeedDemo(ctx context.Context) ([]DemoLogin, error) {
	var logins []DemoLogin
	var tenantID int64
	err := e.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var seeded bool
		err := tx.NewSelect().Table("install_state").Column("demo_seeded").For("UPDATE").Scan(ctx, &seeded)
		if err != nil {
			return fmt.Errorf("read install state: %w", err)
		}
		if seeded {
			return errAlreadySeeded
		}
		acc := accounts.New(tx)
		acc.BcryptCost = e.Accounts.BcryptCost
		tenant, err := acc.CreateTenant(ctx, accounts.NewTenant{Slug: DemoTenantSlug, Name: "演示租户 Demo"})
		if err != nil {
			return err
		}
		tenantID = tenant.ID
		for _, u := range []struct {
			role     accounts.Role
			username string
			display  string
			perms    []string
			workNo   string
		}{
			{accounts.RoleOperator, DemoOperator, "运营管理员 Operator", nil, ""},
			{accounts.RoleAdmin, DemoAdmin, "管理员 Admin", []string{string(accounts.PermReveal)}, "1000"},
			{accounts.RoleAgent, DemoAgent, "座席 Agent", nil, "1001"},
		} {
			in := accounts.NewUser{Username: u.username, DisplayName: u.display, Role: u.role, Permissions: u.perms,
				Password: randomPassword(), WorkNo: u.workNo}
			if u.role != accounts.RoleOperator {
				in.TenantID = &tenant.ID
			}
			if _, err := acc.CreateUser(ctx, in); err != nil {
				return fmt.Errorf("seed %s: %w", u.username, err)
			}
			logins = append(logins, DemoLogin{Role: u.role, Username: u.username, Password: in.Password})
		}
		_, err = tx.NewUpdate().Table("install_state").Set("demo_seeded = true").Where("id").Exec(ctx)
		return err
	})
	if err == errAlreadySeeded {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The content goes through the services, each in its own transaction,
	// after the accounts exist; a failure here leaves a usable, emptier demo.
	if err := e.seedDemoContent(ctx, tenantID); err != nil {
		return logins, fmt.Errorf("seed demo content: %w", err)
	}
	return logins, nil
}

// randomPassword returns 16 base32 characters (80 bits) from crypto/rand.
func randomPassword() string { return rand.Text()[:16] }
