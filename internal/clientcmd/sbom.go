package clientcmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/deptree"
	"github.com/rampart/rampart/internal/sbom"
)

func newSBOM(env Env) *cobra.Command {
	var f clientFlags
	var format, outFile, eco string
	var offline bool
	var pkgSpec string
	cmd := &cobra.Command{
		Use:   "sbom [DIR]",
		Short: "Write a software bill of materials (CycloneDX 1.6 or SPDX 2.3) for a project",
		Long: `Write an SBOM for the npm project (package-lock.json, lockfileVersion 2 or 3)
or Go module (go.mod, go.sum and the build list from "go list -m all") in
DIR (default: the current folder).

Every package is listed with its purl, version, integrity hashes (the
lockfile's SRI as SHA-512/SHA-1 hex), licence, supplier (the author in its
installed package.json) and its dependencies. For packages resolved from a
Rampart registry the SBOM also references the registry's publish
attestation, the build provenance and the transparency-log entry, where the
registry has them (--offline skips these look-ups).

With --package name@version the SBOM is not made here: the registry's own
SBOM of that published version is fetched (GET /-/sbom/<name>/<version>):
the version with its hashes, licence and supplier, its declared
dependencies as the registry resolves them now, and its references.

` + registryHelp + `

Exit codes: 0 written, 2 error (no lockfile, unreadable project, bad flags,
a version the registry does not have or you may not read).`,
		Example: `  rampart sbom                          # CycloneDX 1.6 JSON of ./ on stdout
  rampart sbom --format spdx -o sbom.spdx.json ./app
  rampart sbom --ecosystem go ./service # a Go module
  rampart sbom --package left-pad@1.3.0 --format spdx  # the registry's SBOM of one version`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ce, err := newClientEnv(cmd, args, &f, env)
			if err != nil {
				return err
			}
			if format != sbom.CycloneDX && format != sbom.SPDX {
				return usageErr("--format %q: use cyclonedx or spdx", format)
			}
			if pkgSpec != "" {
				if len(args) > 0 {
					return usageErr("%v", errPackageAndDir)
				}
				w, done, err := ce.output(outFile)
				if err != nil {
					return err
				}
				if err := fetchPackageSBOM(cmd.Context(), ce, pkgSpec, format, w); err != nil {
					done()
					return err
				}
				return done()
			}
			ce.status("reading the dependency tree…")
			tree, err := readTree(cmd, ce, eco)
			if err != nil {
				return err
			}
			opts := sbom.Options{ToolVersion: Version, Now: nowFunc()}
			if !offline {
				ce.status("asking %s for attestations…", ce.cfg.Registry.Host)
				opts.Refs = sbom.FetchRefs(cmd.Context(), sbom.Registry{URL: ce.cfg.Registry, Token: ce.cfg.Token, Client: ce.http}, tree)
			}
			ce.statusDone()
			w, done, err := ce.output(outFile)
			if err != nil {
				return err
			}
			if err := sbom.Write(w, format, tree, opts); err != nil {
				done()
				return asClientErr(err)
			}
			if err := done(); err != nil {
				return clientErr("write %s: %w", outFile, err)
			}
			if outFile != "" && !f.json {
				fmt.Fprintf(ce.stderr, "%s %s (%s, %d packages)\n", ce.paint("green", "wrote"), outFile, format, len(tree.Packages))
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&format, "format", sbom.CycloneDX, "cyclonedx (1.6 JSON) or spdx (2.3 JSON)")
	cmd.Flags().StringVarP(&outFile, "output", "o", "", "write to FILE instead of stdout")
	cmd.Flags().StringVar(&eco, "ecosystem", "", "npm or go (default: npm when DIR has package-lock.json, else go when it has go.mod)")
	cmd.Flags().BoolVar(&offline, "offline", false, "do not ask the registry for attestations and log entries")
	cmd.Flags().StringVar(&pkgSpec, "package", "", "fetch the registry's own SBOM of one published version, name@version, instead of a project's")
	return cmd
}

// readTree reads the project's dependency tree for the ecosystem asked
// for, or the one the folder has.
func readTree(cmd *cobra.Command, ce *clientEnv, eco string) (*deptree.Tree, error) {
	if eco == "" {
		eco = detectEcosystem(ce.dir)
	}
	switch eco {
	case "npm":
		t, err := deptree.ReadNPM(ce.dir)
		return t, asClientErr(err)
	case "go", "Go":
		t, err := deptree.ReadGo(cmd.Context(), ce.dir)
		return t, asClientErr(err)
	case "":
		return nil, clientErr("%s has neither package-lock.json nor go.mod: run `npm install` or `go mod init` first, or give the project's folder", ce.dir)
	}
	return nil, usageErr("--ecosystem %q: use npm or go", eco)
}

func detectEcosystem(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		return "npm"
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return "go"
	}
	return ""
}
