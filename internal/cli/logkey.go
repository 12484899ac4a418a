package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/tlog"
)

// newLogCmd is `rampart admin log`: the transparency log's checkpoint
// keys (docs/transparency-log.md).
func newLogCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "log", Short: "The transparency log's checkpoint keys"}
	key := &cobra.Command{Use: "key", Short: "List and rotate the key that signs the log's checkpoints"}
	key.AddCommand(newLogKeyList(env), newLogKeyRotate(env))
	cmd.AddCommand(key)
	return cmd
}

func newLogKeyList(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the checkpoint keys, oldest first",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(env)
			if err != nil {
				return err
			}
			keys, err := tlog.Keys(tlog.KeysDir(filepath.Join(cfg.Data, "tlog")))
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no checkpoint key yet: the server makes one when it first starts, or run rampart admin log key rotate")
			}
			for i, k := range keys {
				state := "retired"
				switch {
				case k.Current(keys):
					state = "current"
				case i == len(keys)-2:
					state = "co-signs"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", k.Verifier, state)
			}
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

func newLogKeyRotate(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new checkpoint key; it signs from the server's next start",
		Long: `Make a new Ed25519 checkpoint key for the transparency log. From the
server's next start it signs every checkpoint, and the previous key
co-signs them, so clients that pinned the previous key keep verifying and
learn the new one from a checkpoint both keys signed. Keys older than the
previous one sign nothing more.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(env)
			if err != nil {
				return err
			}
			k, err := tlog.RotateKey(tlog.KeysDir(filepath.Join(cfg.Data, "tlog")), tlog.Origin(cfg.PublicURL))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is the new checkpoint key; it signs from the server's next start, with the previous key co-signing\n", k.Verifier)
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}
