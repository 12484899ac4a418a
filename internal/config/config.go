// Package config is Rampart's one typed configuration: read from a TOML
// file, then overridden by RAMPART_* environment variables, then by
// command-line flags, then validated with messages that say which setting
// is wrong and how. Defaults are the secure choice; a setting that weakens
// a check carries "insecure" in its name.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/rampart/rampart/internal/clientaddr"
	"github.com/rampart/rampart/internal/emaildomain"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/pwcheck"
)

// CurrentVersion is the config file format this build understands.
const CurrentVersion = 1

// Config is everything `rampart serve` can be told. docs/config.example.toml
// shows every field with its default and a comment.
type Config struct {
	Version int `toml:"version"`
	// Listen is the HOST:PORT the server binds. Default 127.0.0.1:4873.
	Listen string `toml:"listen"`
	// PublicURL is the URL clients reach the registry at; tarball links and
	// mails use it. Default http://<listen>/.
	PublicURL string `toml:"public_url"`
	// TrustedProxies are the CIDR ranges (or single addresses) of the
	// reverse proxies and load balancers in front of the server. A request
	// from one of them is attributed to the address it names in
	// X-Forwarded-For (see package clientaddr); from anywhere else, to
	// its TCP peer. Empty, the default, believes no header.
	TrustedProxies []string `toml:"trusted_proxies"`
	// Data is the folder holding the embedded database and package files.
	Data string `toml:"data"`
	// AllowRegistration lets anyone create an account with `npm adduser`.
	AllowRegistration bool `toml:"allow_registration"`

	Limits    limits.Limits `toml:"limits"`
	Tokens    Tokens        `toml:"tokens"`
	Unpublish Unpublish     `toml:"unpublish"`
	Login     Login         `toml:"login"`
	Mail      Mail          `toml:"mail"`
	Passwords Passwords     `toml:"passwords"`

	EmailDomains EmailDomains `toml:"email_domains"`
	MFA          MFA          `toml:"mfa"`
	Recovery     Recovery     `toml:"recovery"`
	Signing      Signing      `toml:"signing"`

	TrustedPublishing TrustedPublishing `toml:"trusted_publishing"`

	SecretScanning SecretScanning `toml:"secret_scanning"`
	Staging        Staging        `toml:"staging"`
	Scan           Scan           `toml:"scan"`
	Provenance     Provenance     `toml:"provenance"`
	// Advisories is the scheduled pull of OSV advisories (advisories.go).
	Advisories Advisories `toml:"advisories"`

	// Upstreams are the registries this one proxies ([[upstream]]).
	Upstreams []Upstream `toml:"upstream"`

	// SecurityContact is this registry's security.txt (RFC 9116).
	SecurityContact SecurityContact `toml:"security_contact"`

	// Access is the read policy and registration mode (access.go).
	Access Access `toml:"access"`
	// SSO are the identity providers users sign in with (sso.go).
	SSO []SSOProvider `toml:"sso"`
	// What an operator needs to run it (ops.go, docs/operations.md).
	Log       Log       `toml:"log"`
	Metrics   Metrics   `toml:"metrics"`
	Profiling Profiling `toml:"profiling"`
	Disk      Disk      `toml:"disk"`
	Shutdown  Shutdown  `toml:"shutdown"`

	// InsecureFastPasswordHashing swaps argon2id's production parameters
	// for tiny ones. Only for test suites on small machines.
	InsecureFastPasswordHashing bool `toml:"insecure_fast_password_hashing"`
}

// Signing is where the registry's signing key comes from
// (docs/signatures.md).
type Signing struct {
	// KeyFile names a PEM file holding the ECDSA P-256 private key
	// (PKCS#8) that signs new versions, readable by its owner only. Empty,
	// the default, keeps the keys in the data folder's signing/ folder,
	// created on first start and rotated with `rampart admin keys rotate`.
	// With a key file, rotation is putting another key in it: the server
	// retires the previous key when it starts with a new one.
	KeyFile string `toml:"key_file"`
}

// Tokens bounds the lifetime of API tokens.
type Tokens struct {
	// PublishMaxDays is the longest a token that can publish may live.
	PublishMaxDays int `toml:"publish_max_days"`
	// DefaultDays is the lifetime of a token created without an expiry.
	DefaultDays int `toml:"default_days"`
	// ReadOnlyMaxDays is the longest a read-only token may live.
	ReadOnlyMaxDays int `toml:"read_only_max_days"`
	// SessionHours is the lifetime of the token `npm login` receives.
	SessionHours int `toml:"session_hours"`
}

