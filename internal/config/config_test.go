package config

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// The example file in docs/ must load and equal the defaults, so the
// documentation cannot drift from the code.
func TestExampleMatchesDefaults(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	example := filepath.Join(filepath.Dir(file), "..", "..", "docs", "config.example.toml")
	c, err := Load(example, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	// A relative data folder in a file is the file's neighbour.
	d.Data = filepath.Join(filepath.Dir(example), d.Data)
	if !reflect.DeepEqual(c, d) {
		t.Fatalf("docs/config.example.toml differs from Default():\n got %+v\nwant %+v", c, d)
	}
}

// TestDefaultPublicURL: a loopback address is named localhost, so that
// browsers allow WebAuthn on the default; other addresses stay as given.
func TestDefaultPublicURL(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:4873":    "http://localhost:4873/",
		"[::1]:4873":        "http://localhost:4873/",
		"localhost:80":      "http://localhost:80/",
		"10.0.0.5:4873":     "http://10.0.0.5:4873/",
		"npm.internal:4873": "http://npm.internal:4873/",
		"[2001:db8::1]:443": "http://[2001:db8::1]:443/",
	} {
		if got := DefaultPublicURL(listen); got != want {
			t.Errorf("DefaultPublicURL(%q) = %q, want %q", listen, got, want)
		}
	}
}

func TestPrecedenceAndValidation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("version = 1\nlisten = \"127.0.0.1:1\"\n[limits]\ntarball_bytes = 1024\n"), 0o600)
	env := map[string]string{"RAMPART_LISTEN": "127.0.0.1:2"}
	c, err := Load(path, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:2" || c.Limits.TarballBytes != 1024 {
		t.Fatalf("env should override file: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "http://localhost:2/" {
		t.Fatalf("public URL default: %q", c.PublicURL)
	}

	bad := Default()
	bad.Listen = "nope"
	bad.Tokens.PublishMaxDays = 365
	err = bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "listen") || !strings.Contains(err.Error(), "90 days") {
		t.Fatalf("want both problems reported, got %v", err)
	}

	os.WriteFile(path, []byte("version = 1\nlisen = \"x\"\n"), 0o600)
	if _, err := Load(path, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "lisen") {
		t.Fatalf("unknown keys must be refused by name, got %v", err)
	}
}

// TestTrustedProxies: entries are checked at start-up with a message that
// names the setting and the fix, and written back in CIDR form; the
// environment takes a comma-separated list.
func TestTrustedProxies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("version = 1\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.10\"]\n"), 0o600)
	c, err := Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TrustedProxies, " "); got != "10.0.0.0/8 192.0.2.10/32" {
		t.Errorf("trusted_proxies = %q", got)
	}
	if ps := c.TrustedProxyPrefixes(); len(ps) != 2 || ps[1].String() != "192.0.2.10/32" {
		t.Errorf("TrustedProxyPrefixes = %v", ps)
	}

	c, err = Load("", func(k string) string {
		if k == "RAMPART_TRUSTED_PROXIES" {
			return "10.0.0.0/8, 2001:db8::/32"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TrustedProxies, " "); got != "10.0.0.0/8 2001:db8::/32" {
		t.Errorf("from the environment: %q", got)
	}

	for entry, msg := range map[string]string{
		"lb.internal": `trusted_proxies: "lb.internal" is not an IP address or CIDR range`,
		"10.0.0.1/8":  `did you mean "10.0.0.0/8"`,
		"0.0.0.0/0":   "trusts every address",
	} {
		bad := Default()
		bad.TrustedProxies = []string{entry}
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("trusted_proxies = [%q]: %v, want an error with %q", entry, err, msg)
		}
	}
	if d := Default(); len(d.TrustedProxies) != 0 {
		t.Errorf("the default trusts %v; it must trust no proxy", d.TrustedProxies)
	}
}

func TestPublicURLInClear(t *testing.T) {
	for u, want := range map[string]bool{
		"http://localhost:4873/":     false,
		"http://npm.localhost/":      false,
		"http://127.0.0.1:4873/":     false,
		"http://[::1]:4873/":         false,
		"https://npm.example.com/":   false,
		"http://npm.example.com/":    true,
		"http://10.0.0.5:4873/":      true,
		"http://[2001:db8::1]:4873/": true,
		"http://localhost.evil.com/": true,
	} {
		c := Config{PublicURL: u}
		if got := c.PublicURLInClear(); got != want {
			t.Errorf("PublicURLInClear(%q) = %v, want %v", u, got, want)
		}
	}
}
