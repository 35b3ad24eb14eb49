package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/screenpop/screenpop/migrations"
)

func (c *cli) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or list database migrations",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  exactArgs(0),
		RunE: c.withDB(false, func(ctx context.Context, rt *runtime, _ []string) error {
			applied, err := migrations.Up(ctx, rt.db)
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Println("nothing to apply: the database is up to date")
			}
			for _, n := range applied {
				fmt.Println("applied", n)
			}
			return nil
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "down",
		Short: "Roll back the last applied group of migrations",
		Args:  exactArgs(0),
		RunE: c.withDB(false, func(ctx context.Context, rt *runtime, _ []string) error {
			rolled, err := migrations.Down(ctx, rt.db)
			if err != nil {
				return err
			}
			if len(rolled) == 0 {
				fmt.Println("nothing to roll back")
			}
			for _, n := range rolled {
				fmt.Println("rolled back", n)
			}
			return nil
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  exactArgs(0),
		RunE: c.withDB(false, func(ctx context.Context, rt *runtime, _ []string) error {
			list, err := migrations.List(ctx, rt.db)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "MIGRATION\tSTATE")
			for _, m := range list {
				state := "pending"
				if m.Applied {
					state = fmt.Sprintf("applied (group %d)", m.GroupID)
				}
				fmt.Fprintf(w, "%s\t%s\n", m.Name, state)
			}
			return w.Flush()
		}),
	})
	return cmd
}
