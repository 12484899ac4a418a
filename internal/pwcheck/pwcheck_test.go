package pwcheck_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/pwcheck"
	"github.com/rampart/rampart/internal/testpeers/hibp"
)

const (
	strong  = "velvet-origami-thunder-quince-42"
	strong2 = "quartz lantern hobble marmot 9"
)

func newChecker(t *testing.T, opts pwcheck.Options) *pwcheck.Checker {
	t.Helper()
	c, err := pwcheck.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func check(t *testing.T, c *pwcheck.Checker, pw string, inputs ...string) pwcheck.Verdict {
	t.Helper()
	v, err := c.Check(context.Background(), pw, inputs...)
	if err != nil {
		t.Fatalf("Check(%q): %v", pw, err)
	}
	return v
}

func TestBreachedFoundWithCount(t *testing.T) {
	srv := hibp.Start(t, strong2)
	srv.Add("hunter2-but-only-once-seen", 1)
	c := newChecker(t, pwcheck.Options{HIBPBaseURL: srv.URL})

	v := check(t, c, strong2)
	if !v.Breached || v.BreachCount != hibp.DefaultCount || v.Source != pwcheck.SourceHIBP {
		t.Fatalf("verdict = %+v, want breached %d times according to hibp", v, hibp.DefaultCount)
	}
	if v.Acceptable(c.MinScore()) || !v.Compromised() {
		t.Errorf("a breached password is Acceptable or not Compromised: %+v", v)
	}
	want := fmt.Sprintf("this password appeared in %d known data breaches; choose another", hibp.DefaultCount)
	if len(v.Problems) == 0 || v.Problems[0] != want {
		t.Errorf("Problems = %q, want first %q", v.Problems, want)
	}
	err := v.Refusal(c.MinScore())
	if core.KindOf(err) != core.KindInvalid || !strings.Contains(core.Message(err), want) {
		t.Errorf("Refusal = %v (kind %v), want an invalid-kind error quoting %q", err, core.KindOf(err), want)
	}

	v = check(t, c, "hunter2-but-only-once-seen")
	if !v.Breached || v.BreachCount != 1 {
		t.Fatalf("verdict = %+v, want breached once", v)
	}
	if v.Problems[0] != "this password appeared in a known data breach; choose another" {
		t.Errorf("Problems = %q", v.Problems)
	}
}

func TestStrongPassphrasePasses(t *testing.T) {
	srv := hibp.Start(t, strong2)
	c := newChecker(t, pwcheck.Options{HIBPBaseURL: srv.URL + "/"}) // a trailing slash is fine

	v := check(t, c, strong, "alice", "alice@example.com")
	if v.Breached || v.Common || v.Source != pwcheck.SourceHIBP || v.Score < pwcheck.DefaultMinScore || len(v.Problems) != 0 {
		t.Fatalf("verdict = %+v, want a clean hibp verdict", v)
	}
	if !v.Acceptable(c.MinScore()) || v.Compromised() || v.Refusal(c.MinScore()) != nil {
		t.Errorf("a strong, unbreached passphrase is refused: %+v", v)
	}
	if srv.Count() != 1 {
		t.Errorf("HIBP got %d requests, want 1", srv.Count())
	}
	r := srv.Requests()[0]
	if !r.Padding || r.Header.Get("User-Agent") == "" {
		t.Errorf("request headers %v: want Add-Padding: true and a User-Agent", r.Header)
	}
}

func TestHIBPDownFallsBackToOfflineList(t *testing.T) {
	srv := hibp.Start(t, "password123", strong2)
	srv.SetDown(true)
	var logs bytes.Buffer
	c := newChecker(t, pwcheck.Options{
		HIBPBaseURL: srv.URL,
		Log:         slog.New(slog.NewTextHandler(&logs, nil)),
	})

	v := check(t, c, "password123")
	if v.Source != pwcheck.SourceOffline || !v.Common || v.Acceptable(c.MinScore()) || !v.Compromised() {
		t.Fatalf("verdict = %+v, want the offline list to catch a common password", v)
	}
	if !strings.Contains(strings.Join(v.Problems, "\n"), "most common passwords") {
		t.Errorf("Problems = %q, want the common-password reason", v.Problems)
	}
	// Case does not hide a common password.
	if v := check(t, c, "PassWord123"); !v.Common {
		t.Errorf("PassWord123: verdict = %+v, want common", v)
	}

	v = check(t, c, strong)
	if v.Source != pwcheck.SourceOffline || !v.Acceptable(c.MinScore()) {
		t.Fatalf("verdict = %+v, want a strong passphrase to pass on the offline list", v)
	}
	if srv.Count() != 3 {
		t.Errorf("HIBP got %d requests, want 3 (one try per check)", srv.Count())
	}
	if !strings.Contains(logs.String(), "HIBP unavailable") {
		t.Errorf("log = %q, want a warning about HIBP", logs.String())
	}

	srv.SetDown(false)
	if v := check(t, c, strong2); v.Source != pwcheck.SourceHIBP || !v.Breached {
		t.Errorf("after the outage: verdict = %+v, want hibp to answer again", v)
	}
}

func TestHIBPUnreachableOrBroken(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(hang) })

	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>captive portal</html>")
	}))
	t.Cleanup(garbage.Close)

	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := strings.Repeat("0", 35) + ":0\r\n"
		for range 3 << 20 / len(line) {
			fmt.Fprint(w, line)
		}
	}))
	t.Cleanup(huge.Close)

	for name, url := range map[string]string{
		"connection refused": closed.URL,
		"timeout":            slow.URL,
		"not the range API":  garbage.URL,
		"oversized":          huge.URL,
	} {
		t.Run(name, func(t *testing.T) {
			c := newChecker(t, pwcheck.Options{
				HIBPBaseURL: url,
				Timeout:     200 * time.Millisecond,
				Log:         slog.New(slog.DiscardHandler),
			})
			start := time.Now()
			v := check(t, c, "password123")
			if v.Source != pwcheck.SourceOffline || !v.Common {
				t.Errorf("verdict = %+v, want the offline list", v)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Check took %v with a %v timeout", d, 200*time.Millisecond)
			}
		})
	}
}