// Staging is staged publishing (docs/staged-publishing.md).
type Staging struct {
	// Expiry is how long a staged version waits for a maintainer's
	// approval before it is rejected automatically.
	Expiry Duration `toml:"expiry"`
}

// Unpublish is the self-service unpublish policy (docs/policies/unpublish.md).
type Unpublish struct {
	// WindowHours is how long after publishing a version may always be unpublished.
	WindowHours int `toml:"window_hours"`
	// MaxWeeklyDownloads: after the window, a package with at least this many
	// downloads in the last 7 days cannot be unpublished.
	MaxWeeklyDownloads int64 `toml:"max_weekly_downloads"`
}

// Login throttles password guessing, per account and per source address.
type Login struct {
	// FreeFailures is how many failures are allowed before backoff starts.
	FreeFailures int `toml:"free_failures"`
	// MaxBackoff caps the wait between attempts.
	MaxBackoff Duration `toml:"max_backoff"`
}

// Mail says how Rampart sends mail (verification and reset links, security
// notices). With no host, each mail is written to <data>/outbox and its
// links are logged, so a local operator can still finish sign-up.
type Mail struct {
	// Host is the SMTP relay; empty means the outbox folder.
	Host string `toml:"host"`
	// Port defaults by TLS mode: 587 for starttls, 465 for tls.
	Port int `toml:"port"`
	// Username enables SMTP AUTH. The password comes only from the
	// RAMPART_SMTP_PASSWORD environment variable or PasswordFile, never
	// from this file, and is never logged.
	Username     string `toml:"username"`
	PasswordFile string `toml:"password_file"`
	// From is the sender, "noreply@example.com" or "Name <noreply@...>".
	From string `toml:"from"`
	// TLS is "starttls" (default), "tls", or "insecure_none" (loopback only).
	TLS string `toml:"tls"`
	// Timeout bounds the dial and each exchange with the relay.
	Timeout Duration `toml:"timeout"`
	// InsecureAllowPlaintextRemote allows tls = "insecure_none" to a relay
	// that is not on loopback: mail and credentials cross the network in
	// clear text.
	InsecureAllowPlaintextRemote bool `toml:"insecure_allow_plaintext_remote"`
	// OutboxKeep is how many mails the outbox folder keeps (without a
	// host): the oldest beyond it are deleted. 0 keeps every one.
	OutboxKeep int `toml:"outbox_keep"`
	// OutboxMaxAge deletes outbox mails older than this. 0 keeps them.
	OutboxMaxAge Duration `toml:"outbox_max_age"`

	// Password is filled from RAMPART_SMTP_PASSWORD or PasswordFile by
	// Load and Validate; it prints as [redacted].
	Password Secret `toml:"-"`
}

// SMTP returns the relay settings for mail.NewSMTP.
func (m Mail) SMTP() mail.SMTPConfig {
	return mail.SMTPConfig{
		Host: m.Host, Port: m.Port, Username: m.Username, Password: string(m.Password),
		From: m.From, TLS: m.TLS, Timeout: m.Timeout.Duration,
		InsecureAllowPlaintextRemote: m.InsecureAllowPlaintextRemote,
	}
}

// Secret is a string that never prints.
type Secret string

