package npm

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// ValidateName checks a package name against npm's rules for NEW packages,
// as validate-npm-package-name 7 states them: a name that npm only
// "warns" about (capitals, core module names, ~'!()*) is refused too,
// because npm itself refuses to publish such a name.
//
// Two rules are stricter than npm's, both about the scope of a scoped name:
// a scope may not start with '.', so that "@../x" can never reach a path
// join, and a scope may not hold any of !'()*, which no npm user or
// organisation name can hold either.
func ValidateName(name string) error {
	if problem, fix := nameProblem(name); problem != "" {
		return core.Errorf(core.KindInvalid, "invalid package name %s: %s; %s", echo(name), problem, fix)
	}
	return nil
}

const renameFix = `rename the package in package.json ("name")`

// nameProblem returns what is wrong with name and what to do, or "" when
// nothing is. The checks run in validate-npm-package-name's order (its
// errors before its warnings), so that users see the message npm would
// have shown.
func nameProblem(name string) (problem, fix string) {
	switch {
	case name == "":
		return "name length must be greater than zero", `set "name" in package.json`
	case len(name) > limits.MaxNameLength:
		// Checked early so that the loops below never walk a huge string.
		return fmt.Sprintf("name can no longer contain more than %d characters", limits.MaxNameLength), "choose a shorter name"
	case name[0] == '.':
		return "name cannot start with a period", renameFix
	case name[0] == '-':
		return "name cannot start with a hyphen", renameFix
	case name[0] == '_':
		return "name cannot start with an underscore", renameFix
	case strings.TrimSpace(name) != name:
		return "name cannot contain leading or trailing spaces", renameFix
	}
	if lower := strings.ToLower(name); lower == "node_modules" || lower == "favicon.ico" {
		return lower + " is not a valid package name", renameFix
	}

	scope, bare := SplitName(name)
	if name[0] == '@' {
		if scope == "" || bare == "" || strings.Contains(bare, "/") {
			return `a scoped name must be "@scope/name", with exactly one slash`, renameFix
		}
		if !urlSafe(scope) || !urlSafe(bare) {
			return "name can only contain URL-friendly characters", "use only lower-case letters, digits, '-', '.' and '_'"
		}
		if bare[0] == '.' {
			return "name cannot start with a period", renameFix
		}
		if scope[0] == '.' {
			return "scope cannot start with a period", "publish under a scope that starts with a letter or digit"
		}
	} else if !urlSafe(name) {
		return "name can only contain URL-friendly characters", "use only lower-case letters, digits, '-', '.' and '_'"
	}

	if scope == "" && isCoreModule(strings.ToLower(name)) {
		return name + " is a core module name", fmt.Sprintf("choose another name, or publish it under a scope such as @you/%s", strings.ToLower(name))
	}
	if strings.ToLower(name) != name {
		return "name can no longer contain capital letters", "use lower case"
	}
	if strings.ContainsAny(bare, "~'!()*") {
		return `name can no longer contain special characters ("~'!()*")`, renameFix
	}
	if strings.ContainsAny(scope, "'!()*") {
		return `scope can no longer contain special characters ("'!()*")`, "publish under a scope made of letters, digits, '-', '.', '_' and '~'"
	}
	return "", ""
}

// urlSafe reports whether s equals encodeURIComponent(s) in JavaScript,
// which is npm's test for "URL-friendly".
func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.!~*'()", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isCoreModule reports whether name is a Node.js built-in module, per the
// list validate-npm-package-name 7.0.2 ships (lib/builtin-modules.json).
// Names on it that other rules already refuse ("_http_agent", "fs/promises",
// "node:test") are kept so that the list can be compared with npm's.
func isCoreModule(name string) bool {
	switch name {
	case "_http_agent", "_http_client", "_http_common", "_http_incoming", "_http_outgoing", "_http_server",
		"_stream_duplex", "_stream_passthrough", "_stream_readable", "_stream_transform", "_stream_wrap",
		"_stream_writable", "_tls_common", "_tls_wrap",
		"assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
		"crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain", "events", "fs", "fs/promises",
		"http", "http2", "https", "inspector", "inspector/promises", "module", "net", "os", "path", "path/posix",
		"path/win32", "perf_hooks", "process", "punycode", "querystring", "readline", "readline/promises", "repl",
		"stream", "stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "timers",
		"timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm", "wasi",
		"worker_threads", "zlib",
		"node:sea", "node:sqlite", "node:test", "node:test/reporters":
		return true
	}
	return false
}