func TestOnlyThePrefixLeavesTheProcess(t *testing.T) {
	srv := hibp.Start(t, strong2)
	var logs bytes.Buffer
	c := newChecker(t, pwcheck.Options{HIBPBaseURL: srv.URL, Log: slog.New(slog.NewTextHandler(&logs, nil))})

	passwords := []string{strong, strong2, "password123", "pässwörd ✓ with spaces"}
	for _, pw := range passwords {
		check(t, c, pw)
	}
	srv.SetDown(true) // and when failing, nothing more is logged
	for _, pw := range passwords {
		check(t, c, pw)
	}

	reqs := srv.Requests()
	if len(reqs) != 2*len(passwords) {
		t.Fatalf("HIBP got %d requests, want %d", len(reqs), 2*len(passwords))
	}
	for i, r := range reqs {
		pw := passwords[i%len(passwords)]
		full := hibp.Hash(pw)
		if want := "/range/" + full[:5]; r.URL != want {
			t.Errorf("request %d for %q: URL %q, want %q", i, pw, r.URL, want)
		}
		if r.Method != http.MethodGet || len(r.Body) != 0 {
			t.Errorf("request %d: %s with %d body bytes", i, r.Method, len(r.Body))
		}
		var wire strings.Builder
		fmt.Fprintf(&wire, "%s\n%s\n", r.URL, r.Body)
		_ = r.Header.Write(&wire)
		assertNoSecret(t, "request", wire.String(), pw, full)
	}
	assertNoSecret(t, "log", logs.String(), strings.Join(passwords, "\n"), "")
	for _, pw := range passwords {
		assertNoSecret(t, "log", logs.String(), pw, hibp.Hash(pw))
	}
}

// assertNoSecret fails if s holds the password or any part of its hash
// beyond the five-digit prefix.
func assertNoSecret(t *testing.T, what, s, pw, fullHash string) {
	t.Helper()
	if pw != "" && strings.Contains(s, pw) {
		t.Errorf("%s contains the password %q", what, pw)
	}
	if fullHash == "" {
		return
	}
	upper := strings.ToUpper(s)
	// Any 8 hex digits of the suffix would already say more than HIBP needs.
	for i := 5; i+8 <= len(fullHash); i++ {
		if strings.Contains(upper, fullHash[i:i+8]) {
			t.Errorf("%s contains hash digits %d-%d of %q", what, i, i+8, pw)
			return
		}
	}
}

func TestOperatorHashFile(t *testing.T) {
	leaked := "registry-internal-leak-7-walrus"
	other := "another-leaked-phrase-at-acme"
	file := filepath.Join(t.TempDir(), "leaked.txt")
	content := "# leaked from our old forum\n\n" +
		strings.ToLower(hibp.Hash(leaked)) + "\n" +
		hibp.Hash(other) + ":12\r\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		opts func(*hibp.Server) pwcheck.Options
	}{
		{"hibp disabled", func(*hibp.Server) pwcheck.Options {
			return pwcheck.Options{DisableHIBP: true, ExtraHashesFile: file}
		}},
		{"hibp up", func(s *hibp.Server) pwcheck.Options {
			return pwcheck.Options{HIBPBaseURL: s.URL, ExtraHashesFile: file}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := hibp.Start(t)
			c := newChecker(t, tc.opts(srv))
			for _, pw := range []string{leaked, other} {
				v := check(t, c, pw)
				if !v.Breached || v.Acceptable(c.MinScore()) {
					t.Errorf("%q: verdict = %+v, want breached by the operator's file", pw, v)
				}
				if !strings.Contains(strings.Join(v.Problems, "\n"), "list of leaked passwords") {
					t.Errorf("%q: Problems = %q", pw, v.Problems)
				}
			}
			if v := check(t, c, strong); !v.Acceptable(c.MinScore()) {
				t.Errorf("verdict = %+v, want a password not in the file to pass", v)
			}
		})
	}

	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte(hibp.Hash(leaked)+"\nnot-a-hash\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := pwcheck.New(pwcheck.Options{DisableHIBP: true, ExtraHashesFile: bad})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("New with a malformed file: err = %v, want one naming line 2", err)
	}
	_, err = pwcheck.New(pwcheck.Options{DisableHIBP: true, ExtraHashesFile: filepath.Join(t.TempDir(), "missing")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("New with a missing file: err = %v, want ErrNotExist", err)
	}
}