func (Secret) String() string               { return "[redacted]" }
func (Secret) GoString() string             { return "[redacted]" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Passwords configures the leaked- and weak-password checks.
type Passwords struct {
	// HIBPURL is the Have I Been Pwned range API (k-anonymity: only five
	// hex digits of a SHA-1 leave the server).
	HIBPURL string `toml:"hibp_url"`
	// HIBPDisabled uses only the offline list shipped with Rampart (and
	// ExtraHashesFile), for air-gapped installs.
	HIBPDisabled bool `toml:"hibp_disabled"`
	// MinScore is the lowest zxcvbn strength (0-4) a new password needs.
	MinScore int `toml:"min_score"`
	// ExtraHashesFile lists SHA-1 hashes of passwords known to be leaked,
	// one a line, checked besides HIBP.
	ExtraHashesFile string `toml:"extra_hashes_file"`
}

// EmailDomains configures the abandoned-email-domain check (AUTHN-2a): an
// address whose domain no longer exists, cannot receive mail, or whose
// registration has lapsed stops counting as verified and cannot be used
// to recover the account. A lookup that fails is "unknown" and never
// blocks anyone.
type EmailDomains struct {
	// Check turns the check on at sign-up, at password-reset requests and
	// periodically.
	Check bool `toml:"check"`
	// DNSServer is a "HOST:PORT" resolver to ask; empty means the system
	// resolver (/etc/resolv.conf).
	DNSServer string `toml:"dns_server"`
	// CanaryDomain must resolve before DNS alone may call a domain
	// abandoned, so that a resolver that knows no names (an offline or
	// filtered network) blocks nobody. Empty turns that guard off.
	CanaryDomain string `toml:"canary_domain"`
	// RDAPBootstrapURL is IANA's RDAP bootstrap file for domains (or a
	// local copy), which says which RDAP server knows each top-level domain.
	RDAPBootstrapURL string `toml:"rdap_bootstrap_url"`
	// RDAPServer, when set, is the RDAP base URL asked for every domain;
	// the bootstrap file is then never fetched.
	RDAPServer string `toml:"rdap_server"`
	// RecheckInterval is how often each verified address is checked again.
	RecheckInterval Duration `toml:"recheck_interval"`
	// Timeout bounds one check, DNS and RDAP together.
	Timeout Duration `toml:"timeout"`
}

// MFA is the two-factor policy for maintainers (AUTHN-2c, 3b, 3c).
type MFA struct {
	// InsecureMaintainersWithoutMFA lets accounts without a second factor
	// publish, manage packages and create tokens, weakening the policy to
	// "MFA for those who enable it". Off (the default), every maintainer
	// needs a second factor (Level 3).
	InsecureMaintainersWithoutMFA bool `toml:"insecure_maintainers_without_mfa"`
	// InsecureAdminsWithTOTP lets site administrators use their power
	// after a code from an authenticator app. Off (the default), they need
	// a security key or passkey, and one without is sent to add it when
	// signing in to the web UI.
	InsecureAdminsWithTOTP bool `toml:"insecure_admins_with_totp"`
	// CriticalTopPercent is the share of packages, by downloads over the
	// last 30 days, that is critical (rounded up, at least one package):
	// managing those needs a phishing-resistant factor.
	CriticalTopPercent float64 `toml:"critical_top_percent"`
	// CriticalMinDownloads is the floor under the percentile: a package
	// needs at least this many downloads over the last 30 days to be
	// computed critical, so that on a small registry the top percent is
	// not simply whatever package exists.
	CriticalMinDownloads int64 `toml:"critical_min_downloads"`
	// CriticalGracePeriod is how long the maintainers of a package that
	// became critical by downloads may keep using TOTP for it (they are
	// mailed at once) before it needs a security key or passkey. An
	// administrator's designation applies at once.
	CriticalGracePeriod Duration `toml:"critical_grace_period"`
	// StepUpWindow is how recently a second factor must have been passed
	// for sensitive actions (token creation, MFA removal, email change,
	// ownership change).
	StepUpWindow Duration `toml:"step_up_window"`
}

// Recovery is admin-assisted account recovery
// (docs/policies/account-recovery.md).
type Recovery struct {
	// Wait is the mandatory delay between starting an assisted recovery
	// and completing it, during which the user can cancel it. The
	// published policy says 7 days; keep the two equal.
	Wait Duration `toml:"wait"`
}

// Duration is a time.Duration written as "15m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (use forms like \"90s\", \"15m\"): %w", err)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration back.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the zero-configuration settings.
func Default() Config {
	return Config{
		Version:           CurrentVersion,
		Listen:            "127.0.0.1:4873",
		TrustedProxies:    []string{},
		Data:              "rampart-data",
		AllowRegistration: true,
		Limits:            limits.Default(),
		Tokens:            Tokens{PublishMaxDays: 90, DefaultDays: 30, ReadOnlyMaxDays: 365, SessionHours: 12},
		Unpublish:         Unpublish{WindowHours: 72, MaxWeeklyDownloads: 300},
		Login:             Login{FreeFailures: 5, MaxBackoff: Duration{15 * time.Minute}},
		Mail:              Mail{Timeout: Duration{mail.DefaultTimeout}, OutboxKeep: 1000, OutboxMaxAge: Duration{7 * 24 * time.Hour}},
		Passwords:         Passwords{HIBPURL: pwcheck.DefaultHIBPBaseURL, MinScore: pwcheck.DefaultMinScore},
		EmailDomains: EmailDomains{
			Check:            true,
			CanaryDomain:     "iana.org",
			RDAPBootstrapURL: emaildomain.DefaultRDAPBootstrapURL,
			RecheckInterval:  Duration{24 * time.Hour},
			Timeout:          Duration{emaildomain.DefaultTimeout},
		},
		MFA: MFA{CriticalTopPercent: 1, CriticalMinDownloads: 1000, CriticalGracePeriod: Duration{14 * 24 * time.Hour},
			StepUpWindow: Duration{15 * time.Minute}},
		Recovery:          Recovery{Wait: Duration{7 * 24 * time.Hour}},
		TrustedPublishing: defaultTrustedPublishing(),
		SecretScanning:    defaultSecretScanning(),
		Staging:           Staging{Expiry: Duration{14 * 24 * time.Hour}},
		Log:               Log{Format: "text", Level: "info", Requests: true},
		Disk:              Disk{MinFree: ByteSize{512 << 20}, WarnFree: ByteSize{2 << 30}},
		Shutdown:          Shutdown{Drain: Duration{30 * time.Second}},
		Advisories:        defaultAdvisories(),
	}
}

// Load reads the file at path (if path is not empty), then applies the
// environment. It does not validate: call Validate after flags are applied.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		md, err := toml.DecodeFile(path, &c)
		if err != nil {
			return c, fmt.Errorf("reading config file %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return c, fmt.Errorf("config file %s: unknown settings %s (see docs/config.example.toml)", path, strings.Join(keys, ", "))
		}
		// The format's version is required, so that a later format can
		// tell an old file from a new one instead of guessing.
		if !md.IsDefined("version") {
			return c, fmt.Errorf("config file %s: version is missing; add the line `version = %d` at the top (see docs/config.example.toml)", path, CurrentVersion)
		}
		c.resolvePaths(path, md.IsDefined)
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// Env lists the environment variables Load reads, for --help texts.
var Env = []string{"RAMPART_LISTEN", "RAMPART_DATA", "RAMPART_PUBLIC_URL", "RAMPART_TRUSTED_PROXIES", "RAMPART_ALLOW_REGISTRATION", "RAMPART_MAX_TARBALL_BYTES", "RAMPART_SMTP_PASSWORD"}

func (c *Config) applyEnv(getenv func(string) string) error {
	if v := getenv("RAMPART_SMTP_PASSWORD"); v != "" {
		c.Mail.Password = Secret(v)
	}
	c.applySSOEnv(getenv)
	if v := getenv("RAMPART_LISTEN"); v != "" {
		c.Listen = v
	}
	if v := getenv("RAMPART_DATA"); v != "" {
		c.Data = v
	}
	if v := getenv("RAMPART_PUBLIC_URL"); v != "" {
		c.PublicURL = v
	}
	if v := getenv("RAMPART_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = strings.Split(v, ",")
	}
	if v := getenv("RAMPART_ALLOW_REGISTRATION"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("RAMPART_ALLOW_REGISTRATION=%q: want true or false", v)
		}
		c.AllowRegistration = b
	}
	if v := getenv("RAMPART_MAX_TARBALL_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("RAMPART_MAX_TARBALL_BYTES=%q: want a number of bytes", v)
		}
		c.Limits.TarballBytes = n
	}
	return nil
}

