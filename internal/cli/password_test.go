package cli

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTerminal answers prompts from a list, as a user typing would.
type fakeTerminal struct {
	answers []string
	prompts []string
}

func (f *fakeTerminal) ReadPassword(prompt string) (string, error) {
	f.prompts = append(f.prompts, prompt)
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a, nil
}

// TestUserCreatePrompts: on a terminal, `admin user create` without
// --password-stdin prompts twice (through the no-echo reader) and refuses
// two passwords that differ. The real terminal is driven through a pty in
// test/e2e (TestAdminUserCreatePromptsOnATerminal).
func TestUserCreatePrompts(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"RAMPART_DATA": data}
	ft := &fakeTerminal{}
	orig := terminalOf
	terminalOf = func(io.Reader, io.Writer) terminal { return ft }
	t.Cleanup(func() { terminalOf = orig })
	ft.answers = []string{"a-long-password-1", "a-long-password-2"}
	_, errOut, code := run(t, "", env, "admin", "user", "create", "--name", "root", "--email", "root@example.com", "--create")
	if code != ExitUsage || !strings.Contains(errOut, "differ") {
		t.Fatalf("mismatch: exit %d %q", code, errOut)
	}
	ft.answers, ft.prompts = []string{"a-long-password-1", "a-long-password-1"}, nil
	out, errOut, code := run(t, "", env, "admin", "user", "create", "--name", "root", "--email", "root@example.com", "--create")
	if code != 0 || !strings.Contains(out, "created user root") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if len(ft.prompts) != 2 || !strings.Contains(ft.prompts[0], "Password for root") {
		t.Fatalf("prompts %q", ft.prompts)
	}
}
