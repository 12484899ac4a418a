package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/secondfactor"
	"github.com/rampart/rampart/internal/server"
)

// clock is the admin commands' clock; nil is time.Now (tests set it).
var clock func() time.Time

// adminClock is the clock an admin command runs with: the in-process
// test's (clock), else a test build's (testClock), else nil for time.Now.
func adminClock(env Env) (func() time.Time, error) {
	if clock != nil {
		return clock, nil
	}
	now, _, err := testClock(env)
	return now, err
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// adminPrincipal is the operator at the console: whoever can run commands
// against the data folder is the registry's administrator.
func adminPrincipal() authz.Principal {
	return authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}
}

func newAdmin(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer a registry's data folder from the console",
		Long: `Administer a registry directly on its data folder. These commands work
whether or not "rampart serve" is running on the same folder.`,
	}
	user := &cobra.Command{Use: "user", Short: "Create, disable and enable accounts"}
	user.AddCommand(newUserCreate(env), newUserDisable(env), newUserEnable(env), newUserRecover(env), newModerator(env))
	name := &cobra.Command{Use: "name", Short: "Manage held (tombstoned) package names and typosquatting allowances"}
	name.AddCommand(newNameRelease(env), newNameAllow(env), newNameAllowed(env))
	pkg := &cobra.Command{Use: "package", Short: "Manage packages"}
	critical := &cobra.Command{Use: "critical", Short: "Designate critical packages (they need a security key or passkey to manage)"}
	critical.AddCommand(newCritical(env, true), newCritical(env, false), newCriticalList(env))
	pkg.AddCommand(critical)
	cmd.AddCommand(user, name, pkg, newBlobs(env), newBackup(env), newRestore(env), newKeys(env))
	cmd.AddCommand(newOrgCmd(env))
	cmd.AddCommand(newInviteCmd(env))
	cmd.AddCommand(newScanCmd(env), newQuarantineCmd(env))
	cmd.AddCommand(newAdvisories(env))
	cmd.AddCommand(newLogCmd(env))
	return cmd
}

func newCritical(env Env, on bool) *cobra.Command {
	var f configFlags
	use, short, done := "add NAME", "Designate a package critical, whatever its downloads", "designated %s critical\n"
	if !on {
		use, short, done = "rm NAME", "Remove an administrator's critical designation (the daily download ranking still applies)", "removed the critical designation of %s\n"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long: `Critical packages are the most downloaded (the top [mfa] critical_top_percent
over the last 30 days, at least one, among those with at least
[mfa] critical_min_downloads, recomputed daily) plus those designated here.
Publishing them (with an API token too), managing them and creating tokens
for them need a security key or passkey; TOTP alone is refused. A package
that becomes critical by downloads gets [mfa] critical_grace_period first;
a designation applies at once. Either way its maintainers are mailed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				if err := svc.Registry.Critical().Designate(cmd.Context(), adminPrincipal(), args[0], on); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), done, args[0])
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newCriticalList(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List critical packages and why each is critical",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				list, err := svc.Registry.Critical().List(cmd.Context())
				if err != nil {
					return err
				}
				for _, c := range list {
					var why []string
					if c.Designated {
						why = append(why, "designated")
					}
					if c.Computed {
						why = append(why, "top downloads as of "+c.ComputedAt.Format("2006-01-02"))
					}
					if from := svc.Registry.Critical().KeyRequiredFrom(c); !from.IsZero() {
						why = append(why, "TOTP still accepted until "+from.UTC().Format("2006-01-02 15:04 MST"))
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", c.Name, strings.Join(why, ", "))
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func withServices(cmd *cobra.Command, f *configFlags, env Env, fn func(*server.Services) error) error {
	cfg, err := f.load(env)
	if err != nil {
		return err
	}
	if err := requireDataFolder(cfg.Data, f.create); err != nil {
		return err
	}
	now, err := adminClock(env)
	if err != nil {
		return err
	}
	svc, err := server.Open(cmd.Context(), cfg, server.Options{Log: discardLogger(), Console: true, Now: now})
	if err != nil {
		return err
	}
	defer svc.Close(cmd.Context())
	return fn(svc)
}

func newUserCreate(env Env) *cobra.Command {
	var f configFlags
	var nu identity.NewUser
	var pwStdin bool
	cmd := &cobra.Command{
		Use:   "create --name NAME --email EMAIL [--password-stdin] [--verified] [--admin] [--create]",
		Short: "Create an account",
		Long: `Create an account. Run in a terminal, it prompts for the password without
showing it. A script passes it on the first line of standard input
instead, so that it never appears in the process list or shell history:

  printf '%s\n' "$PASSWORD" | rampart admin user create --name alice --email alice@example.com --password-stdin

The data folder must exist (the one "rampart serve" uses); --create starts a
new registry in a folder that does not exist yet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var pw string
			var err error
			if pwStdin {
				pw, err = readPassword(cmd.InOrStdin())
			} else if t := terminalOf(cmd.InOrStdin(), cmd.ErrOrStderr()); t != nil {
				pw, err = promptPassword(t, nu.Name)
			} else {
				err = usageErr("--password-stdin is required when standard input is not a terminal: pass the password on standard input (or run the command in a terminal to be prompted for it)")
			}
			if err != nil {
				return err
			}
			nu.Password = pw
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				u, err := svc.Identity.CreateUser(cmd.Context(), "operator", nu)
				if err != nil {
					return err
				}
				role := "user"
				if u.Admin {
					role = "administrator"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "created %s %s <%s>\n", role, u.Name, u.Email)
				if u.Admin {
					fmt.Fprintln(cmd.OutOrStdout(), adminFactorNote(svc.Factors))
				}
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&nu.Name, "name", "", "user name (lower case)")
	cmd.Flags().StringVar(&nu.Email, "email", "", "email address")
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	cmd.Flags().BoolVar(&nu.Verified, "verified", false, "mark the email address as verified")
	cmd.Flags().BoolVar(&nu.Admin, "admin", false, "make the user a registry administrator")
	cmd.Flags().BoolVar(&f.create, "create", false, "create the data folder (a new registry) if it does not exist")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("email")
	return cmd
}

