// Package pwcheck judges a password before Rampart accepts it: is it known
// from data breaches, is it one of the most common passwords, and how hard
// is it to guess?
//
// Breaches are looked up in the Have I Been Pwned range API with
// k-anonymity: only the first five hex characters of the password's SHA-1
// leave the process, the request asks for a padded response so that its
// size says nothing either, and the suffixes are compared here. When HIBP is
// disabled, slow or down, the check falls back to an offline list (the
// 30,000 most common passwords shipped inside zxcvbn, famous example
// passphrases such as "correct horse battery staple", plus an optional
// operator file of SHA-1 hashes) and says so in Verdict.Source. Case,
// spacing and separators do not hide a password from the offline list. A failure of
// HIBP never fails the caller's request.
//
// Strength is zxcvbn's score from 0 (too guessable) to 4 (very unguessable),
// with the user's own name and email address counted as guessable.
//
// The account service decides what a Verdict means: registration and a
// password change are refused unless Acceptable, and a sign-in whose
// password is Compromised succeeds only into a forced password change.
package pwcheck

import (
	"context"
	"crypto/sha1" // the HIBP range API is keyed by SHA-1; not a security choice here
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

const (
	// DefaultHIBPBaseURL is the public Pwned Passwords service.
	DefaultHIBPBaseURL = "https://api.pwnedpasswords.com"
	// DefaultTimeout bounds one HIBP query.
	DefaultTimeout = 3 * time.Second
	// DefaultMinScore is the lowest zxcvbn score Acceptable lets through
	// unless the operator chooses otherwise: "safely unguessable".
	DefaultMinScore = 3

	// SourceHIBP and SourceOffline name where a Verdict's breach answer
	// came from.
	SourceHIBP    = "hibp"
	SourceOffline = "offline"

	// maxStrengthRunes is how much of a password zxcvbn looks at. Its
	// matching grows much faster than linearly (a 1 KiB password takes
	// seconds), and the score of a prefix never overstates the strength
	// of the whole, so longer passwords are scored on their first runes.
	maxStrengthRunes = 100
	// maxUserInputs and maxUserInputBytes bound what callers pass as user
	// inputs for the same reason.
	maxUserInputs     = 16
	maxUserInputBytes = 256
)

// Options configure a Checker. The zero value checks against the public
// HIBP service with the defaults below.
type Options struct {
	// HIBPBaseURL is the Pwned Passwords service; requests go to
	// <HIBPBaseURL>/range/<prefix>. Empty means DefaultHIBPBaseURL, and it
	// must be empty when DisableHIBP is set.
	HIBPBaseURL string
	// DisableHIBP skips the online query and uses only the offline list.
	DisableHIBP bool
	// HTTPClient makes the HIBP requests; nil means a client of its own.
	HTTPClient *http.Client
	// Timeout bounds one HIBP query; zero means DefaultTimeout. After it,
	// the check falls back to the offline list.
	Timeout time.Duration
	// ExtraHashesFile is an optional file of SHA-1 hashes (40 hex digits,
	// one a line, optionally followed by ":count" as the HIBP downloader
	// writes them; blank lines and lines starting with # are skipped) of
	// passwords the operator knows to be leaked. It is held in memory:
	// meant for a registry's own list, not the whole HIBP corpus.
	ExtraHashesFile string
	// MinScore is the zxcvbn score (0 to 4) below which a password is too
	// easy to guess; zero means DefaultMinScore.
	MinScore int
	// Log receives a warning when HIBP cannot be reached; nil means
	// slog.Default().
	Log *slog.Logger
}

// Checker judges passwords. It is safe for concurrent use.
type Checker struct {
	base     string // "" when HIBP is disabled
	client   *http.Client
	timeout  time.Duration
	extra    hashSet
	minScore int
	log      *slog.Logger
}

// New validates opts and builds a Checker. It reads ExtraHashesFile, if
// set, and reports a malformed line with its number.
func New(opts Options) (*Checker, error) {
	c := &Checker{
		client:   opts.HTTPClient,
		timeout:  opts.Timeout,
		minScore: opts.MinScore,
		log:      opts.Log,
	}
	switch {
	case opts.DisableHIBP && opts.HIBPBaseURL != "":
		return nil, errors.New("pwcheck: HIBP base URL set while HIBP is disabled; set one or the other")
	case opts.DisableHIBP:
	default:
		base := opts.HIBPBaseURL
		if base == "" {
			base = DefaultHIBPBaseURL
		}
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("pwcheck: HIBP base URL %q is not an http(s) URL without query", base)
		}
		c.base = strings.TrimRight(base, "/")
	}
	if c.timeout < 0 {
		return nil, fmt.Errorf("pwcheck: timeout must not be negative, got %v", c.timeout)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.minScore < 0 || c.minScore > 4 {
		return nil, fmt.Errorf("pwcheck: minimum score must be between 0 and 4, got %d", c.minScore)
	}
	if c.minScore == 0 {
		c.minScore = DefaultMinScore
	}
	if c.client == nil {
		c.client = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if opts.ExtraHashesFile != "" {
		set, err := readHashFile(opts.ExtraHashesFile)
		if err != nil {
			return nil, err
		}
		c.extra = set
	}
	return c, nil
}

// MinScore returns the score Check measured Problems against.
func (c *Checker) MinScore() int { return c.minScore }

// Verdict is what Check found out about one password.
type Verdict struct {
	// Breached is set when the password is known from a data breach: HIBP
	// counted it, or it is in the operator's hash file.
	Breached bool
	// BreachCount is how often HIBP has seen the password; 0 when the
	// breach answer came from the operator's file or nothing was found.
	BreachCount int
	// Common is set when the password (ignoring case) is on the offline
	// list of the most common passwords. It is checked whatever Source is.
	Common bool
	// Famous is set when the password is a famous example password or
	// passphrase ("correct horse battery staple"), whatever its case,
	// spacing and appended digits or symbols (famous.go). It is checked
	// whatever Source is.
	Famous bool
	// Score is zxcvbn's estimate from 0 (too guessable) to 4.
	Score int
	// Source says where the breach answer came from: SourceHIBP, or
	// SourceOffline when HIBP was disabled or could not be asked.
	Source string
	// Problems are user-facing reasons the password should not be used,
	// each saying what to do; measured against the Checker's MinScore.
	Problems []string
}

// Acceptable reports whether a new password may be set: it is neither
// breached nor common and scores at least minScore.
func (v Verdict) Acceptable(minScore int) bool {
	return !v.Compromised() && v.Score >= minScore
}

// Compromised reports whether the password is known to attackers. A sign-in
// with such a password should succeed only into a forced password change.
func (v Verdict) Compromised() bool { return v.Breached || v.Common || v.Famous }

// Refusal returns nil when the password is Acceptable, and otherwise a
// core.KindInvalid error whose message lists the Problems.
func (v Verdict) Refusal(minScore int) error {
	if v.Acceptable(minScore) {
		return nil
	}
	problems := v.Problems
	if len(problems) == 0 { // a minScore above the Checker's
		problems = []string{tooWeak}
	}
	return core.Errorf(core.KindInvalid, "choose another password: %s", strings.Join(problems, "; "))
}

const tooWeak = "too easy to guess: use a longer passphrase, such as four or more random words"

// Check judges password. userInputs are strings an attacker would try first
// for this account (user name, email address, full name); a password built
// from them scores lower.
//
// Check fails only for a password longer than limits.MaxPasswordBytes (a
// core.KindInvalid error). Any HIBP failure falls back to the offline list.
func (c *Checker) Check(ctx context.Context, password string, userInputs ...string) (Verdict, error) {
	if len(password) > limits.MaxPasswordBytes {
		return Verdict{}, core.Errorf(core.KindInvalid, "the password is longer than %d bytes; choose a shorter one", limits.MaxPasswordBytes)
	}
	sum := sha1.Sum([]byte(password))
	hexSum := strings.ToUpper(hex.EncodeToString(sum[:]))

	v := Verdict{Source: SourceOffline}
	if c.base != "" {
		n, err := c.rangeCount(ctx, hexSum)
		if err != nil {
			// The error names at most the prefix: see rangeCount.
			c.log.WarnContext(ctx, "pwcheck: HIBP unavailable; using the offline list", "error", err)
		} else {
			v.Source = SourceHIBP
			v.BreachCount = n
			v.Breached = n > 0
		}
	}
	if c.extra.has(sum) {
		v.Breached = true
	}
	v.Common = isCommon(password)
	v.Famous = isFamous(password)

	strength := zxcvbn.PasswordStrength(truncateRunes(password, maxStrengthRunes), expandInputs(userInputs))
	v.Score = strength.Score

	switch {
	case v.BreachCount == 1:
		v.Problems = append(v.Problems, "this password appeared in a known data breach; choose another")
	case v.BreachCount > 1:
		v.Problems = append(v.Problems, fmt.Sprintf("this password appeared in %d known data breaches; choose another", v.BreachCount))
	case v.Breached:
		v.Problems = append(v.Problems, "this password is on this registry's list of leaked passwords; choose another")
	}
	if v.Common {
		v.Problems = append(v.Problems, "this is one of the most common passwords; choose another")
	}
	if v.Famous {
		v.Problems = append(v.Problems, "this is a famous example password, among the first an attacker tries; choose another")
	}
	if v.Score < c.minScore {
		if usesUserInputs(strength.Sequence) {
			v.Problems = append(v.Problems, "do not build the password from your user name or email address")
		}
		v.Problems = append(v.Problems, tooWeak)
	}
	return v, nil
}

// truncateRunes returns the first n runes of s (invalid bytes count as
// one rune each).
func truncateRunes(s string, n int) string {
	i := 0
	for range n {
		if i >= len(s) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// expandInputs turns user inputs into the words an attacker would try:
// each input whole, an email address's local part and domain, and the
// words of the local part, alone and run together. Words shorter than
// three characters are left out.
func expandInputs(inputs []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if len(s) < 3 || len(s) > maxUserInputBytes || seen[s] {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	for i, in := range inputs {
		if i == maxUserInputs {
			break
		}
		add(in)
		if local, domain, ok := strings.Cut(in, "@"); ok {
			add(local)
			add(domain)
		}
		local, _, _ := strings.Cut(in, "@")
		words := strings.FieldsFunc(local, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		add(strings.Join(words, "")) // "first.last" is tried as "firstlast"
		for _, w := range words {
			add(w)
		}
	}
	return out
}

func usesUserInputs(seq []*match.Match) bool {
	for _, m := range seq {
		if m.DictionaryName == "user_inputs" {
			return true
		}
	}
	return false
}
