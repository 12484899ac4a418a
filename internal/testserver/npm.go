package testserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// NPM is the real npm CLI with a fresh home, user config and cache,
// pointed at one registry.
type NPM struct {
	Home     string
	Registry string
	// Env is added to every run's environment (NAME=value): a test
	// peer's proxy, say.
	Env []string
	t   testing.TB
}

// NewNPM makes a fresh npm environment for registry.
func NewNPM(t testing.TB, registry string) *NPM {
	t.Helper()
	Slow(t, "drives the real npm CLI")
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("npm is not installed; the test command installs it (see README)")
	}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte("registry="+registry+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "globalrc"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return &NPM{Home: home, Registry: registry, t: t}
}

func (n *NPM) env() []string {
	var env []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(strings.ToLower(e), "npm_config_") || strings.HasPrefix(e, "HOME=") {
			continue
		}
		env = append(env, e)
	}
	env = append(env, n.Env...)
	return append(env,
		"HOME="+n.Home,
		"npm_config_userconfig="+filepath.Join(n.Home, ".npmrc"),
		"npm_config_globalconfig="+filepath.Join(n.Home, "globalrc"),
		"npm_config_cache="+filepath.Join(n.Home, ".npm"),
		"npm_config_registry="+n.Registry,
		"npm_config_update_notifier=false",
		"npm_config_fund=false",
		"npm_config_loglevel=warn",
		"npm_config_fetch_retries=0",
		"NO_COLOR=1",
	)
}

// Result is one npm run.
type Result struct {
	Stdout, Stderr string
	Err            error
}

// Output is stdout and stderr together, for messages.
func (r Result) Output() string { return r.Stdout + r.Stderr }

// Run runs npm args in dir (a temp dir if empty) and returns its output.
func (n *NPM) Run(dir string, args ...string) Result {
	n.t.Helper()
	if dir == "" {
		dir = n.t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	cmd.Env = n.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return Result{Stdout: out.String(), Stderr: errb.String(), Err: err}
}

// MustRun runs npm and fails the test if it exits non-zero.
func (n *NPM) MustRun(dir string, args ...string) Result {
	n.t.Helper()
	r := n.Run(dir, args...)
	if r.Err != nil {
		n.t.Fatalf("npm %s: %v\n%s", strings.Join(args, " "), r.Err, r.Output())
	}
	return r
}

// Interactive runs npm under a pseudo-terminal (npm only prompts on a
// TTY) and answers each prompt in turn: when the output shows prompts[i],
// it types answers[i] and Enter. It returns everything npm printed.
func (n *NPM) Interactive(dir string, prompts, answers []string, args ...string) (string, error) {
	n.t.Helper()
	return n.InteractiveFunc(dir, prompts, func(i int, _ string) string { return answers[i] }, args...)
}

// InteractiveFunc is Interactive with answers computed when their prompt
// shows: answer gets the prompt's index and everything printed so far
// (say, a secret npm printed before asking for a code from it).
func (n *NPM) InteractiveFunc(dir string, prompts []string, answer func(i int, out string) string, args ...string) (string, error) {
	n.t.Helper()
	if dir == "" {
		dir = n.t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	cmd.Env = n.env()
	f, err := pty.Start(cmd)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var out bytes.Buffer
	buf := make([]byte, 4096)
	i, pos := 0, 0
	for {
		k, rerr := f.Read(buf)
		out.Write(buf[:k])
		if i < len(prompts) {
			if at := bytes.Index(out.Bytes()[pos:], []byte(prompts[i])); at >= 0 {
				pos += at + len(prompts[i])
				fmt.Fprintf(f, "%s\r", answer(i, out.String()))
				i++
			}
		}
		if rerr != nil {
			break
		}
	}
	err = cmd.Wait()
	return out.String(), err
}

// Login runs `npm login --auth-type=legacy` (or adduser with an email)
// through its prompts and fails the test if it does not log in.
func (n *NPM) Login(user, password, email string) {
	n.t.Helper()
	args := []string{"login", "--auth-type=legacy"}
	prompts := []string{"Username:", "Password:"}
	answers := []string{user, password}
	if email != "" {
		args[0] = "adduser"
		prompts = append(prompts, "Email")
		answers = append(answers, email)
	}
	out, err := n.Interactive("", prompts, answers, args...)
	if err != nil || !strings.Contains(out, "Logged in") {
		n.t.Fatalf("npm %s as %s failed: %v\n%s", args[0], user, err, out)
	}
}

// Token returns the auth token npm stored for the registry.
func (n *NPM) Token() string {
	b, err := os.ReadFile(filepath.Join(n.Home, ".npmrc"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Not "": tests check Token() == "" after a logout, which an
		// unreadable file would pass without npm having removed anything.
		n.t.Fatalf("reading npm's config: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if _, v, ok := strings.Cut(line, ":_authToken="); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// SetToken replaces the stored auth token (to act with an API token).
func (n *NPM) SetToken(token string) {
	n.t.Helper()
	host := strings.TrimPrefix(strings.TrimPrefix(n.Registry, "http://"), "https://")
	rc := "registry=" + n.Registry + "\n//" + host + ":_authToken=" + token + "\n"
	if err := os.WriteFile(filepath.Join(n.Home, ".npmrc"), []byte(rc), 0o600); err != nil {
		n.t.Fatal(err)
	}
}

// Command is npm args in dir with this environment, not started: for a
// test that reads npm's output while it runs (web login).
func (n *NPM) Command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	cmd.Env = n.env()
	return cmd
}
