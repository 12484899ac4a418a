package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/server"
)

// newKeys is `rampart admin keys`: the registry's signing keys
// (docs/signatures.md).
func newKeys(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "List and rotate the registry's signing keys"}
	cmd.AddCommand(newKeysList(env), newKeysRotate(env))
	return cmd
}

func newKeysList(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List every signing key, oldest first, with when it was retired",
		Long: `List every key the registry has signed versions with, as GET /-/npm/v1/keys
serves them: the current key signs new versions; a retired key stays listed
with its expiry, so that the versions it signed keep verifying.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				keys, err := svc.Signing.Keys(cmd.Context())
				if err != nil {
					return err
				}
				if len(keys) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "no signing keys yet: the server makes one when it first starts, or run rampart admin keys rotate")
				}
				for _, k := range keys {
					state := "current"
					if !k.Current() {
						state = "expires " + stamp(k.Expires)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s\tcreated %s\t%s\n", k.KeyID, stamp(k.Created), state)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newKeysRotate(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key current and retire the current one",
		Long: `Make a new ECDSA P-256 key current: versions published from now on are
signed with it. The current key is retired: it stays listed at
GET /-/npm/v1/keys with its expiry (now), so the versions it signed keep
verifying, and it never signs again. The new private key is written to the
data folder's signing/ folder, readable by its owner only. Safe to run
beside a live server, which signs with the new key from its next publish.
With [signing] key_file set, rotate by putting a new key in that file and
restarting the server instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				retired, cur, err := svc.Signing.Rotate(cmd.Context(), adminPrincipal().User.Name)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s is now the current signing key\n", cur.KeyID)
				if retired != nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is retired: versions published from %s on are not signed with it\n", retired.KeyID, stamp(retired.Expires))
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

// stamp formats a key's time for the console, to the millisecond that
// npm compares publish times at.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
