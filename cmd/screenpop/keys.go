package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/screenpop/screenpop/tables"
)

func (c *cli) keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage tenants' data encryption keys"}
	var tenant string
	rotate := &cobra.Command{
		Use:   "rotate --tenant SLUG",
		Short: "Add a new data key for a tenant and re-seal every encrypted value with it",
		Long: `Adds a new key to the tenant's keyset and makes it the key new values are sealed
with, then re-seals every stored encrypted value in batches. Old keys stay in
the keyset, so all data stays readable while this runs, also on other
instances. Other instances pick up the new key within a few seconds; the
re-sealing makes a second pass then, for values they sealed meanwhile.
Running it again after an interruption finishes the job.`,
		Example: "  screenpop keys rotate --tenant acme",
		Args:    exactArgs(0),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, _ []string) error {
			t, err := rt.eng.Accounts.TenantBySlug(ctx, tenant)
			if err != nil {
				return err
			}
			id, err := rt.eng.Tables.Keys().Rotate(ctx, t.ID)
			if err != nil {
				return err
			}
			fmt.Printf("new primary key %d for tenant %s; re-sealing (a second pass follows %v after the rotation, once every instance uses the new key)…\n", id, t.Slug, tables.KeyCacheTTL)
			n, err := rt.eng.Tables.Reseal(ctx, t.ID, func(done, total int) {
				fmt.Fprintf(os.Stderr, "\r  %d / %d records", done, total)
			})
			fmt.Fprintln(os.Stderr)
			if err != nil {
				return fmt.Errorf("re-seal stopped after %d records (run the command again to finish): %w", n, err)
			}
			fmt.Printf("re-sealed %d records; none is left on an old key\n", n)
			return nil
		}),
	}
	rotate.Flags().StringVar(&tenant, "tenant", "", "tenant slug (required)")
	_ = rotate.MarkFlagRequired("tenant")
	cmd.AddCommand(rotate)
	return cmd
}
