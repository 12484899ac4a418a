package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/rampart/rampart/internal/testserver"
)

var bannerCommand = regexp.MustCompile(`(?m)^No accounts yet\. .*\n  (.+ admin user create .+)$`)

// TestBannerCommandWorksOnATerminal: the start-up banner prints a command
// that works as printed (the binary's own path, not a `rampart` that is
// not on PATH); run in a terminal, it prompts for the password twice
// without echoing it, and creates the administrator, who can then log in.
func TestBannerCommandWorksOnATerminal(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	m := bannerCommand.FindStringSubmatch(s.Log())
	if m == nil {
		t.Fatalf("no admin command in the banner:\n%s", s.Log())
	}
	line := strings.ReplaceAll(m[1], "you@example.com", "root@example.com")
	if !strings.HasPrefix(line, testserver.Binary(t)+" admin user create") {
		t.Fatalf("the banner's command does not name this binary (%s):\n%s", testserver.Binary(t), line)
	}
	if strings.Contains(line, "--password-stdin") {
		t.Fatalf("the banner's command reads the password from a pipe, not a prompt: %s", line)
	}
	const pw = "correct-staple-lighthouse-9"
	out, err := onTerminal(t, s, line, []string{"Password for admin (not shown): ", "The same password again: "}, pw)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	mustContain(t, out, "created administrator admin <root@example.com>")
	if strings.Contains(out, pw) {
		t.Fatalf("the password was echoed:\n%s", out)
	}
	n := testserver.NewNPM(t, s.URL)
	n.Login("admin", pw, "")
	if r := n.MustRun("", "whoami"); !strings.Contains(r.Stdout, "admin") {
		t.Fatalf("whoami: %s", r.Output())
	}
}

// onTerminal runs the shell command line in a pseudo-terminal, typing
// answer at each prompt, and returns what the terminal showed.
func onTerminal(t *testing.T, s *testserver.Server, line string, prompts []string, answer string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env = append(s.Env(), "RAMPART_PUBLIC_URL="+s.URL)
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
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
				fmt.Fprintf(f, "%s\r", answer)
				i++
			}
		}
		if rerr != nil {
			break
		}
	}
	if i < len(prompts) {
		return out.String(), fmt.Errorf("prompt %q never shown", prompts[i])
	}
	return out.String(), cmd.Wait()
}

// TestAdminRefusesAMissingDataFolder: a typo in --data does not quietly
// start an empty registry.
func TestAdminRefusesAMissingDataFolder(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	missing := filepath.Join(t.TempDir(), "typo")
	cmd := exec.Command(testserver.Binary(t), "admin", "user", "create", "--config", s.ConfigFile(), "--data", missing,
		"--name", "root", "--email", "root@example.com", "--password-stdin")
	cmd.Stdin = strings.NewReader("a-long-password-1\n")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "does not exist") || !strings.Contains(string(out), "--create") {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("the folder was created: %v", err)
	}
}

// TestAddressInUseSuggestsListen: a second server on a port in use says
// how to pick another.
func TestAddressInUseSuggestsListen(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	cmd := exec.Command(testserver.Binary(t), "serve", "--config", s.ConfigFile(), "--data", filepath.Join(t.TempDir(), "other"), "--listen", strings.Replace(s.Addr, "localhost", "127.0.0.1", 1))
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already in use") || !strings.Contains(string(out), "--listen") {
		t.Fatalf("%v\n%s", err, out)
	}
}
