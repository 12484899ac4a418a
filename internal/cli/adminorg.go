package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/server"
)

// The console's org and site-role commands: `rampart admin org create`
// and `rampart admin user moderator add|rm`.

func newOrgCmd(env Env) *cobra.Command {
	org := &cobra.Command{Use: "org", Short: "Manage organisations (they own the scope of their name)"}
	org.AddCommand(newOrgCreate(env))
	return org
}

func newOrgCreate(env Env) *cobra.Command {
	var f configFlags
	var owner string
	cmd := &cobra.Command{
		Use:   "create NAME --owner USER",
		Short: "Create an organisation with its first owner",
		Long: `Create an organisation: it owns the scope @NAME, and USER (a verified
account) becomes its first owner and a member of its developers team, whose
members may create packages in @NAME/. The name follows the rules of user
names and must not be a user's, another organisation's (even a deleted
one's) or a scope that already holds packages. The owner is mailed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if owner == "" {
				return usageErr("--owner is required: name the user who will own the organisation")
			}
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				if err := svc.Orgs.Create(cmd.Context(), adminPrincipal(), args[0], owner); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "created the organisation %s, owned by %s; it owns the scope @%s/\n", args[0], owner, args[0])
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&owner, "owner", "", "the user who owns the organisation")
	return cmd
}

func newModerator(env Env) *cobra.Command {
	mod := &cobra.Command{Use: "moderator", Short: "Grant or revoke the moderator site role (reports and quarantine; no power over accounts)"}
	for _, on := range []bool{true, false} {
		var f configFlags
		use, short, done := "add NAME", "Make a user a moderator", "%s is now a moderator\n"
		if !on {
			use, short, done = "rm NAME", "Take the moderator role from a user", "%s is no longer a moderator\n"
		}
		cmd := &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withServices(cmd, &f, env, func(svc *server.Services) error {
					if err := svc.Orgs.SetModerator(cmd.Context(), adminPrincipal(), args[0], on); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), done, args[0])
					return nil
				})
			},
		}
		f.register(cmd, false)
		mod.AddCommand(cmd)
	}
	return mod
}