// DefaultPublicURL is the public URL for a listen address when none is
// configured. A loopback address is named "localhost": browsers treat
// http://localhost as a secure context and accept it as a WebAuthn
// relying party, which they never do for an IP address, so security keys
// and passkeys work on the embedded default.
func DefaultPublicURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen + "/"
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// PathPrefix is the path the registry is served under, from the public
// URL ("/npm" for https://example.com/npm/), "" at the root. A reverse
// proxy may pass the prefix on or strip it; either way every link the
// registry writes carries it (internal/httpguard/prefix.go).
func (c Config) PathPrefix() string {
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// Validate checks the settings and fills in derived values (PublicURL).
func (c *Config) Validate() error {
	var errs []error
	if c.Version != CurrentVersion {
		errs = append(errs, fmt.Errorf("version = %d: this build reads config version %d", c.Version, CurrentVersion))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen = %q: want HOST:PORT, e.g. 127.0.0.1:4873", c.Listen))
	}
	if c.Data == "" {
		errs = append(errs, errors.New("data: a folder is required"))
	} else if abs, err := filepath.Abs(c.Data); err == nil {
		c.Data = abs
	}
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL(c.Listen)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("public_url = %q: want an absolute http or https URL", c.PublicURL))
	} else if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		errs = append(errs, fmt.Errorf("public_url = %q: want no query, fragment or user name in it", c.PublicURL))
	} else if !strings.HasSuffix(c.PublicURL, "/") {
		c.PublicURL += "/"
	}
	errs = append(errs, c.validateTrustedProxies())
	errs = append(errs, c.validateUpstreams()...)
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, err)
	}
	t := c.Tokens
	if t.PublishMaxDays < 1 || t.DefaultDays < 1 || t.DefaultDays > t.PublishMaxDays || t.ReadOnlyMaxDays < 1 || t.SessionHours < 1 {
		errs = append(errs, fmt.Errorf("tokens: need 1 <= default_days (%d) <= publish_max_days (%d), read_only_max_days >= 1, session_hours >= 1", t.DefaultDays, t.PublishMaxDays))
	}
	if t.PublishMaxDays > 90 {
		errs = append(errs, fmt.Errorf("tokens.publish_max_days = %d: publish tokens may live at most 90 days", t.PublishMaxDays))
	}
	if c.Unpublish.WindowHours < 0 || c.Unpublish.MaxWeeklyDownloads < 0 {
		errs = append(errs, errors.New("unpublish: window_hours and max_weekly_downloads must not be negative"))
	}
	if c.Login.FreeFailures < 1 || c.Login.MaxBackoff.Duration <= 0 {
		errs = append(errs, errors.New("login: free_failures must be at least 1 and max_backoff positive"))
	}
	errs = append(errs, c.Mail.validate())
	p := c.Passwords
	if p.MinScore < 0 || p.MinScore > 4 {
		errs = append(errs, fmt.Errorf("passwords.min_score = %d: want a zxcvbn score from 0 to 4 (3 is the default)", p.MinScore))
	}
	if !p.HIBPDisabled {
		if u, err := url.Parse(p.HIBPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("passwords.hibp_url = %q: want an absolute http or https URL, or set hibp_disabled = true", p.HIBPURL))
		}
	}
	errs = append(errs, c.EmailDomains.validate())
	errs = append(errs, c.SecretScanning.validate())
	errs = append(errs, c.Scan.validate())
	errs = append(errs, c.SecurityContact.validate())
	if m := c.MFA; m.CriticalTopPercent < 0 || m.CriticalTopPercent > 100 {
		errs = append(errs, fmt.Errorf("mfa.critical_top_percent = %g: want a percentage from 0 to 100 (1 is the default; 0 leaves only designated packages critical)", m.CriticalTopPercent))
	}
	if m := c.MFA; m.CriticalMinDownloads < 1 {
		errs = append(errs, fmt.Errorf("mfa.critical_min_downloads = %d: want at least 1 (1000 is the default)", m.CriticalMinDownloads))
	}
	if m := c.MFA; m.CriticalGracePeriod.Duration < 0 || m.CriticalGracePeriod.Duration > 90*24*time.Hour {
		errs = append(errs, fmt.Errorf("mfa.critical_grace_period = %q: want from \"0s\" (none) to \"2160h\" (90 days; the default is \"336h\", 14 days)", m.CriticalGracePeriod.Duration))
	}
	if m := c.MFA; m.StepUpWindow.Duration < time.Minute || m.StepUpWindow.Duration > 12*time.Hour {
		errs = append(errs, fmt.Errorf("mfa.step_up_window = %q: want from \"1m\" to \"12h\" (the default is \"15m\")", m.StepUpWindow.Duration))
	}
	if e := c.Staging.Expiry.Duration; e < time.Hour || e > 90*24*time.Hour {
		errs = append(errs, fmt.Errorf("staging.expiry = %q: want from \"1h\" to \"2160h\" (90 days; the default is \"336h\", 14 days)", e))
	}
	if w := c.Recovery.Wait.Duration; w < 24*time.Hour {
		errs = append(errs, fmt.Errorf("recovery.wait = %q: want at least \"24h\" (the default and the published policy is \"168h\", 7 days)", w))
	}
	if err := c.TrustedPublishing.validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Access.validate())
	errs = append(errs, c.validateSSO())
	if c.Access.PasswordsAdminsOnly() && len(c.SSO) == 0 {
		errs = append(errs, errors.New("access.password_login = false needs an identity provider to sign in with: add an [[sso]] section"))
	}
	errs = append(errs, c.validateOps())
	if err := c.Advisories.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateTrustedProxies checks each trusted_proxies entry and writes it