func TestUserInputsLowerTheScore(t *testing.T) {
	c := newChecker(t, pwcheck.Options{DisableHIBP: true})
	const pw = "zebulonfrostwick!Q7"

	alone := check(t, c, pw)
	withName := check(t, c, pw, "zebulonfrostwick", "zeb@example.com")
	fromEmail := check(t, c, pw, "zeb", "zebulon.frostwick@example.com")
	if alone.Score < pwcheck.DefaultMinScore {
		t.Fatalf("score without user inputs = %d, want a password that passes on its own", alone.Score)
	}
	for name, v := range map[string]pwcheck.Verdict{"user name": withName, "email": fromEmail} {
		if v.Score >= alone.Score || v.Acceptable(c.MinScore()) {
			t.Errorf("%s in the password: score %d (alone %d), want lower and refused", name, v.Score, alone.Score)
		}
		if !strings.Contains(strings.Join(v.Problems, "\n"), "user name or email address") {
			t.Errorf("%s: Problems = %q, want the user-input reason", name, v.Problems)
		}
	}
}

func TestWeakButUnlisted(t *testing.T) {
	c := newChecker(t, pwcheck.Options{DisableHIBP: true})
	v := check(t, c, "Tr0ub4dour&3") // zxcvbn: l33t dictionary word, score 2
	if v.Common || v.Breached || v.Score >= 3 {
		t.Fatalf("verdict = %+v, want a weak password that is on no list", v)
	}
	if v.Acceptable(3) || !v.Acceptable(v.Score) || v.Compromised() {
		t.Errorf("Acceptable disagrees with Score %d", v.Score)
	}
	if len(v.Problems) != 1 || !strings.Contains(v.Problems[0], "longer passphrase") {
		t.Errorf("Problems = %q", v.Problems)
	}
	// MinScore 2 lets it through.
	c2 := newChecker(t, pwcheck.Options{DisableHIBP: true, MinScore: 2})
	if v := check(t, c2, "Tr0ub4dour&3"); len(v.Problems) != 0 || v.Refusal(c2.MinScore()) != nil {
		t.Errorf("MinScore 2: verdict = %+v", v)
	}
}

func TestLongPasswords(t *testing.T) {
	c := newChecker(t, pwcheck.Options{DisableHIBP: true})
	start := time.Now()
	v := check(t, c, strings.Repeat("ab1!", limits.MaxPasswordBytes/4))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a %d-byte password took %v", limits.MaxPasswordBytes, d)
	}
	if v.Score > 2 {
		t.Errorf("a repeated pattern scored %d", v.Score)
	}
	_, err := c.Check(context.Background(), strings.Repeat("x", limits.MaxPasswordBytes+1))
	if core.KindOf(err) != core.KindInvalid {
		t.Errorf("over-long password: err = %v, want KindInvalid", err)
	}
}

func TestNewValidates(t *testing.T) {
	for name, opts := range map[string]pwcheck.Options{
		"disabled with a URL": {DisableHIBP: true, HIBPBaseURL: "https://hibp.example"},
		"not http":            {HIBPBaseURL: "ftp://hibp.example"},
		"no host":             {HIBPBaseURL: "https:///range"},
		"query":               {HIBPBaseURL: "https://hibp.example/?x=1"},
		"score too high":      {DisableHIBP: true, MinScore: 5},
		"score negative":      {DisableHIBP: true, MinScore: -1},
		"negative timeout":    {DisableHIBP: true, Timeout: -time.Second},
	} {
		if _, err := pwcheck.New(opts); err == nil {
			t.Errorf("%s: New(%+v) succeeded", name, opts)
		}
	}
	c := newChecker(t, pwcheck.Options{DisableHIBP: true})
	if c.MinScore() != pwcheck.DefaultMinScore {
		t.Errorf("MinScore() = %d, want the default %d", c.MinScore(), pwcheck.DefaultMinScore)
	}
}
