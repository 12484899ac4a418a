package npm

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
)

func TestValidateName(t *testing.T) {
	for _, name := range []string{
		"left-pad", "@acme/widget", "a.b-c_d", "a", "x1", "@scope/_private", "@scope/-dash",
		"@sc~ope/x", "@scope/http", "react-dom", strings.Repeat("a", 214),
	} {
		if err := ValidateName(name); err != nil {
			t.Fatalf("ValidateName(%q) = %v, want nil", name, err)
		}
	}

	for _, tc := range []struct{ name, want string }{
		{"", "name length must be greater than zero"},
		{".hidden", "name cannot start with a period"},
		{"-x", "name cannot start with a hyphen"},
		{"_x", "name cannot start with an underscore"},
		{" x", "leading or trailing spaces"},
		{"x ", "leading or trailing spaces"},
		{"UPPER", `invalid package name "UPPER": name can no longer contain capital letters`},
		{"@SCOPE/x", "capital letters"},
		{"http", "http is a core module name"},
		{"fs", "fs is a core module name"},
		{"worker_threads", "core module name"},
		{"node_modules", "node_modules is not a valid package name"},
		{"favicon.ico", "favicon.ico is not a valid package name"},
		{"has space", "URL-friendly characters"},
		{"@a/b/c", "exactly one slash"},
		{strings.Repeat("a", 215), "more than 214 characters"},
		{"café", "URL-friendly characters"},
		{"foo~", "special characters"},
		{"foo(1)", "special characters"},
		{"@scope/", "exactly one slash"},
		{"@/x", "exactly one slash"},
		{"@scope", "exactly one slash"},
		{"@scope/.x", "name cannot start with a period"},
		{"@../x", "scope cannot start with a period"},
		{"@sc!ope/x", "scope can no longer contain special characters"},
		{"a/b", "URL-friendly characters"},
		{"node:fs", "URL-friendly characters"},
		{"a%2fb", "URL-friendly characters"},
		{"x\x00", "URL-friendly characters"},
	} {
		err := ValidateName(tc.name)
		wantErr(t, err, core.KindInvalid, tc.want)
	}
}

func TestValidateNameEchoIsBounded(t *testing.T) {
	err := ValidateName(strings.Repeat("A", 1<<20))
	if n := len(core.Message(err)); n > 1024 {
		t.Fatalf("message for a 1 MiB name is %d bytes long; it must quote only a bounded prefix", n)
	}
}

func TestValidateVersion(t *testing.T) {
	for _, v := range []string{
		"0.0.0", "1.2.3", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92",
		"1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "9007199254740991.0.0",
	} {
		if err := ValidateVersion(v); err != nil {
			t.Fatalf("ValidateVersion(%q) = %v, want nil", v, err)
		}
	}
	for _, tc := range []struct{ v, want string }{
		{"", "the version is empty"},
		{"v1.0.0", "not a SemVer 2.0.0 version"},
		{"1.0", "not a SemVer 2.0.0 version"},
		{"1", "not a SemVer 2.0.0 version"},
		{"^1.0.0", "not a SemVer 2.0.0 version"},
		{"1.x", "not a SemVer 2.0.0 version"},
		{">=1.0.0", "not a SemVer 2.0.0 version"},
		{"01.0.0", "not a SemVer 2.0.0 version"},
		{"1.0.0-", "not a SemVer 2.0.0 version"},
		{"1.0.0-01", "not a SemVer 2.0.0 version"},
		{"1.0.0+", "not a SemVer 2.0.0 version"},
		{"1.0.0-a..b", "not a SemVer 2.0.0 version"},
		{" 1.0.0", "not a SemVer 2.0.0 version"},
		{"latest", "not a SemVer 2.0.0 version"},
		{"9007199254740992.0.0", "larger than npm can handle"},
		{"1.0.0-" + strings.Repeat("a", 300), "longer than 256 characters"},
	} {
		wantErr(t, ValidateVersion(tc.v), core.KindInvalid, tc.want)
	}
}

func TestValidateTag(t *testing.T) {
	for _, tag := range []string{"latest", "next", "beta", "canary", "rc", "v-next", "legacy_1", "Next", "experimental~1"} {
		if err := ValidateTag(tag); err != nil {
			t.Fatalf("ValidateTag(%q) = %v, want nil", tag, err)
		}
	}
	for _, tc := range []struct{ tag, want string }{
		{"", "the dist-tag is empty"},
		{strings.Repeat("a", 129), "longer than 128 characters"},
		{"1.x", "must not be a valid semver range"},
		{"^2", "may only contain"}, // '^' is not URL-safe, so it fails earlier
		{"1.0.0", "must not be a valid semver range"},
		{"1", "must not be a valid semver range"},
		{"v1", "must not be a valid semver range"},
		{"x", "must not be a valid semver range"},
		{"*", "must not be a valid semver range"},
		{"has space", "may only contain"},
		{"a/b", "may only contain"},
		{"..", "path segment"},
	} {
		wantErr(t, ValidateTag(tc.tag), core.KindInvalid, tc.want)
	}
}

func TestSplitNameAndTarballFilename(t *testing.T) {
	for _, tc := range []struct{ name, scope, bare, file string }{
		{"left-pad", "", "left-pad", "left-pad-1.0.0.tgz"},
		{"@acme/widget", "acme", "widget", "widget-1.0.0.tgz"},
		{"@scope", "", "@scope", "@scope-1.0.0.tgz"},
	} {
		scope, bare := SplitName(tc.name)
		if scope != tc.scope || bare != tc.bare {
			t.Fatalf("SplitName(%q) = %q, %q; want %q, %q", tc.name, scope, bare, tc.scope, tc.bare)
		}
		if got := TarballFilename(tc.name, "1.0.0"); got != tc.file {
			t.Fatalf("TarballFilename(%q) = %q, want %q", tc.name, got, tc.file)
		}
	}
}

func TestHashes(t *testing.T) {
	// Known values: echo -n hello | sha512sum / sha1sum.
	if got, want := Shasum([]byte("hello")), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"; got != want {
		t.Fatalf("Shasum = %s, want %s", got, want)
	}
	want := "sha512-m3HSJL1i83hdltRq0+o9czGb+8KJDKra4t/3JRlnPKcjI8PZm6XBHXx6zG4UuMXaDEZjR1wuXDre9G9zvN7AQw=="
	if got := Integrity([]byte("hello")); got != want {
		t.Fatalf("Integrity = %s, want %s", got, want)
	}
}
