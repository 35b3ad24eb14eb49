package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/apperr"
)

func (c *cli) tenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Create and list tenants"}
	var name string
	create := &cobra.Command{
		Use:     "create SLUG --name NAME",
		Short:   "Create a tenant",
		Example: "  screenpop tenant create acme --name 'ACME 客服中心'",
		Args:    exactArgs(1),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, args []string) error {
			t, err := rt.eng.Accounts.CreateTenant(ctx, accounts.NewTenant{Slug: args[0], Name: name})
			if err != nil {
				return err
			}
			fmt.Printf("created tenant %s (id %d)\n", t.Slug, t.ID)
			return nil
		}),
	}
	create.Flags().StringVar(&name, "name", "", "display name (required)")
	_ = create.MarkFlagRequired("name")
	cmd.AddCommand(create, &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  exactArgs(0),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, _ []string) error {
			ts, err := rt.eng.Accounts.ListTenants(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSLUG\tNAME\tSTATUS")
			for _, t := range ts {
				status := "active"
				if t.Disabled {
					status = "disabled"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", t.ID, t.Slug, t.Name, status)
			}
			return w.Flush()
		}),
	})
	return cmd
}

// readPassword takes a password from --password-stdin (one line) or asks on
// the terminal without echo; never from a flag, which would land in shell
// history and process lists.
func readPassword(fromStdin bool) (string, error) {
	if fromStdin || !term.IsTerminal(int(os.Stdin.Fd())) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(os.Stderr, "password: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	return string(b), err
}

func (c *cli) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Create users and set passwords"}
	var (
		tenant, role, display string
		perms                 []string
		stdin                 bool
	)
	create := &cobra.Command{
		Use:   "create USERNAME --role operator|admin|agent [--tenant SLUG]",
		Short: "Create a user (the password is read from the terminal or standard input)",
		Example: "  screenpop user create alice --tenant acme --role admin --permission reveal\n" +
			"  echo 's3cret-pass' | screenpop user create ops --role operator --password-stdin",
		Args: exactArgs(1),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, args []string) error {
			in := accounts.NewUser{Username: args[0], DisplayName: display, Role: accounts.Role(role), Permissions: perms}
			if tenant != "" {
				t, err := rt.eng.Accounts.TenantBySlug(ctx, tenant)
				if err != nil {
					return err
				}
				in.TenantID = &t.ID
			}
			var err error
			if in.Password, err = readPassword(stdin); err != nil {
				return err
			}
			u, err := rt.eng.Accounts.CreateUser(ctx, in)
			if err != nil {
				return err
			}
			fmt.Printf("created %s %s (id %d)\n", u.Role, u.Username, u.ID)
			return nil
		}),
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant slug (not for operators)")
	create.Flags().StringVar(&role, "role", "", "operator, admin or agent (required)")
	_ = create.MarkFlagRequired("role")
	create.Flags().StringVar(&display, "display-name", "", "name shown in the UI")
	create.Flags().StringSliceVar(&perms, "permission", nil, "extra permission, e.g. reveal (repeatable)")
	create.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")

	var passwdStdin bool
	passwd := &cobra.Command{
		Use:   "passwd USERNAME",
		Short: "Set a user's password and sign them out everywhere",
		Args:  exactArgs(1),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, args []string) error {
			pw, err := readPassword(passwdStdin)
			if err != nil {
				return err
			}
			if err := rt.eng.Accounts.SetPassword(ctx, args[0], pw); err != nil {
				return err
			}
			fmt.Printf("password of %s changed\n", args[0])
			return nil
		}),
	}
	passwd.Flags().BoolVar(&passwdStdin, "password-stdin", false, "read the password from standard input")
	cmd.AddCommand(create, passwd)
	return cmd
}

func (c *cli) apikeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "Create and revoke tenant API keys"}
	var (
		tenant, name, page string
		scopes             []string
	)
	create := &cobra.Command{
		Use:   "create --tenant SLUG --name NAME [--scope reveal] [--page PAGE]",
		Short: "Create an API key; the key is printed once",
		Long: `Create an API key for a tenant. The key is printed once, on standard output;
only its hash is stored.

Without --page the key calls the REST API (/api/v1) as the tenant's admin.
With --page (a page's name or id) it can call nothing but
POST /rest/v1/queryCustomer, which answers the queryCustomer contract from
that page's published version: give it to a system that expects a
queryCustomer endpoint. Masked values stay masked unless --scope reveal.`,
		Example: "  screenpop apikey create --tenant acme --name crm-sync\n" +
			"  screenpop apikey create --tenant acme --name 外呼系统 --page 来电客户",
		Args: exactArgs(0),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, _ []string) error {
			t, err := rt.eng.Accounts.TenantBySlug(ctx, tenant)
			if err != nil {
				return err
			}
			in := accounts.NewAPIKey{TenantID: t.ID, Name: name, Scopes: scopes}
			if page != "" {
				id, err := findPage(ctx, rt, t.ID, page)
				if err != nil {
					return err
				}
				in.PageID = &id
			}
			secret, k, err := rt.eng.Accounts.CreateAPIKey(ctx, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "created API key %q (prefix %s); it is shown only now:\n", k.Name, k.Prefix)
			fmt.Println(secret)
			return nil
		}),
	}
	create.Flags().StringVar(&tenant, "tenant", "", "tenant slug (required)")
	create.Flags().StringVar(&name, "name", "", "what the key is for (required)")
	_ = create.MarkFlagRequired("tenant")
	_ = create.MarkFlagRequired("name")
	create.Flags().StringSliceVar(&scopes, "scope", nil, "extra right, e.g. reveal (repeatable)")
	create.Flags().StringVar(&page, "page", "", "bind the key to this published page (name or id): it then serves only POST /rest/v1/queryCustomer")

	var revokeTenant string
	revoke := &cobra.Command{
		Use:   "revoke PREFIX --tenant SLUG",
		Short: "Revoke an API key by the prefix shown in lists",
		Args:  exactArgs(1),
		RunE: c.withDB(true, func(ctx context.Context, rt *runtime, args []string) error {
			t, err := rt.eng.Accounts.TenantBySlug(ctx, revokeTenant)
			if err != nil {
				return err
			}
			if err := rt.eng.Accounts.RevokeAPIKeyByPrefix(ctx, t.ID, strings.TrimSuffix(args[0], "…")); err != nil {
				return err
			}
			fmt.Println("revoked")
			return nil
		}),
	}
	revoke.Flags().StringVar(&revokeTenant, "tenant", "", "tenant slug (required)")
	_ = revoke.MarkFlagRequired("tenant")
	cmd.AddCommand(create, revoke)
	return cmd
}

// findPage resolves a page's name or numeric id within a tenant.
func findPage(ctx context.Context, rt *runtime, tenantID int64, page string) (int64, error) {
	if id, err := strconv.ParseInt(page, 10, 64); err == nil {
		p, err := rt.eng.Pages.GetPage(ctx, tenantID, id)
		if err != nil {
			return 0, err
		}
		return p.ID, nil
	}
	list, err := rt.eng.Pages.ListPages(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	for _, p := range list {
		if p.Name == page {
			return p.ID, nil
		}
	}
	return 0, apperr.NotFoundf("page.not_found")
}
