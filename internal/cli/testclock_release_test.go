//go:build !rampart_testclock

package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReleaseServeHasNoTestClock: `rampart serve` as released (built
// without -tags rampart_testclock) answers the test builds' clock
// endpoint as it answers any unknown path, and a move sent to it does
// not move the server's time (internal/archtest checks the same from the
// source: no release file reaches internal/clockctl).
func TestReleaseServeHasNoTestClock(t *testing.T) {
	now, wrap, err := testClock(func(string) string { return "2030-01-01T00:00:00Z" })
	if now != nil || wrap != nil || err != nil {
		t.Fatal("the release build's testClock returned a clock or an endpoint")
	}
	data := filepath.Join(t.TempDir(), "data")
	cfg := filepath.Join(t.TempDir(), "rampart.toml")
	if err := os.WriteFile(cfg, []byte("version = 1\ninsecure_fast_password_hashing = true\n[passwords]\nhibp_disabled = true\n[email_domains]\ncheck = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"RAMPART_DATA": data, "RAMPART_LISTEN": "127.0.0.1:0", "RAMPART_TEST_CLOCK": "2030-01-01T00:00:00Z"}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--config", cfg}, strings.NewReader(""), pw, io.Discard, func(k string) string { return env[k] })
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := regexp.MustCompile(`serving (http://\S+/) `).FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not report its URL")
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, base+"-/test/clock", strings.NewReader(`{"advance":"24h"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s /-/test/clock on a release build: %d %s, want 404", method, resp.StatusCode, body)
		}
	}
}
