package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/server"
)

// The console's invitation commands, for an invite-only registry
// ([access] registration = "invite"): `rampart admin invite create|list`.

func newInviteCmd(env Env) *cobra.Command {
	inv := &cobra.Command{Use: "invite", Short: "Invite people to sign up on an invite-only registry"}
	inv.AddCommand(newInviteCreate(env), newInviteList(env))
	return inv
}

func newInviteCreate(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "create EMAIL",
		Short: "Create an invitation and print its sign-up link",
		Long: `Create an invitation for EMAIL and print the link that signs up with it.
The link is shown once (only its hash is stored): send it to the person
yourself. It creates one account, with that address, before it expires
([access] invite_expiry, 7 days by default).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				inv, err := svc.Identity.CreateInvite(cmd.Context(), adminPrincipal(), args[0])
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "invited %s until %s; send them this link (it is shown only now):\n%s\n", inv.Email, inv.ExpiresAt.Format(time.RFC3339), inv.Link)
				if mode := svc.Identity.Registration(); mode != "invite" {
					fmt.Fprintf(out, "note: registration is %q on this registry, not \"invite\" ([access] registration)\n", mode)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newInviteList(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List invitations, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				invs, err := svc.Identity.Invites(cmd.Context(), adminPrincipal())
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if len(invs) == 0 {
					fmt.Fprintln(out, "no invitations")
				}
				for _, i := range invs {
					fmt.Fprintf(out, "%d\t%s\tby %s\t%s\n", i.ID, i.Email, i.CreatedBy, svc.Identity.InviteState(i))
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}
