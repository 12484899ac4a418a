package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/quarantine"
	"github.com/rampart/rampart/internal/server"
)

// The console's side of malware scanning and moderation
// (internal/quarantine, docs/moderation.md): `rampart admin scan
// rescan|status|rules` and `rampart admin quarantine
// list|show|hold|release|confirm|remove|restore`.

func newScanCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "scan", Short: "Rescan existing versions with the current malware rules"}
	cmd.AddCommand(newScanRescan(env), newScanStatus(env), newScanRules(env))
	return cmd
}

func newQuarantineCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "quarantine", Short: "Review held versions: list, show, hold, release, confirm, remove, restore"}
	cmd.AddCommand(newQuarantineList(env), newQuarantineShow(env))
	for _, a := range []struct{ name, short string }{
		{"hold", "Quarantine a version: served to no one until released"},
		{"release", "Release a held version (a false positive): served again"},
		{"remove", "Take a version down with a reason (restorable)"},
		{"restore", "Restore a version a moderator held or removed"},
		{"confirm", "Confirm a version malicious: removed for good, its digests blocklisted, an advisory published"},
	} {
		cmd.AddCommand(newQuarantineAction(env, a.name, a.short))
	}
	return cmd
}

func newScanRescan(env Env) *cobra.Command {
	var f configFlags
	var pkg string
	cmd := &cobra.Command{
		Use:   "rescan",
		Short: "Scan every existing version (or one package's) with the current rules; a hit is quarantined",
		Long: `Scan existing versions with the current rules (the built-in ones and the
files in [scan] rules). A version that hits is quarantined, its
maintainers and the moderators are mailed; a version a moderator released
is not held again for the rules noted then. At the console the rescan runs
to its end; the server's API starts it in the background.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				r, err := svc.Quarantine.StartRescan(cmd.Context(), adminPrincipal(), pkg)
				if err != nil {
					return err
				}
				printRescan(cmd.OutOrStdout(), r)
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&pkg, "package", "", "rescan only this package")
	return cmd
}

func newScanStatus(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the progress of the newest rescan",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				r, err := svc.Quarantine.RescanStatus(cmd.Context(), adminPrincipal())
				if err != nil {
					return err
				}
				printRescan(cmd.OutOrStdout(), r)
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newScanRules(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the malware rules in use (built-in and from [scan] rules)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				for _, r := range svc.Quarantine.Scanner().Rules() {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\n", r.ID, r.Severity, r.Description)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func printRescan(w io.Writer, r *core.Rescan) {
	scope := "every package"
	if r.Package != "" {
		scope = r.Package
	}
	fmt.Fprintf(w, "rescan %d of %s: %s, %d of %d versions scanned, %d held\n", r.ID, scope, r.State, r.Done, r.Total, r.Held)
	if r.Error != "" {
		fmt.Fprintf(w, "last error: %s\n", r.Error)
	}
}

func newQuarantineList(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the held versions, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				list, total, err := svc.Quarantine.HeldVersions(cmd.Context(), adminPrincipal(), 500, 0)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if total == 0 {
					fmt.Fprintln(out, "no held versions")
				}
				for _, hv := range list {
					kind := string(hv.Hold.Kind)
					if kind == "" {
						kind = "held"
					}
					fmt.Fprintf(out, "%s@%s\t%s\t%s\t%d findings\t%s\n", hv.Ref.Name, hv.Version, kind, hv.Hold.By, hv.Findings, hv.Hold.Reason)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newQuarantineShow(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "show NAME@VERSION",
		Short: "Show a version's evidence: why it is held, the findings, the files",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version, err := nameAtVersion(args[0])
			if err != nil {
				return err
			}
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				ev, err := svc.Quarantine.Evidence(cmd.Context(), adminPrincipal(), name, version)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "%s@%s: %s, published by %s\n", name, version, ev.State, ev.Publisher)
				if ev.Hold != nil {
					fmt.Fprintf(out, "hold: %s by %s: %s\n", ev.Hold.Kind, ev.Hold.By, ev.Hold.Reason)
				}
				for _, fd := range ev.Findings {
					fmt.Fprintf(out, "finding: %s (%s) in %s: %s\n", fd.Rule, fd.Severity, fd.File, fd.Excerpt)
				}
				for _, fl := range ev.Files {
					fmt.Fprintf(out, "file: %s\t%d\tsha256:%s\n", fl.Path, fl.Size, fl.SHA256)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newQuarantineAction(env Env, action, short string) *cobra.Command {
	var f configFlags
	var reason string
	var revoke bool
	cmd := &cobra.Command{
		Use:   action + " NAME@VERSION --reason TEXT",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version, err := nameAtVersion(args[0])
			if err != nil {
				return err
			}
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				q, p, ctx := svc.Quarantine, adminPrincipal(), cmd.Context()
				var out *quarantine.Outcome
				switch action {
				case "hold":
					out, err = q.Hold(ctx, p, name, version, reason)
				case "release":
					out, err = q.Release(ctx, p, name, version, reason)
				case "remove":
					out, err = q.Remove(ctx, p, name, version, reason)
				case "restore":
					out, err = q.Restore(ctx, p, name, version, reason)
				case "confirm":
					out, err = q.Confirm(ctx, p, name, version, reason, quarantine.ConfirmOptions{RevokeTokens: revoke})
				}
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "%s@%s is now %s\n", name, version, out.State)
				if out.Tag != "" {
					fmt.Fprintf(w, "dist-tag %s now points at it\n", out.Tag)
				}
				if action == "confirm" {
					fmt.Fprintf(w, "%d digests blocklisted, %d tokens revoked", out.Blocked, out.TokensRevoked)
					if out.Advisory != "" {
						fmt.Fprintf(w, ", advisory %s published", out.Advisory)
					}
					fmt.Fprintln(w)
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; the maintainers and the event log read it)")
	if action == "confirm" {
		cmd.Flags().BoolVar(&revoke, "revoke-tokens", false, "also revoke every token of the package's maintainers")
	}
	return cmd
}

// nameAtVersion splits "name@version" ("@scope/name@version" too).
func nameAtVersion(s string) (string, string, error) {
	i := strings.LastIndex(s, "@")
	if i <= 0 || i == len(s)-1 {
		return "", "", fmt.Errorf("%q: give the version as NAME@VERSION, e.g. left-pad@1.3.0", s)
	}
	return s[:i], s[i+1:], nil
}
