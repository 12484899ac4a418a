package clientcmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite internal/clientcmd/testdata/*.golden from what the commands print")

// run runs a client command in-process, as `rampart` would (internal/cli
// mounts the same commands; its tests run them through cli.Run), and
// returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := &cobra.Command{Use: "rampart", SilenceUsage: true, SilenceErrors: true}
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	root.AddCommand(Commands(func(k string) string { return env[k] }, "dev")...)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return out.String(), errb.String(), 0
	}
	fmt.Fprintln(&errb, "rampart:", err)
	var ee *ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode()
	}
	// cobra's own refusals (unknown flag, wrong arguments) are usage
	// errors: internal/cli maps them to 2.
	return out.String(), errb.String(), ExitErrors
}