// ValidateVersion requires a strict SemVer 2.0.0 version: no leading "v",
// no ranges, no partial versions, at most MaxVersionLength bytes,
// and numbers npm's semver can represent.
func ValidateVersion(v string) error {
	const fix = `set "version" in package.json to a version such as 1.2.3 or 1.2.3-beta.1, with no leading "v"`
	if v == "" {
		return core.Errorf(core.KindInvalid, "the version is empty; %s", fix)
	}
	if len(v) > MaxVersionLength {
		return core.Errorf(core.KindInvalid, "invalid version %s: it is longer than %d characters; %s", echo(v), MaxVersionLength, fix)
	}
	sv, err := semver.StrictNewVersion(v)
	if err != nil {
		return core.Errorf(core.KindInvalid, "invalid version %s: not a SemVer 2.0.0 version (%w); %s", echo(v), err, fix)
	}
	for _, n := range []uint64{sv.Major(), sv.Minor(), sv.Patch()} {
		if n > MaxVersionNumber {
			return core.Errorf(core.KindInvalid, "invalid version %s: %d is larger than npm can handle (at most %d); %s", echo(v), n, uint64(MaxVersionNumber), fix)
		}
	}
	return nil
}

// ValidateTag checks a dist-tag name. Besides length and URL-safe
// characters it applies npm's rule that a tag must not parse as a semver
// range: `npm install pkg@1.x` must mean the range, never a tag named "1.x".
func ValidateTag(tag string) error {
	const fix = `use a word such as "latest", "next" or "beta"`
	switch {
	case tag == "":
		return core.Errorf(core.KindInvalid, "the dist-tag is empty; %s", fix)
	case len(tag) > MaxTagLength:
		return core.Errorf(core.KindInvalid, "invalid dist-tag %s: it is longer than %d characters; %s", echo(tag), MaxTagLength, fix)
	case !urlSafe(tag):
		return core.Errorf(core.KindInvalid, "invalid dist-tag %s: a tag may only contain letters, digits and -._~!*'(); %s", echo(tag), fix)
	case tag == "." || tag == "..":
		// URL-safe, but a path segment of "." or ".." is collapsed by
		// every URL cleaner between npm and us.
		return core.Errorf(core.KindInvalid, "invalid dist-tag %s: a tag cannot be a path segment like . or ..; %s", echo(tag), fix)
	}
	if _, err := semver.NewConstraint(tag); err == nil {
		return core.Errorf(core.KindInvalid, "invalid dist-tag %s: a tag must not be a valid semver range, or npm could not tell it from a version range; %s", echo(tag), fix)
	}
	return nil
}

// SplitName returns the scope (without '@', "" for an unscoped name) and
// the bare name. It does not validate: "@scope" alone gives ("", "@scope").
func SplitName(name string) (scope, bare string) {
	if rest, ok := strings.CutPrefix(name, "@"); ok {
		if s, b, ok := strings.Cut(rest, "/"); ok {
			return s, b
		}
	}
	return "", name
}

// TarballFilename returns the canonical tarball file name,
// "<bare>-<version>.tgz": the npmjs layout serves @acme/widget 1.0.0 as
// /@acme/widget/-/widget-1.0.0.tgz, without the scope in the file name.
func TarballFilename(name, version string) string {
	_, bare := SplitName(name)
	return bare + "-" + version + ".tgz"
}
