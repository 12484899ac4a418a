package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// What an operator needs to run the registry (docs/operations.md): logs,
// metrics and profiling, disk space, shutdown.

// Log is the server's log.
type Log struct {
	// Format is "text" (the default: key=value lines) or "json" (one JSON
	// object a line, log/slog's JSON handler), for log collectors.
	Format string `toml:"format"`
	// Level is "info" (the default) or "debug".
	Level string `toml:"level"`
	// Requests writes one line per request at level info (client
	// address, user, route, status, bytes, duration, request id). Off,
	// request lines are written at level debug only.
	Requests bool `toml:"requests"`
}

// Metrics is the Prometheus endpoint /-/metrics.
type Metrics struct {
	// TokenFile names a file holding the bearer token a scraper sends
	// (Authorization: Bearer <token>) for /-/metrics, and for profiling
	// when that is on. At least 32 characters; readable by its owner only.
	// Empty, the default, turns /-/metrics off (403 saying how to turn it on).
	TokenFile string `toml:"token_file"`

	// Token is the file's content, read by Validate ("" when no file is
	// configured); exported so that it prints as [redacted] (fmt does not
	// call String on an unexported field).
	Token Secret `toml:"-"`
}

// Profiling is Go's profiler at /debug/pprof/.
type Profiling struct {
	// Enabled serves /debug/pprof/ to holders of the [metrics] token.
	// Off by default: a profile shows what the server is doing, and
	// taking one costs CPU.
	Enabled bool `toml:"enabled"`
}

// Disk is what the server does as the data folder's disk fills up.
type Disk struct {
	// MinFree is the free space below which writes (publishes, uploads)
	// are refused with "registry out of space" (HTTP 507) and /-/readyz
	// turns red, so that the database and the blob store never hit a
	// disk full mid-write. "0" turns the check off (the disk's own
	// "no space left" still answers 507).
	MinFree ByteSize `toml:"min_free"`
	// WarnFree is the free space below which the server logs a warning
	// (checked every minute), before writes start to be refused.
	WarnFree ByteSize `toml:"warn_free"`
}

// Shutdown is how the server stops on SIGTERM or Ctrl-C.
type Shutdown struct {
	// Drain is how long requests in flight may take to finish; those
	// still running then (a slow download) are cut, logged, and the
	// server exits normally. A second signal stops at once.
	Drain Duration `toml:"drain"`
}

// ByteSize is a number of bytes written as "512MiB", "2GiB", "100MB" or
// a plain number of bytes.
type ByteSize struct{ Bytes uint64 }

var byteUnits = []struct {
	suffix string
	n      uint64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// UnmarshalText parses a size.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	mult := uint64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || (n > 0 && n*mult/n != mult) {
		return fmt.Errorf("%q is not a size (use forms like \"512MiB\", \"2GiB\", or a number of bytes)", text)
	}
	b.Bytes = n * mult
	return nil
}

// MarshalText writes the size in the largest binary unit that divides it.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

func (b ByteSize) String() string {
	for _, u := range byteUnits[:4] {
		if b.Bytes >= u.n && b.Bytes%u.n == 0 {
			return strconv.FormatUint(b.Bytes/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatUint(b.Bytes, 10)
}

// MinMetricsTokenBytes is the shortest metrics token accepted: shorter
// ones could be guessed.
const MinMetricsTokenBytes = 32

// validateOps checks [log], [metrics], [profiling], [disk], [shutdown]
// and reads the metrics token file.
func (c *Config) validateOps() error {
	var errs []error
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format = %q: want \"text\" or \"json\"", c.Log.Format))
	}
	switch c.Log.Level {
	case "info", "debug":
	default:
		errs = append(errs, fmt.Errorf("log.level = %q: want \"info\" or \"debug\"", c.Log.Level))
	}
	if f := c.Metrics.TokenFile; f != "" {
		b, err := os.ReadFile(f)
		switch tok := strings.TrimSpace(string(b)); {
		case err != nil:
			errs = append(errs, fmt.Errorf("metrics.token_file: %w", err))
		case len(tok) < MinMetricsTokenBytes:
			errs = append(errs, fmt.Errorf("metrics.token_file %s: the token has %d characters, want at least %d (for example: openssl rand -hex 32 > %s)", f, len(tok), MinMetricsTokenBytes, f))
		default:
			c.Metrics.Token = Secret(tok)
		}
	}
	if c.Profiling.Enabled && c.Metrics.TokenFile == "" {
		errs = append(errs, errors.New("profiling.enabled = true needs metrics.token_file: profiles are served only to holders of that token"))
	}
	if d := c.Disk; d.WarnFree.Bytes < d.MinFree.Bytes {
		errs = append(errs, fmt.Errorf("disk.warn_free = %q is below disk.min_free = %q: the warning must come before writes are refused", d.WarnFree, d.MinFree))
	}
	if d := c.Shutdown.Drain.Duration; d < time.Second || d > 10*time.Minute {
		errs = append(errs, fmt.Errorf("shutdown.drain = %q: want from \"1s\" to \"10m\" (the default is \"30s\")", d))
	}
	if m := c.Mail; m.OutboxKeep < 0 || m.OutboxMaxAge.Duration < 0 {
		errs = append(errs, errors.New("mail.outbox_keep and mail.outbox_max_age must not be negative (0 keeps every file)"))
	}
	return errors.Join(errs...)
}

// resolvePaths makes the relative paths a config file sets relative to the
// file's folder, not to wherever the server happens to be started: a
// config file and the data folder beside it stay together.
func (c *Config) resolvePaths(file string, defined func(key ...string) bool) {
	dir := filepath.Dir(file)
	for _, p := range []struct {
		key []string
		val *string
	}{
		{[]string{"data"}, &c.Data},
		{[]string{"metrics", "token_file"}, &c.Metrics.TokenFile},
		{[]string{"mail", "password_file"}, &c.Mail.PasswordFile},
		{[]string{"passwords", "extra_hashes_file"}, &c.Passwords.ExtraHashesFile},
		{[]string{"signing", "key_file"}, &c.Signing.KeyFile},
		{[]string{"provenance", "trusted_root"}, &c.Provenance.TrustedRoot},
	} {
		if defined(p.key...) && *p.val != "" && !filepath.IsAbs(*p.val) {
			*p.val = filepath.Join(dir, *p.val)
		}
	}
}
