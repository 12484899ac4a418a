package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run runs the command line in-process and returns stdout, stderr and the
// exit code.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	code := 0
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("Run returned %v, not an ExitError", err)
	}
	return out.String(), errb.String(), code
}

func TestHelpExplainsEveryCommand(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"admin", "--help"}, {"admin", "user", "--help"},
		{"admin", "user", "create", "--help"}, {"admin", "user", "disable", "--help"}, {"admin", "user", "recover", "--help"},
		{"admin", "name", "--help"}, {"admin", "name", "release", "--help"},
		{"admin", "name", "allow", "--help"}, {"version", "--help"}, {"report", "--help"},
	} {
		out, _, code := run(t, "", nil, args...)
		if code != 0 || len(out) < 80 || !strings.Contains(out, "Usage:") {
			t.Errorf("rampart %s: exit %d, output too thin:\n%s", strings.Join(args, " "), code, out)
		}
	}
	out, _, _ := run(t, "", nil, "serve", "--help")
	for _, want := range []string{"--data", "--listen", "--config", "RAMPART_DATA", "SIGTERM"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help does not mention %s", want)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	_, errOut, code := run(t, "", nil, "frobnicate")
	if code != ExitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: exit %d, %q", code, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("version = 1\nlisten = \"nowhere\"\n"), 0o600)
	_, errOut, code = run(t, "", nil, "serve", "--config", bad)
	if code != ExitUsage || !strings.Contains(errOut, "listen") || !strings.Contains(errOut, "HOST:PORT") {
		t.Fatalf("bad config: exit %d, %q", code, errOut)
	}
}

func TestAdminCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"RAMPART_DATA": data}
	// A data folder that does not exist is refused: a typo in --data
	// must not start a second, empty registry. --create asks for one.
	_, errOut, code := run(t, "a-long-password-1\n", env, "admin", "user", "create", "--name", "root", "--email", "root@example.com", "--password-stdin")
	if code != ExitUsage || !strings.Contains(errOut, "does not exist") || !strings.Contains(errOut, "--create") {
		t.Fatalf("missing data folder: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(data); err == nil {
		t.Fatal("the refused command created the data folder")
	}
	out, errOut, code := run(t, "a-long-password-1\n", env, "admin", "user", "create", "--name", "root", "--email", "root@example.com", "--admin", "--verified", "--password-stdin", "--create")
	if code != 0 || !strings.Contains(out, "created administrator root <root@example.com>") {
		t.Fatalf("create: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = run(t, "a-long-password-1\n", env, "admin", "user", "create", "--name", "root", "--email", "other@example.com", "--password-stdin")
	if code != ExitFailed || !strings.Contains(errOut, "already taken") {
		t.Fatalf("duplicate: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, "", env, "admin", "user", "create", "--name", "x", "--email", "x@example.com")
	if code != ExitUsage || !strings.Contains(errOut, "--password-stdin") {
		t.Fatalf("no password flag: exit %d, %q", code, errOut)
	}
	out, errOut, code = run(t, "", env, "admin", "user", "disable", "root")
	if code != 0 || !strings.Contains(out, "disabled root") {
		t.Fatalf("disable: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", env, "admin", "user", "disable", "root")
	if code != 0 || !strings.Contains(out, "root was already disabled: nothing changed") {
		t.Fatalf("disable again: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", env, "admin", "user", "enable", "root")
	if code != 0 || !strings.Contains(out, "enabled root") {
		t.Fatalf("enable: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", env, "admin", "user", "enable", "root")
	if code != 0 || !strings.Contains(out, "root is not disabled: nothing changed") {
		t.Fatalf("enable again: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = run(t, "", env, "admin", "user", "disable", "nobody")
	if code != ExitFailed || !strings.Contains(errOut, `no user named "nobody"`) {
		t.Fatalf("disable unknown: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, "", env, "admin", "name", "release", "left-pad")
	if code != ExitFailed || !strings.Contains(errOut, "no package named left-pad") {
		t.Fatalf("release unknown: exit %d, %q", code, errOut)
	}
}

// Assisted recovery from the console: started with a reason, refused
// before the policy's wait with the time left, completed after it.
func TestAdminUserRecover(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"RAMPART_DATA": data}
	if out, errOut, code := run(t, "a-long-password-1\n", env, "admin", "user", "create", "--name", "alice", "--email", "alice@example.com", "--verified", "--password-stdin", "--create"); code != 0 {
		t.Fatalf("create: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code := run(t, "", env, "admin", "user", "recover", "alice")
	if code != ExitUsage || !strings.Contains(errOut, "--reason") {
		t.Fatalf("no reason: exit %d, %q", code, errOut)
	}
	out, errOut, code := run(t, "", env, "admin", "user", "recover", "alice", "--reason", "asked from alice@example.com, lost phone")
	if code != 0 || !strings.Contains(out, "started the recovery of alice") {
		t.Fatalf("start: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = run(t, "", env, "admin", "user", "recover", "alice", "--complete")
	if code != ExitFailed || !strings.Contains(errOut, "left") || !strings.Contains(errOut, "days") {
		t.Fatalf("complete before the wait: exit %d, %q", code, errOut)
	}
	outbox := func(kind string) int {
		files, _ := filepath.Glob(filepath.Join(data, "outbox", "*-"+kind+"-*.eml"))
		return len(files)
	}
	if outbox("recovery_started") != 1 || outbox("password_reset") != 0 {
		t.Fatalf("outbox: %d recovery_started, %d password_reset", outbox("recovery_started"), outbox("password_reset"))
	}
	clock = func() time.Time { return time.Now().Add(7*24*time.Hour + time.Minute) }
	t.Cleanup(func() { clock = nil })
	out, errOut, code = run(t, "", env, "admin", "user", "recover", "alice", "--complete")
	if code != 0 || !strings.Contains(out, "recovered alice") {
		t.Fatalf("complete: exit %d\n%s%s", code, out, errOut)
	}
	if outbox("recovery_completed") != 1 || outbox("password_reset") != 1 {
		t.Fatalf("outbox after: %d recovery_completed, %d password_reset", outbox("recovery_completed"), outbox("password_reset"))
	}
	_, errOut, code = run(t, "", env, "admin", "user", "recover", "alice", "--complete")
	if code != ExitFailed || !strings.Contains(errOut, "no recovery") {
		t.Fatalf("complete twice: exit %d, %q", code, errOut)
	}
}
