// Package cli is the rampart command tree. Run takes the whole process as
// parameters, so every command can be run and tested in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rampart/rampart/internal/clientcmd"
	"github.com/rampart/rampart/internal/config"
)

// ExitError carries a process exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is what main passes to os.Exit.
func (e *ExitError) ExitCode() int { return e.Code }

// Exit codes (see rampart --help).
const (
	ExitOK     = 0
	ExitFailed = 1 // the command failed
	ExitUsage  = 2 // the command line or the config is wrong
)

// Env is the process environment as a lookup function.
type Env func(string) string

// Run runs the rampart command line.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env Env) error {
	root := newRoot(ctx, stdin, stdout, stderr, env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return nil
	}
	// An ExitError of this package or of internal/clientcmd.
	var ee interface{ ExitCode() int }
	if errors.As(err, &ee) {
		fmt.Fprintln(stderr, "rampart:", err)
		return err
	}
	fmt.Fprintln(stderr, "rampart:", err)
	if isUsage(err) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return &ExitError{Code: ExitFailed, Err: err}
}

func isUsage(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unknown command") || strings.Contains(msg, "unknown flag") ||
		strings.Contains(msg, "flag needs an argument") || strings.Contains(msg, "required flag") ||
		strings.Contains(msg, "accepts ") || strings.Contains(msg, "invalid argument")
}

func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

func newRoot(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "rampart",
		Short: "Rampart: a self-hostable package registry built for supply-chain security",
		Long: `Rampart is a package registry that the stock npm CLI works with unchanged.

Run "rampart serve" for a registry with zero configuration: data under
./rampart-data, listening on 127.0.0.1:4873. Point npm at it with
  npm config set registry http://localhost:4873/

Exit codes: 0 success, 1 the command failed, 2 bad command line or config.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServe(env), newAdmin(env), newVersion())
	root.AddCommand(clientcmd.Commands(clientcmd.Env(env), Version)...)
	return root
}

// configFlags are the flags shared by every command that opens a registry.
type configFlags struct {
	file, data, listen, publicURL string
	// create lets an admin command make a data folder that does not exist
	// (admin user create --create); others refuse one (requireDataFolder).
	create bool
}

func (f *configFlags) register(cmd *cobra.Command, withListen bool) {
	cmd.Flags().StringVar(&f.file, "config", "", "config file (TOML); also RAMPART_CONFIG. See docs/config.example.toml")
	cmd.Flags().StringVar(&f.data, "data", "", "data folder (default ./rampart-data); also RAMPART_DATA")
	if withListen {
		cmd.Flags().StringVar(&f.listen, "listen", "", "address to listen on, HOST:PORT (default 127.0.0.1:4873); also RAMPART_LISTEN")
		cmd.Flags().StringVar(&f.publicURL, "public-url", "", "URL clients use to reach the registry (default http://<listen>/); also RAMPART_PUBLIC_URL")
	}
}

// load reads the config file and environment, applies flags, validates.
func (f *configFlags) load(env Env) (config.Config, error) {
	file := f.file
	if file == "" {
		file = env("RAMPART_CONFIG")
	}
	c, err := config.Load(file, env)
	if err != nil {
		return c, usageErr("%w", err)
	}
	if f.data != "" {
		c.Data = f.data
	}
	if f.listen != "" {
		c.Listen = f.listen
	}
	if f.publicURL != "" {
		c.PublicURL = f.publicURL
	}
	if err := c.Validate(); err != nil {
		return c, usageErr("invalid configuration:\n%w", err)
	}
	return c, nil
}

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "rampart", Version)
			return nil
		},
	}
}
