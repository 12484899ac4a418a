package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// rampartClient runs a rampart client command (sbom, audit, fix) the way a
// developer does: in the project folder, with the npm environment n (its
// HOME and ~/.npmrc name the registry and hold the token), and returns
// stdout, stderr and the exit code.
func rampartClient(t *testing.T, n *testserver.NPM, dir string, extraEnv []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testserver.Binary(t), args...)
	cmd.Dir = dir
	var env []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(strings.ToLower(e), "npm_config_") || strings.HasPrefix(e, "HOME=") {
			continue
		}
		env = append(env, e)
	}
	env = append(env, "HOME="+n.Home, "npm_config_userconfig="+filepath.Join(n.Home, ".npmrc"),
		"npm_config_cache="+filepath.Join(n.Home, ".npm"), "npm_config_globalconfig="+filepath.Join(n.Home, "globalrc"),
		"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false", "CI=true")
	cmd.Env = append(env, extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("rampart %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// appWith makes an application folder whose package.json depends on deps
// and whose index.js requires the packages in uses.
func appWith(t *testing.T, deps map[string]string, index string) string {
	t.Helper()
	dir := t.TempDir()
	m := map[string]any{"name": "e2e-app", "version": "1.0.0", "private": true, "main": "index.js", "license": "MIT", "dependencies": deps}
	write(t, filepath.Join(dir, "package.json"), mustJSON(t, m))
	write(t, filepath.Join(dir, "index.js"), []byte(index))
	return dir
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
