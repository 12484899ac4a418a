package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/server"
)

// newNameAllow is `rampart admin name allow NAME`: typosquatting
// protection lets that exact new name be created (internal/namepolicy).
func newNameAllow(env Env) *cobra.Command {
	var f configFlags
	var reason string
	cmd := &cobra.Command{
		Use:   "allow NAME",
		Short: "Allow a new package name that typosquatting protection refuses",
		Long: `Allow a new package name that resembles a popular one (typosquatting
protection refuses such names: see docs/typosquatting.md). Only that exact
name is allowed; the allowance is recorded in the event log with its reason.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				ref := core.NPM(args[0]) // the one ecosystem served today
				if err := svc.Names.Allow(cmd.Context(), adminPrincipal(), ref, reason); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "allowed the name %s\n", args[0])
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&reason, "reason", "", "why it is no imitation (recorded in the event log)")
	return cmd
}

// newNameAllowed is `rampart admin name allowed`: the allowances.
func newNameAllowed(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "allowed",
		Short: "List the package names allowed despite typosquatting protection",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				list, err := svc.Names.Allowed(cmd.Context(), adminPrincipal())
				if err != nil {
					return err
				}
				for _, a := range list {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\t%s\n", a.Ref.Name, a.AllowedBy, a.AllowedAt.UTC().Format("2006-01-02"), a.Reason)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}
