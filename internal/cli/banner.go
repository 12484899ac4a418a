package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rampart/rampart/internal/config"
)

// executable is the running binary's path (os.Executable); tests replace it.
var executable = os.Executable

// adminCommand is how the operator reaching the start-up banner can run
// `rampart admin`: "rampart" when that is this binary on PATH, else this
// binary's own path, which works from any folder; under `go run` (whose
// binary is deleted at exit) the go run command, with how to get a binary.
func adminCommand() (cmd string, note string) {
	exe, err := executable()
	if err != nil {
		return "rampart", "(rampart is the binary you are running; build it with: go build -o rampart ./cmd/rampart)"
	}
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./cmd/rampart", "(from the source folder, as you ran this server; for a rampart binary: go build -o rampart ./cmd/rampart, or go install ./cmd/rampart to put it in $(go env GOPATH)/bin)"
	}
	if onPath, err := exec.LookPath("rampart"); err == nil && sameFile(onPath, exe) {
		return "rampart", ""
	}
	return shellQuote(exe), ""
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+=:@", c))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printFirstAdminHint tells how to create the first administrator, with a
// command that works as printed.
func printFirstAdminHint(out io.Writer, cfg config.Config, configFile string) {
	cmd, note := adminCommand()
	conf := ""
	if configFile != "" {
		if abs, err := filepath.Abs(configFile); err == nil {
			configFile = abs
		}
		conf = " --config " + shellQuote(configFile)
	}
	fmt.Fprintf(out, "No accounts yet. Create the first administrator (it prompts for the password) with:\n  %s admin user create%s --data %s --name admin --email you@example.com --admin --verified\n",
		cmd, conf, shellQuote(cfg.Data))
	if note != "" {
		fmt.Fprintln(out, note)
	}
}

// listenError explains a failure to listen; the usual one, a port in use,
// says how to pick another.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("listening on %s: the address is already in use (another program, or another rampart, listens there): pick another with --listen HOST:PORT (or listen in the config file, or RAMPART_LISTEN), e.g. --listen 127.0.0.1:4874", addr)
	}
	return fmt.Errorf("listening on %s: %w", addr, err)
}

// newServerLogger is the server's log, as [log] says: text or JSON, info
// or debug (RAMPART_LOG_LEVEL=debug also turns debug on).
func newServerLogger(w io.Writer, env Env, lc config.Log) *slog.Logger {
	level := slog.LevelInfo
	if lc.Level == "debug" || strings.EqualFold(env("RAMPART_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if lc.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
