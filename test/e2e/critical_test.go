package e2e

import (
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/testserver"
)

// TestFirstPackageIsNotCriticalAfterRestart: on a registry with one
// package, that package is the top 1% by downloads. Before, its single
// download made it critical at the next start-up, and its TOTP-only owner
// was refused publishing it. The floor (critical_min_downloads, default
// 1000 over 30 days) keeps it an ordinary package.
func TestFirstPackageIsNotCriticalAfterRestart(t *testing.T) {
	t.Parallel()
	s := testserver.Start(t, testserver.Options{SMTP: true, RequireMFA: true})
	alice := signup(t, s, "alice", alicePW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "first-pkg", Version: "1.0.0"}, "--otp="+auth.Code(t))
	dir := project(t)
	anon(t, s).MustRun(dir, "install", "first-pkg")
	if v := installedVersion(t, dir, "first-pkg"); v != "1.0.0" {
		t.Fatalf("installed first-pkg %q, want 1.0.0", v)
	}

	tok := alice.Token()
	s = s.Restart(t) // writes the download, then recomputes at start-up
	if out, err := s.Admin(t, "", "package", "critical", "ls"); err != nil || strings.Contains(out, "first-pkg") {
		t.Fatalf("critical ls after the restart: %v\n%s", err, out)
	}
	alice = testserver.NewNPM(t, s.URL)
	alice.SetToken(tok)
	r := alice.MustRun(writePkg(t, pkg{Name: "first-pkg", Version: "1.0.1"}), "publish", "--otp="+auth.Code(t))
	mustContain(t, r.Output(), "+ first-pkg@1.0.1")
}

// TestCriticalByDownloadsGracePeriod: a package that becomes critical by
// downloads is announced to its maintainer by mail (what it means, where
// to add a security key, the deadline) with an event, and keeps working
// with TOTP during the grace period: an `npm login` session with --otp
// and a CI token created with a TOTP code both publish it. Once the grace
// period is over, both are refused with a message that says to add a
// security key or passkey and where; the page it names exists for a TOTP
// user and lets them add one, and /account/mfa leads there too.
func TestCriticalByDownloadsGracePeriod(t *testing.T) {
	t.Parallel()
	// Loopback is a trusted proxy so that X-Forwarded-For tells the
	// server which client downloads; two distinct clients make the
	// package critical (a floor of 2 instead of 1000).
	s := testserver.Start(t, testserver.Options{SMTP: true, RequireMFA: true, Config: `trusted_proxies = ["127.0.0.1/32"]
[mfa]
critical_min_downloads = 2
`})
	alice := signup(t, s, "alice", alicePW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	publish(t, alice, pkg{Name: "jewel", Version: "1.0.0"}, "--otp="+auth.Code(t))
	r := alice.MustRun("", "token", "create", "--password", alicePW, "--otp="+auth.Code(t))
	ci := tokenRE.FindString(r.Output())
	if ci == "" {
		t.Fatalf("no token in:\n%s", r.Output())
	}
	for _, client := range []string{"192.0.2.10", "192.0.2.20"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"jewel/-/jewel-1.0.0.tgz", nil)
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("download from %s: %d", client, resp.StatusCode)
		}
	}

	tok := alice.Token()
	s = s.Restart(t) // writes the downloads, then recomputes at start-up
	if out, err := s.Admin(t, "", "package", "critical", "ls"); err != nil || !strings.Contains(out, "jewel\ttop downloads as of") || !strings.Contains(out, "TOTP still accepted until") {
		t.Fatalf("jewel is not critical, in its grace period, after two downloads over the floor of 2: %v\n%s", err, out)
	}
	m := waitForMail(t, s, "alice@example.com", "jewel is now a critical package")
	mustContain(t, m.Text, "security key or passkey", s.URL+"account/security-keys", "Your authenticator app keeps working for this package until")
	deadline := time.Now().Add(14 * 24 * time.Hour).UTC().Format("2 January 2006")
	mustContain(t, m.Subject, "add a security key by "+deadline)
	_, page := browser(t, http.MethodGet, s.URL+"package/jewel", nil)
	mustContain(t, page, "critical package", "security key or passkey required from")

	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.Data, "metadata.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var data string
	if err := db.QueryRow(`SELECT data FROM events WHERE type = 'package.critical' ORDER BY seq DESC LIMIT 1`).Scan(&data); err != nil {
		t.Fatalf("no critical-change event: %v", err)
	}
	mustContain(t, data, `"became_critical":["jewel"]`, `"key_required_from"`)

	// In the grace period TOTP still works, interactively and from CI.
	alice = testserver.NewNPM(t, s.URL)
	alice.SetToken(tok)
	r = alice.MustRun(writePkg(t, pkg{Name: "jewel", Version: "1.1.0"}), "publish", "--otp="+auth.Code(t), "--loglevel=notice")
	mustContain(t, r.Output(), "+ jewel@1.1.0",
		"npm notice jewel is a critical package: from "+time.Now().Add(14*24*time.Hour).UTC().Format("2006-01-02"), "need a security key or passkey", s.URL+"account/security-keys")
	bot := testserver.NewNPM(t, s.URL)
	bot.SetToken(ci)
	r = bot.MustRun(writePkg(t, pkg{Name: "jewel", Version: "1.2.0"}), "publish")
	mustContain(t, r.Output(), "+ jewel@1.2.0")

	// The binary's clock is the machine's, so the 14 days pass in the
	// database: jewel entered the computed set 15 days ago. Nothing else
	// is touched.
	res, err := db.Exec(`UPDATE critical_packages SET computed_since = ? WHERE computed = 1`, time.Now().Add(-15*24*time.Hour).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("moving the start of the grace period: %v (%d rows, want 1)", err, n)
	}

	// The CI token was created with a code from the app, not a key: it no
	// longer publishes jewel.
	mustFail(t, bot.Run(writePkg(t, pkg{Name: "jewel", Version: "1.3.0"}), "publish"), "403",
		"jewel is a critical package: publishing jewel needs a token created in a session that passed a security key or passkey",
		s.URL+"account/security-keys")
	// Nor does the TOTP session (refused before the code is looked at).
	mustFail(t, alice.Run(writePkg(t, pkg{Name: "jewel", Version: "1.3.0"}), "publish", "--otp=000000"), "403",
		"jewel is a critical package", "security key or passkey", s.URL+"account/security-keys")
	if vs := viewVersions(t, anon(t, s), "jewel"); len(vs) != 3 {
		t.Fatalf("jewel has versions %v, want the three published before the deadline", vs)
	}

	// The page the refusal names exists for a TOTP user and offers to
	// add a key; the two-factor page leads there as well.
	w := signInWithTOTP(t, s, "alice", alicePW, auth)
	w.mustShow(s.URL+"account/security-keys", "Security keys and passkeys", `id="webauthn-register"`)
	w.mustShow(s.URL+"account/mfa", `href="/account/security-keys"`, "Add a security key or passkey")
}
