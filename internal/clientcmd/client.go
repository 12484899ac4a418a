package clientcmd

// The client commands work on a project folder and share one way to find
// the registry and the token (internal/npmrc), one set of flags and one
// set of output conventions, set here:
//
//   - a table for people by default, --json for programs (always the
//     whole result, on stdout);
//   - colours and progress only when the stream is a terminal, never
//     with NO_COLOR or in CI (CI set);
//   - exit codes: 0 clean, 1 findings, 2 errors (bad flags, unreadable
//     project, unreachable registry), each error saying what to do.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rampart/rampart/internal/npmrc"
)

// Exit codes of the client commands (rampart audit --help).
const (
	ExitClean    = 0
	ExitFindings = 1
	ExitErrors   = 2
)

// clientFlags are the flags every client command takes.
type clientFlags struct {
	registry, token string
	json            bool
}

func (f *clientFlags) register(cmd *cobra.Command) {
	f.registerRegistry(cmd)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the result as JSON")
}

// registerRegistry is --registry and --token alone, for a command whose
// --json says something of its own.
func (f *clientFlags) registerRegistry(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.registry, "registry", "", "registry base URL (default: as npm finds it: npm_config_registry, the project's .npmrc, ~/.npmrc, then npm's)")
	cmd.Flags().StringVar(&f.token, "token", "", "the registry's token (default: its //host/:_authToken in npm's configuration); prefer the .npmrc, as a flag shows in the process list")
}

// registryHelp is what every client command's help says of the registry.
const registryHelp = `The registry and its token are found as npm finds them: --registry and
--token, then npm_config_registry and npm_config_//host/:_authToken in the
environment, then the project's .npmrc, then your ~/.npmrc (registry=...,
@scope:registry=... and //host/:_authToken=...). A token is sent only to
the host it is configured for.`

// clientEnv is what a client command knows of where it runs.
type clientEnv struct {
	dir    string
	cfg    config
	stdout io.Writer
	stderr io.Writer
	// color is true when stdout is a terminal and colours are wanted.
	color bool
	// progress is true when stderr is a terminal outside CI.
	progress bool
	http     *http.Client
}

// newClientEnv resolves the project folder (args[0] or "."), the
// registry and the terminal's abilities.
func newClientEnv(cmd *cobra.Command, args []string, f *clientFlags, env Env) (*clientEnv, error) {
	dir := "."
	if len(args) > 0 {
		dir = args[0]
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, clientErr("%s: %w", dir, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return nil, clientErr("%s is not a project folder: give the folder that holds package-lock.json or go.mod", dir)
	}
	cfg, err := f.load(abs, env)
	if err != nil {
		return nil, err
	}
	ce := &clientEnv{
		dir: abs, cfg: cfg, stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr(),
		http: cfg.httpClient(60 * time.Second),
	}
	quiet := env("CI") != "" || env("NO_COLOR") != "" || env("TERM") == "dumb"
	ce.color = !quiet && !f.json && isTerminal(ce.stdout)
	ce.progress = !quiet && isTerminal(ce.stderr)
	return ce, nil
}

// load finds the registry and the token for a command run in dir.
func (f *clientFlags) load(dir string, env Env) (config, error) {
	c, err := npmrc.Load(dir, f.registry, f.token, env)
	if err != nil {
		return config{}, clientErr("%w", err)
	}
	return config{c}, nil
}

// config is npm's configuration as the client commands use it.
type config struct{ npmrc.Config }

// httpClient is the commands' one HTTP client: each request carries the
// token configured for its URL's host (npmrc.Config.Transport), none
// elsewhere.
func (c config) httpClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: c.Transport(nil)}
}

// needRampart refuses npm's default registry, which no setting named, for
// a command that talks to a Rampart registry's own endpoints.
func (c config) needRampart() error {
	if c.IsDefault() {
		return clientErr("no registry configured: pass --registry URL, or set registry=URL in the project's or your ~/.npmrc (`npm config set registry URL`)")
	}
	return nil
}

// nowFunc is the client commands' clock: the tests' (clock), else the
// wall clock.
func nowFunc() time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// status shows a one-line progress note on a terminal, and nothing
// elsewhere.
func (ce *clientEnv) status(format string, args ...any) {
	if ce.progress {
		fmt.Fprintf(ce.stderr, "\r\033[K"+format, args...)
	}
}

// statusDone clears the progress line.
func (ce *clientEnv) statusDone() {
	if ce.progress {
		fmt.Fprint(ce.stderr, "\r\033[K")
	}
}

// paint wraps s in an ANSI colour when colours are on.
func (ce *clientEnv) paint(color, s string) string {
	if !ce.color {
		return s
	}
	codes := map[string]string{"red": "31", "yellow": "33", "green": "32", "dim": "2", "bold": "1", "magenta": "35"}
	return "\033[" + codes[color] + "m" + s + "\033[0m"
}

// clientErr is an error of a client command: exit code 2.
func clientErr(format string, args ...any) error {
	return &ExitError{Code: ExitErrors, Err: fmt.Errorf(format, args...)}
}

// asClientErr gives an error that is not yet an ExitError exit code 2.
func asClientErr(err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: ExitErrors, Err: err}
}

// output opens -o FILE, or returns stdout.
func (ce *clientEnv) output(file string) (io.Writer, func() error, error) {
	if file == "" || file == "-" {
		return ce.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, nil, clientErr("cannot write %s: %w", file, err)
	}
	return f, f.Close, nil
}
