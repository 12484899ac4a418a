package clientcmd

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/audit"
	"github.com/rampart/rampart/internal/fix"
)

func newFix(env Env) *cobra.Command {
	var f clientFlags
	var adv advisoryFlags
	var eco string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "fix [DIR]",
		Short: "Upgrade vulnerable dependencies to the lowest fixed version, with the project's own package manager",
		Long: `Find the vulnerable packages as rampart audit does (every finding, reachable
or not) and upgrade each to the lowest version that fixes every advisory on
it, by running the project's own package manager so that the lockfile stays
its own:

  npm, a direct dependency      npm install NAME@VERSION (package.json's range
                                updated; --save-exact kept for exact pins)
  npm, a transitive dependency  npm pkg set overrides.NAME=VERSION, then
                                npm install, when every dependent's range
                                allows VERSION; otherwise not fixed, naming the
                                dependency to upgrade
  Go                            go get MODULE@VERSION, then go mod tidy

Then it audits again and prints what changed and what could not be fixed,
and why (a malicious package, no fixed version, ranges that exclude the fix).
--dry-run prints the plan and changes nothing.

` + registryHelp + `

Exit codes: 0 nothing vulnerable is left, 1 something could not be fixed,
2 error (a command failed: its output is shown).`,
		Example: `  rampart fix --dry-run        # what would change
  rampart fix                  # upgrade, then re-audit
  rampart fix --osv-dir ./osv  # offline advisories`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ce, err := newClientEnv(cmd, args, &f, env)
			if err != nil {
				return err
			}
			src, err := adv.source(ce)
			if err != nil {
				return err
			}
			tree, err := readTree(cmd, ce, eco)
			if err != nil {
				return err
			}
			ce.status("matching %d packages against advisories…", len(tree.Packages))
			found, err := audit.Match(cmd.Context(), tree, src)
			ce.statusDone()
			if err != nil {
				return asClientErr(err)
			}
			plan := fix.Make(tree, found)
			if !dryRun && len(plan.Changes) > 0 {
				err := fix.Apply(cmd.Context(), ce.dir, plan, func(c []string) {
					ce.status("running %s…", strings.Join(c, " "))
				})
				ce.statusDone()
				if err != nil {
					return asClientErr(err)
				}
				// Audit again: what is still vulnerable was not fixed.
				after, err := readTree(cmd, ce, eco)
				if err != nil {
					return err
				}
				left, err := audit.Match(cmd.Context(), after, src)
				if err != nil {
					return asClientErr(err)
				}
				skipped := map[string]bool{}
				for _, s := range plan.Skipped {
					skipped[s.Package] = true
				}
				for _, l := range left {
					if !skipped[l.Package] {
						skipped[l.Package] = true
						plan.Skipped = append(plan.Skipped, fix.Skip{Package: l.Package, Version: l.Version, Advisories: []string{l.ID}, Why: "still vulnerable after the upgrade: the package manager kept this version (see npm explain " + l.Package + ")"})
					}
				}
			}
			if f.json {
				enc := json.NewEncoder(ce.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					DryRun bool `json:"dry_run"`
					*fix.Plan
				}{dryRun, plan}); err != nil {
					return asClientErr(err)
				}
			} else {
				printFix(ce, plan, dryRun, len(found))
			}
			if len(plan.Skipped) > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d vulnerable package(s) not fixed: see why above", len(plan.Skipped))}
			}
			return nil
		},
	}
	f.register(cmd)
	adv.register(cmd)
	cmd.Flags().StringVar(&eco, "ecosystem", "", "npm or go (default: npm when DIR has package-lock.json, else go when it has go.mod)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would change, change nothing")
	return cmd
}

func printFix(ce *clientEnv, p *fix.Plan, dryRun bool, findings int) {
	w := ce.stdout
	if findings == 0 {
		fmt.Fprintf(w, "%s: nothing to fix\n", ce.paint("green", "clean"))
		return
	}
	verb := "upgraded"
	if dryRun {
		verb = "would upgrade"
	}
	for _, c := range p.Changes {
		fmt.Fprintf(w, "%s %s %s → %s (%s; %s)\n", ce.paint("green", verb), c.Package, strings.Join(c.From, ", "), c.To, c.How, strings.Join(c.Advisories, ", "))
		for _, args := range c.Commands {
			fmt.Fprintf(w, "    $ %s\n", strings.Join(args, " "))
		}
	}
	for _, s := range p.Skipped {
		fmt.Fprintf(w, "%s %s %s (%s): %s\n", ce.paint("red", "not fixed:"), s.Package, s.Version, strings.Join(s.Advisories, ", "), s.Why)
	}
}
