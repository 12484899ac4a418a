package cli

import (
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/server"
	"github.com/rampart/rampart/internal/store"
)

func newServe(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the registry",
		Long: `Run the registry until interrupted (Ctrl-C or SIGTERM), then shut down
cleanly: requests in flight finish (up to [shutdown] drain; what still runs
then is cut and logged, and the exit status is 0), download counts are
written. A second Ctrl-C or SIGTERM stops at once.

Operators: /-/healthz (liveness), /-/readyz (database, blob store, free
space), /-/metrics (Prometheus, [metrics] token_file); see
docs/operations.md.

With no configuration it keeps its data (SQLite metadata, package files by
digest) under ./rampart-data and listens on 127.0.0.1:4873. Settings come from
the config file, then RAMPART_* environment variables, then these flags.

One server per data folder: it locks <data>/lock, and a second server on
the same folder refuses to start. It also refuses a database migrated by a
newer Rampart or failing SQLite's quick check (see "rampart admin restore").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.load(env)
			if err != nil {
				return err
			}
			log := newServerLogger(cmd.ErrOrStderr(), env, cfg.Log)
			// Before anything opens the folder: a second server must fail
			// here, before it rebuilds documents for its own URL.
			dataDir, err := server.AcquireDataDir(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer dataDir.Release()
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return listenError(cfg.Listen, err)
			}
			// With port 0 the kernel picks one; report the real address.
			if cfg.PublicURL == config.DefaultPublicURL(cfg.Listen) {
				cfg.PublicURL = config.DefaultPublicURL(ln.Addr().String())
			}
			if err := dataDir.Record(ln.Addr().String(), cfg.PublicURL); err != nil {
				ln.Close()
				return err
			}
			svcCount, err := countUsers(cmd, cfg)
			if err != nil {
				ln.Close()
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Rampart is serving %s (data in %s)\n", cfg.PublicURL, cfg.Data)
			fmt.Fprintf(out, "Point npm at it:  npm config set registry %s\n", cfg.PublicURL)
			if svcCount == 0 {
				file := f.file
				if file == "" {
					file = env("RAMPART_CONFIG")
				}
				printFirstAdminHint(out, cfg, file)
			}
			// A release build has no test clock (nil: time.Now, no endpoint).
			now, wrap, err := testClock(env)
			if err != nil {
				ln.Close()
				return err
			}
			return server.Serve(cmd.Context(), cfg, ln, server.Options{Log: log, Now: now, Wrap: wrap, FreeSpace: testFreeSpace(env)})
		},
	}
	f.register(cmd, true)
	return cmd
}

// countUsers opens the data folder briefly to see whether it has accounts.
func countUsers(cmd *cobra.Command, cfg config.Config) (int, error) {
	svc, err := server.Open(cmd.Context(), cfg, server.Options{Log: discardLogger(), Console: true})
	if err != nil {
		return 0, err
	}
	defer svc.Close(cmd.Context())
	var n int
	err = svc.Store.View(cmd.Context(), func(tx store.Tx) error {
		var err error
		n, err = tx.CountUsers()
		return err
	})
	return n, err
}
