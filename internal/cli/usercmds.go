package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/server"
)

// requireDataFolder refuses a data folder that does not exist unless the
// command was asked to create one: a typo in --data must not quietly
// start a second, empty registry.
func requireDataFolder(dir string, create bool) error {
	_, err := os.Stat(dir)
	switch {
	case err == nil, create:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return usageErr("data folder %s does not exist: point --data (or RAMPART_DATA, or data in the config file) at the folder \"rampart serve\" uses; to start a new registry there, run rampart admin user create with --create", dir)
	}
	return fmt.Errorf("data folder: %w", err)
}

func newUserEnable(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "enable NAME",
		Short: "Re-enable a disabled account: it can sign in again (its old tokens stay revoked)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				err := svc.Identity.EnableUser(cmd.Context(), "operator", args[0])
				if errors.Is(err, identity.ErrNotDisabled) {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is not disabled: nothing changed\n", args[0])
					return nil
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "enabled %s: it can sign in again; its tokens revoked when it was disabled stay revoked\n", args[0])
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}