// in its canonical CIDR form ("192.0.2.10" becomes "192.0.2.10/32").
func (c *Config) validateTrustedProxies() error {
	var errs []error
	for i, s := range c.TrustedProxies {
		p, err := clientaddr.ParsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("trusted_proxies: %w (list the addresses of the proxies in front of Rampart, or leave it empty)", err))
			continue
		}
		c.TrustedProxies[i] = p.String()
	}
	return errors.Join(errs...)
}

// TrustedProxyPrefixes returns trusted_proxies as ranges, for
// clientaddr.New. Call it on a validated config: an entry that does not
// parse is left out.
func (c *Config) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, err := clientaddr.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// PublicURLInClear reports whether the public URL is plain http on a host
// other than localhost or a loopback address: browsers then get no Secure
// cookies, and passwords and tokens cross the network unencrypted.
func (c *Config) PublicURLInClear() bool {
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err != nil || !a.IsLoopback()
}

// validate checks the abandoned-email-domain settings.
func (e *EmailDomains) validate() error {
	var errs []error
	if e.DNSServer != "" {
		if host, port, err := net.SplitHostPort(e.DNSServer); err != nil || host == "" || port == "" {
			errs = append(errs, fmt.Errorf("email_domains.dns_server = %q: want HOST:PORT, e.g. \"192.0.2.53:53\", or \"\" for the system resolver", e.DNSServer))
		}
	}
	for _, u := range []struct{ key, val string }{{"rdap_bootstrap_url", e.RDAPBootstrapURL}, {"rdap_server", e.RDAPServer}} {
		if u.val == "" && u.key == "rdap_server" {
			continue
		}
		if p, err := url.Parse(u.val); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("email_domains.%s = %q: want an absolute http or https URL", u.key, u.val))
		}
	}
	if e.RecheckInterval.Duration < time.Minute {
		errs = append(errs, fmt.Errorf("email_domains.recheck_interval = %q: want at least \"1m\" (the default is \"24h\")", e.RecheckInterval.Duration))
	}
	if e.Timeout.Duration <= 0 {
		errs = append(errs, fmt.Errorf("email_domains.timeout = %q: want a positive duration such as \"5s\"", e.Timeout.Duration))
	}
	return errors.Join(errs...)
}

