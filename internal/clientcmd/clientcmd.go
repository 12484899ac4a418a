// Package clientcmd is the companion CLI's client commands: rampart sbom,
// audit, fix, report and verify. They work on a project folder and talk to
// a registry over HTTP as npm does; internal/cli mounts them beside the
// server and admin commands (Commands). Every one of them finds the
// registry and its token in one way (internal/npmrc, client.go) and keeps
// the same conventions: --json for programs, errors on stderr, exit codes
// 0 clean, 1 findings or a refusal, 2 errors.
package clientcmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// Env is the process environment as a lookup function.
type Env func(string) string

// ExitError carries a process exit code (the command tree prints Err on
// stderr and exits with Code).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is what main passes to os.Exit.
func (e *ExitError) ExitCode() int { return e.Code }

// ExitFailed is report's and verify's exit code for a refusal or a
// failed check (the same number as ExitFindings).
const ExitFailed = 1

// Version is the version the commands report (User-Agent, SBOM tool);
// Commands sets it from the command tree's.
var Version = "dev"

// clock is the client commands' clock; nil is time.Now (tests set it).
var clock func() time.Time

// Commands are the client commands, for the command tree's root; version
// is rampart's own.
func Commands(env Env, version string) []*cobra.Command {
	Version = version
	return []*cobra.Command{newSBOM(env), newAudit(env), newFix(env), newReport(env), newVerify(env)}
}

// usageErr is a bad command line: exit code 2.
func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitErrors, Err: fmt.Errorf(format, args...)}
}
