package clientcmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/audit"
	"github.com/rampart/rampart/internal/deptree"
	osv "github.com/rampart/rampart/internal/osvclient"
)

// advisoryFlags choose where advisories come from (audit and fix).
type advisoryFlags struct {
	osvDir, osvURL string
}

func (a *advisoryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.osvDir, "osv-dir", "", "work offline from an OSV export: a folder of OSV JSON files or per-ecosystem zips (npm/all.zip, Go/all.zip)")
	cmd.Flags().StringVar(&a.osvURL, "osv-url", "", "an OSV API base URL serving v1/query and v1/querybatch (default: the registry's <registry>/-/osv/)")
}

// source is the advisory source the flags name.
func (a *advisoryFlags) source(ce *clientEnv) (osv.Source, error) {
	if a.osvDir != "" {
		d, err := osv.LoadDir(a.osvDir)
		if err != nil {
			return nil, clientErr("%w", err)
		}
		return d, nil
	}
	base := ce.cfg.Registry.ResolveReference(&url.URL{Path: "-/osv/"})
	token := ce.cfg.Token
	if a.osvURL != "" {
		u, err := url.Parse(a.osvURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, usageErr("--osv-url %q is not an http(s) URL", a.osvURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		// A token goes only to the host it is configured for: the
		// registry's to the registry's host, none to another.
		token, _ = ce.cfg.TokenFor(u)
		base = u
	}
	return &osv.API{Base: base, Token: token, Client: ce.http}, nil
}

func newAudit(env Env) *cobra.Command {
	var f clientFlags
	var adv advisoryFlags
	var eco, format string
	var entries []string
	var all, noReach bool
	cmd := &cobra.Command{
		Use:   "audit [DIR]",
		Short: "Find known vulnerabilities and malicious packages in a project, and whether its code reaches them",
		Long: `Match every package of the resolved tree (package-lock.json, or a Go module's
build list) against OSV advisories: the registry's OSV API (<registry>/-/osv/,
or --osv-url), or offline an OSV export folder (--osv-dir). Each finding
shows its severity, the path from the project to the package, the lowest
fixed version, and its reachability:

  npm  the import graph from the project's entry points (package.json main,
       exports and bin, or --entry) built with esbuild; a package no entry
       point imports is not reachable; where the advisory names affected
       exports (ecosystem_specific.imports: [{path, symbols}]) and the code
       imports only other exports, not reachable either.
  Go   govulncheck's analysis (golang.org/x/vuln) against a Go vulnerability
       database built from the advisories in a temporary folder, offline:
       reachable only when a vulnerable function is called.

A malicious package (an OSV MAL- id) is always critical and always counts:
it can act at install time whether or not code imports it.

Unreachable findings are listed apart and do not fail the audit unless --all.

Output: a table; --json (or --format json); --format sarif (SARIF 2.1.0).

` + registryHelp + `

Exit codes: 0 no finding counts, 1 findings that count, 2 error.`,
		Example: `  rampart audit                         # the project in ./, advisories from the registry
  rampart audit --osv-dir ./osv-export  # offline
  rampart audit --entry src/cli.ts --all
  rampart audit --format sarif > audit.sarif`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ce, err := newClientEnv(cmd, args, &f, env)
			if err != nil {
				return err
			}
			if f.json {
				format = "json"
			}
			if format != "table" && format != "json" && format != "sarif" {
				return usageErr("--format %q: use table, json or sarif", format)
			}
			src, err := adv.source(ce)
			if err != nil {
				return err
			}
			ce.status("reading the dependency tree…")
			tree, err := readTree(cmd, ce, eco)
			if err != nil {
				return err
			}
			opts := audit.Options{All: all}
			if !noReach {
				opts.Reacher = reacherFor(tree, entries)
			}
			ce.status("matching %d packages against advisories…", len(tree.Packages))
			rep, err := audit.Run(cmd.Context(), tree, src, opts)
			ce.statusDone()
			if err != nil {
				return asClientErr(err)
			}
			switch format {
			case "json":
				enc := json.NewEncoder(ce.stdout)
				enc.SetIndent("", "  ")
				if rep.Findings == nil {
					rep.Findings = []audit.Finding{}
				}
				if err := enc.Encode(rep); err != nil {
					return asClientErr(err)
				}
			case "sarif":
				if err := audit.WriteSARIF(ce.stdout, rep, Version); err != nil {
					return asClientErr(err)
				}
			default:
				printAudit(ce, rep)
			}
			if n := rep.Counting(); n > 0 {
				return &ExitError{Code: ExitFindings, Err: fmt.Errorf("%d finding(s) to act on: run `rampart fix` to upgrade what has a fix", n)}
			}
			return nil
		},
	}
	f.register(cmd)
	adv.register(cmd)
	cmd.Flags().StringVar(&eco, "ecosystem", "", "npm or go (default: npm when DIR has package-lock.json, else go when it has go.mod)")
	cmd.Flags().StringVar(&format, "format", "table", "table, json or sarif")
	cmd.Flags().StringArrayVar(&entries, "entry", nil, "an entry point of the project's code, beside package.json's main, exports and bin (repeatable; npm)")
	cmd.Flags().BoolVar(&all, "all", false, "let findings that are not reachable fail the audit too")
	cmd.Flags().BoolVar(&noReach, "no-reach", false, "skip the reachability analysis: every finding counts")
	return cmd
}

// reacherFor is the reachability analysis for the tree's ecosystem.
func reacherFor(t *deptree.Tree, entries []string) audit.Reacher {
	switch t.Ecosystem {
	case deptree.NPM:
		return audit.JS{Entries: entries}
	case deptree.Go:
		return goReacher()
	}
	return nil
}

func printAudit(ce *clientEnv, r *audit.Report) {
	w := ce.stdout
	if len(r.Findings) == 0 {
		fmt.Fprintf(w, "%s: no known vulnerabilities or malicious packages in %d packages\n", ce.paint("green", "clean"), r.Packages)
		return
	}
	var counting, apart []audit.Finding
	for _, f := range r.Findings {
		if f.Counts {
			counting = append(counting, f)
		} else {
			apart = append(apart, f)
		}
	}
	fmt.Fprintf(w, "%d finding(s) in %d packages; reachability: %s\n", len(r.Findings), r.Packages, r.Analysis)
	if len(counting) > 0 {
		fmt.Fprintf(w, "\n%s\n", ce.paint("bold", "TO ACT ON"))
		for _, f := range counting {
			printFinding(ce, w, f)
		}
	}
	if len(apart) > 0 {
		fmt.Fprintf(w, "\n%s\n", ce.paint("bold", "NOT REACHABLE (shown apart; --all makes them count)"))
		for _, f := range apart {
			printFinding(ce, w, f)
		}
	}
}

func printFinding(ce *clientEnv, w io.Writer, f audit.Finding) {
	colour := map[string]string{"critical": "magenta", "high": "red", "moderate": "yellow", "low": "dim"}[f.Severity]
	sev := fmt.Sprintf("%-8s", f.Severity)
	if colour != "" {
		sev = ce.paint(colour, sev)
	}
	title := f.Summary
	if f.Malicious && title == "" {
		title = "malicious package"
	}
	fmt.Fprintf(w, "  %s %s  %s@%s  %s\n", sev, f.ID, f.Package, f.Version, title)
	switch {
	case f.Malicious:
		fmt.Fprintf(w, "           fix: remove it (npm uninstall %s, or the dependency that brings it)\n", f.Package)
	case f.Fixed != "":
		fmt.Fprintf(w, "           fixed in: %s\n", f.Fixed)
	default:
		fmt.Fprintf(w, "           fixed in: no fixed version known\n")
	}
	for _, p := range f.Paths {
		fmt.Fprintf(w, "           path: %s\n", p)
	}
	reach := f.Reachability
	if f.Level != "" {
		reach += " (" + f.Level + ")"
	}
	if f.Detail != "" {
		reach += ": " + f.Detail
	}
	fmt.Fprintf(w, "           %s\n", reach)
}