// validate reads the SMTP password file and checks the relay settings.
func (m *Mail) validate() error {
	if m.PasswordFile != "" {
		if m.Password != "" {
			return errors.New("mail: the SMTP password is set both in RAMPART_SMTP_PASSWORD and by password_file; keep one")
		}
		b, err := os.ReadFile(m.PasswordFile)
		if err != nil {
			return fmt.Errorf("mail.password_file: %w", err)
		}
		m.Password = Secret(strings.TrimRight(string(b), "\r\n"))
	}
	if m.Host == "" {
		if m.Username != "" || m.Password != "" {
			return errors.New("mail: username or password set without host; set host to use an SMTP relay")
		}
		return nil
	}
	if err := m.SMTP().Validate(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}

// EnsureDataDir creates the data folder with private permissions.
func (c *Config) EnsureDataDir() error {
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return fmt.Errorf("creating data folder %s: %w", c.Data, err)
	}
	return nil
}

// Provenance configures how build provenance is verified (docs/provenance.md).
type Provenance struct {
	// TrustedRoot is the path of the Sigstore trusted_root.json bundles
	// are verified against; "" uses Sigstore's public-good root shipped in
	// the binary. Replace the file (and restart) to refresh it.
	TrustedRoot string `toml:"trusted_root"`
}