// adminFactorNote tells the operator that a new administrator must add a
// second factor before using administrative power in the browser.
func adminFactorNote(factors *secondfactor.Service) string {
	where, key := factors.AdminEnrolment()
	if key {
		return "administrators need a security key or passkey: when it first signs in to the web UI, the account is sent to add one at " + where +
			" and can use no administrative power until it has ([mfa] insecure_admins_with_totp = true accepts an authenticator app instead)"
	}
	return "administrators need two-factor authentication: when it first signs in to the web UI, the account is sent to enable it at " + where +
		" and can use no administrative power until it has"
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, limits.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageErr("no password on standard input")
	}
	return line, nil
}

func newUserDisable(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable an account: it can no longer sign in, and all its tokens are revoked",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				if err := svc.Identity.DisableUser(cmd.Context(), "operator", args[0]); errors.Is(err, identity.ErrAlreadyDisabled) {
					fmt.Fprintf(cmd.OutOrStdout(), "%s was already disabled: nothing changed (rampart admin user enable %s turns it back on)\n", args[0], args[0])
					return nil
				} else if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "disabled %s and revoked its tokens\n", args[0])
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newNameRelease(env Env) *cobra.Command {
	var f configFlags
	cmd := &cobra.Command{
		Use:   "release NAME",
		Short: "Release the held name of an unpublished package so anyone may take it",
		Long: `Release the name of an unpublished package. Until released, the name is
held so that nobody but its former maintainers can publish under it. Version
numbers it used stay used forever, even for a new owner.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				if err := svc.Registry.ReleaseName(cmd.Context(), adminPrincipal(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "released the name %s\n", args[0])
				return nil
			})
		},
	}
	f.register(cmd, false)
	return cmd
}

func newUserRecover(env Env) *cobra.Command {
	var f configFlags
	var reason string
	var complete bool
	cmd := &cobra.Command{
		Use:   "recover NAME (--reason TEXT | --complete)",
		Short: "Start or complete an assisted account recovery (after a mandatory wait)",
		Long: `Assisted recovery, for a user who lost the password and every second factor
and has no recovery code (docs/policies/account-recovery.md). Only start it
when the request came from the account's verified address.

  rampart admin user recover alice --reason "asked from alice@example.com, lost phone"

records the recovery, mails a notice with a link to cancel it to every
address the account had in the last 90 days (its current verified address
and any verified address it replaced), and writes an event. It takes
effect only after the waiting period ([recovery] wait, 7 days by default);
the user cancels it by the link or by signing in with the current
credentials.

  rampart admin user recover alice --complete

after the wait removes every second factor (TOTP, recovery codes, security
keys and passkeys), signs every browser out, revokes every token, mails
the same addresses that it is done, and mails a password-reset link to the
current verified address only. Before the wait it is refused with the time
left. There is no way to send the link to another address, or to shorten
the wait.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if complete == (reason != "") {
				return usageErr("give exactly one of --reason (to start a recovery) or --complete")
			}
			return withServices(cmd, &f, env, func(svc *server.Services) error {
				if complete {
					u, err := svc.Identity.CompleteRecovery(cmd.Context(), "operator", args[0])
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "recovered %s: second factors removed, tokens revoked, a password-reset link mailed to its verified address %s\n", u.Name, authz.MaskEmail(u.Email))
					return nil
				}
				rec, err := svc.Identity.StartRecovery(cmd.Context(), "operator", args[0], reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "started the recovery of %s; the user was mailed and can cancel it; complete it with --complete after %s\n", args[0], rec.EffectiveAt.UTC().Format(time.RFC3339))
				return nil
			})
		},
	}
	f.register(cmd, false)
	cmd.Flags().StringVar(&reason, "reason", "", "why, and who asked from which address (recorded in the event log)")
	cmd.Flags().BoolVar(&complete, "complete", false, "complete a recovery whose waiting period is over")
	return cmd
}
