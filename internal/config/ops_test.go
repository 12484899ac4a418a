package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionRequired: a config file without `version` is refused with the
// line to add, as the example says.
func TestVersionRequired(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rampart.toml")
	os.WriteFile(path, []byte("listen = \"127.0.0.1:1\"\n"), 0o600)
	_, err := Load(path, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "version = 1") {
		t.Fatalf("got %v, want a refusal naming `version = 1`", err)
	}
}

// TestRelativePathsFollowTheFile: data (and the other paths) set in a file
// are relative to the file's folder; the environment's stay relative to
// the working directory, as a shell user expects.
func TestRelativePathsFollowTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "etc", "rampart.toml")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte("version = 1\ndata = \"../var/data\"\n[signing]\nkey_file = \"/abs/key.pem\"\n[mail]\npassword_file = \"smtp.pw\"\n"), 0o600)
	c, err := Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "var", "data"); c.Data != want {
		t.Errorf("data = %q, want %q", c.Data, want)
	}
	if c.Signing.KeyFile != "/abs/key.pem" || c.Mail.PasswordFile != filepath.Join(dir, "etc", "smtp.pw") {
		t.Errorf("key_file %q, password_file %q", c.Signing.KeyFile, c.Mail.PasswordFile)
	}
	c, _ = Load(path, func(k string) string {
		if k == "RAMPART_DATA" {
			return "here"
		}
		return ""
	})
	if c.Data != "here" {
		t.Errorf("RAMPART_DATA=here gave data %q", c.Data)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]uint64{"512MiB": 512 << 20, "2GiB": 2 << 30, "100MB": 100e6, "0": 0, "4096": 4096, " 1 TiB ": 1 << 40} {
		var b ByteSize
		if err := b.UnmarshalText([]byte(in)); err != nil || b.Bytes != want {
			t.Errorf("%q: %d, %v; want %d", in, b.Bytes, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1GiB", "1.5GiB", "99999999999TiB", "12 parsecs"} {
		var b ByteSize
		if err := b.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q accepted as %d", in, b.Bytes)
		}
	}
}

// TestMetricsToken: a short token is refused; a good one is read, and the
// config never prints it.
func TestMetricsToken(t *testing.T) {
	dir := t.TempDir()
	short, good := filepath.Join(dir, "short"), filepath.Join(dir, "good")
	os.WriteFile(short, []byte("hunter2\n"), 0o600)
	tok := strings.Repeat("ab", 20)
	os.WriteFile(good, []byte(tok+"\n"), 0o600)
	c := Default()
	c.Metrics.TokenFile = short
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("short token: %v", err)
	}
	c = Default()
	c.Metrics.TokenFile, c.Profiling.Enabled = good, true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if string(c.Metrics.Token) != tok {
		t.Fatalf("token %q", string(c.Metrics.Token))
	}
	if s := strings.Join([]string{formatAny(c), formatAny(c.Metrics)}, ""); strings.Contains(s, tok) {
		t.Fatalf("the token prints: %s", s)
	}
	c = Default()
	c.Profiling.Enabled = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "token_file") {
		t.Fatalf("profiling without a token: %v", err)
	}
}

func formatAny(v any) string { return strings.TrimSpace(fmtSprint(v)) }
