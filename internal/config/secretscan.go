package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"time"
)

// SecretScanning configures how leaked tokens revoke themselves
// (internal/secretscan, docs/tokens.md): the report endpoint for secret
// scanners in GitHub's partner-programme format, and what an upload that
// holds a credential gets.
type SecretScanning struct {
	// Reports turns the report endpoint on (POST /-/secret-scanning/<name>
	// for each scanner below). On by default: a report is acted on only
	// when a scanner's key signed it.
	Reports bool `toml:"reports"`
	// ReplayWindow is how long a report is remembered: the same signed
	// body within it is refused. GitHub's reports carry no timestamp, so
	// this window, not a clock skew, bounds replays; a replay after it
	// finds its tokens already revoked and changes nothing.
	ReplayWindow Duration `toml:"replay_window"`
	// UploadForeignTokens is what an upload holding another registry's
	// token (npm, GitHub, PyPI, RubyGems, GitLab: docs/tokens.md) gets:
	// "refuse" (the default) or "warn" (published, with a warning npm
	// prints). A live token of this registry always refuses the upload.
	UploadForeignTokens string `toml:"upload_foreign_tokens"`
	// Scanners are the services whose reports are accepted, each with the
	// URL of its public keys. The default is GitHub's.
	Scanners []Scanner `toml:"scanners"`
}

// Scanner is one secret-scanning service.
type Scanner struct {
	// Name is the last element of its endpoint's path.
	Name string `toml:"name"`
	// KeysURL serves its public keys as JSON
	// {"public_keys": [{"key_identifier", "key", "is_current"}]}.
	KeysURL string `toml:"keys_url"`
}

// GitHubScanningKeysURL is where GitHub publishes the keys that sign its
// secret-scanning reports.
const GitHubScanningKeysURL = "https://api.github.com/meta/public_keys/secret_scanning"

func defaultSecretScanning() SecretScanning {
	return SecretScanning{
		Reports:             true,
		ReplayWindow:        Duration{7 * 24 * time.Hour},
		UploadForeignTokens: "refuse",
		Scanners:            []Scanner{{Name: "github", KeysURL: GitHubScanningKeysURL}},
	}
}

var scannerName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

func (s SecretScanning) validate() error {
	var errs []error
	if w := s.ReplayWindow.Duration; w < time.Minute || w > 90*24*time.Hour {
		errs = append(errs, fmt.Errorf("secret_scanning.replay_window = %q: want from \"1m\" to \"2160h\" (90 days; the default is \"168h\")", w))
	}
	if s.UploadForeignTokens != "refuse" && s.UploadForeignTokens != "warn" {
		errs = append(errs, fmt.Errorf("secret_scanning.upload_foreign_tokens = %q: want \"refuse\" (the default) or \"warn\"", s.UploadForeignTokens))
	}
	seen := map[string]bool{}
	for i, sc := range s.Scanners {
		if !scannerName.MatchString(sc.Name) {
			errs = append(errs, fmt.Errorf("secret_scanning.scanners[%d].name = %q: want 1 to 32 lower-case letters, digits and dashes (it is the endpoint's path)", i, sc.Name))
		} else if seen[sc.Name] {
			errs = append(errs, fmt.Errorf("secret_scanning.scanners[%d].name = %q: two scanners have that name", i, sc.Name))
		}
		seen[sc.Name] = true
		if !keysURLOK(sc.KeysURL) {
			errs = append(errs, fmt.Errorf("secret_scanning.scanners[%d].keys_url = %q: want an absolute https URL (http only to a loopback address)", i, sc.KeysURL))
		}
	}
	return errors.Join(errs...)
}

// keysURLOK allows https, and plain http to loopback only: the keys decide
// whose reports revoke tokens, so they must not cross a network in clear.
func keysURLOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}
