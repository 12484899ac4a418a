package clientcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rampart/rampart/internal/lockverify"
	"github.com/rampart/rampart/internal/provenance"
	"github.com/rampart/rampart/internal/tlogclient"
)

// newVerify is `rampart verify [DIR]` (docs/transparency-log.md).
func newVerify(env Env) *cobra.Command {
	var f clientFlags
	var logKey, trustedRoot, cacheDir string
	var verbose, asJSON, noProvenance, noTarballs bool
	cmd := &cobra.Command{
		Use:   "verify [DIR]",
		Short: "Check a project's locked packages against the registry's transparency log",
		Long: `Check every package that DIR/package-lock.json (default: the current
folder) pins from a Rampart registry, instead of trusting the registry:

  - its name@version with the lockfile's integrity is in the registry's
    transparency log: an inclusion proof against a signed checkpoint;
  - that checkpoint is consistent with the last one this machine saw
    (kept under the user's cache folder, rampart/tlog/): a registry that
    shows different logs to different people is caught;
  - the tarball the registry serves hashes to the lockfile's integrity;
  - the registry's signature in dist.signatures verifies with a key
    from /-/npm/v1/keys;
  - the provenance bundle, where the version has one, verifies against
    the Sigstore trusted root (--trusted-root; public-good by default).

The log's checkpoint key is pinned the first time (like GOSUMDB), or
given with --log-key.

` + registryHelp + `

Exit codes: 0 every package verified, 1 any failed, 2 bad command line or
no registry configured.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			cfg, err := f.load(dir, env)
			if err != nil {
				return err
			}
			if err := cfg.needRampart(); err != nil {
				return err
			}
			registry := cfg.Registry.String()
			if cacheDir == "" {
				if cacheDir = env("RAMPART_CACHE_DIR"); cacheDir == "" {
					ucd, err := os.UserCacheDir()
					if err != nil {
						return fmt.Errorf("no cache folder for the log's pinned key and last checkpoint (set --cache-dir): %w", err)
					}
					cacheDir = filepath.Join(ucd, "rampart")
				}
			}
			pkgs, err := lockverify.ReadLockfile(dir, registry)
			if err != nil {
				return err
			}
			hc := cfg.httpClient(60 * time.Second)
			lc, err := tlogclient.New(registry, hc, cacheDir, logKey)
			if err != nil {
				return usageErr("%w", err)
			}
			o := &lockverify.Options{Registry: registry, HTTP: hc, Log: lc, Workers: 8, Tarballs: !noTarballs}
			// The token npm would send to this registry, for private
			// packages; sent to the registry's host only.
			// (hc's transport already adds it; lockverify and the log
			// client also say, on a refusal, whether one was sent.)
			if tok, _ := cfg.TokenFor(cfg.Registry); tok != "" {
				o.Token = tok
				lc.UseToken(tok)
			}
			if !noProvenance {
				if o.Provenance, err = provenance.LoadVerifier(trustedRoot); err != nil {
					return usageErr("--trusted-root: %w", err)
				}
			}
			stderr := cmd.ErrOrStderr()
			if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !asJSON && len(pkgs) > 20 {
				o.Progress = func(done, total int) { progress(stderr, done, total) }
			}
			rep, err := lockverify.Run(cmd.Context(), pkgs, o)
			if o.Progress != nil {
				fmt.Fprint(stderr, "\r\033[K")
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printReport(out, rep, verbose)
			}
			if rep.Failed > 0 {
				return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%d of %d packages failed verification", rep.Failed, len(rep.Packages))}
			}
			return nil
		},
	}
	f.registerRegistry(cmd)
	cmd.Flags().StringVar(&logKey, "log-key", "", "the log's checkpoint key (origin+hash+key, from GET /-/log/key); default: pinned on first use")
	cmd.Flags().StringVar(&trustedRoot, "trusted-root", "", "Sigstore trusted_root.json for provenance (default: Sigstore's public-good instance)")
	cmd.Flags().BoolVar(&noProvenance, "no-provenance", false, "skip provenance bundles")
	cmd.Flags().BoolVar(&noTarballs, "no-tarballs", false, "do not download the tarballs to check they hash to the lockfile's integrity")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", "", "where the pinned key, last checkpoint and tiles are kept (default: the user's cache folder/rampart; also RAMPART_CACHE_DIR)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "a line for every package, not only the failures")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func printReport(w io.Writer, rep *lockverify.Report, verbose bool) {
	if rep.Pinned != "" {
		fmt.Fprintf(w, "pinned the log key of %s on first use: %s\n", rep.Registry, rep.Pinned)
	}
	for _, r := range rep.Packages {
		switch {
		case !r.OK:
			fmt.Fprintf(w, "FAIL %s@%s\n", r.Name, r.Version)
			for _, p := range r.Problems {
				fmt.Fprintf(w, "  - %s\n", p)
			}
		case verbose:
			extra := ""
			if r.Provenance != "" {
				extra = ", provenance " + r.Provenance
			}
			fmt.Fprintf(w, "ok   %s@%s (leaf %d, signed by %s%s)\n", r.Name, r.Version, *r.LeafIndex, r.Signature, extra)
		}
	}
	fmt.Fprintf(w, "%d packages from %s: %d verified, %d failed, against log %s at size %d\n",
		len(rep.Packages), rep.Registry, len(rep.Packages)-rep.Failed, rep.Failed, rep.Origin, rep.TreeSize)
}

func progress(w io.Writer, done, total int) {
	const width = 30
	n := done * width / max(total, 1)
	fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total)
}
