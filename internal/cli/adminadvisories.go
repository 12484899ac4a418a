package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/server"
)

// newAdvisories is `rampart admin advisories`: the OSV advisory database
// (internal/advisory, docs/advisories.md).
func newAdvisories(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "advisories", Short: "Import OSV advisories and publish malicious-package advisories"}
	cmd.AddCommand(newAdvisoriesImport(env), newAdvisoriesMalicious(env))
	return cmd
}

func newAdvisoriesImport(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Import OSV advisories from a folder or a zip (such as OSV's npm/all.zip)",
		Long: `Import the OSV records at PATH: a folder of .json files (searched
recursively) or a zip of them, the layout of OSV's per-ecosystem exports
(https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip). A record
already stored at its modified time or later is left alone, so importing
again changes nothing; a withdrawn record stops matching. Invalid records
are listed and skipped; the rest are imported. Each advisory added or
changed is recorded in the event log.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				sum, err := svc.Advisories.ImportPath(cmd.Context(), adminPrincipal(), args[0])
				for _, e := range sum.Errors {
					fmt.Fprintf(cmd.ErrOrStderr(), "skipped %s\n", e)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), sum.String())
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newAdvisoriesMalicious(env Env) *cobra.Command {
	var f configFlags
	var summary, details string
	cmd := &cobra.Command{
		Use:   "malicious NAME@VERSION...",
		Short: "Publish a malicious-package advisory (MAL-YYYY-NNNN) for versions of one package",
		Long: `Publish Rampart's own malicious-package advisory, MAL-YYYY-NNNN, naming
the versions given (all of one package). It is served at once: by the OSV
API (/-/osv/v1), to npm audit as critical, and on the web. This does not
remove the versions: quarantine or unpublish them as well.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var name string
			var versions []string
			for _, a := range args {
				n, v, ok := splitNameVersion(a)
				if !ok {
					return core.Errorf(core.KindInvalid, "%q: give NAME@VERSION, such as left-pad@1.3.0 or @scope/pkg@2.0.1", a)
				}
				if name != "" && n != name {
					return core.Errorf(core.KindInvalid, "one advisory names one package: %s and %s differ; run the command once per package", name, n)
				}
				name = n
				versions = append(versions, v)
			}
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				id, err := svc.Advisories.Malicious(cmd.Context(), adminPrincipal(), core.NPM(name), versions, summary, details)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "published %s: %s@%s is malicious\n", id, name, strings.Join(versions, ", "))
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&summary, "summary", "", "one line on what the versions do (default: Malicious code in NAME (npm))")
	cmd.Flags().StringVar(&details, "details", "", "what was found and what users who installed it should do")
	return cmd
}

// splitNameVersion splits NAME@VERSION, a scope's @ included in NAME.
func splitNameVersion(s string) (name, version string, ok bool) {
	i := strings.LastIndex(s, "@")
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
