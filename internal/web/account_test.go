package web_test

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/password"
	"github.com/rampart/rampart/internal/store"
)

const newPassword = "velvet otter juggles seven lanterns"

// outboxLink returns the newest link to page (e.g. "verify-email") mailed
// to addr, read from the outbox folder the default mailer writes.
func (e *env) outboxLink(addr, page string) string {
	e.t.Helper()
	files, err := filepath.Glob(filepath.Join(e.cfg.Data, "outbox", "*.eml"))
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Sort(files)
	re := regexp.MustCompile(regexp.QuoteMeta(e.cfg.PublicURL+page) + `\?token=[A-Za-z0-9_-]+`)
	for i := len(files) - 1; i >= 0; i-- {
		b, err := os.ReadFile(files[i])
		if err != nil {
			e.t.Fatal(err)
		}
		if !strings.Contains(string(b), "To: <"+addr+">") {
			continue
		}
		if m := re.FindString(strings.ReplaceAll(strings.ReplaceAll(string(b), "=\r\n", ""), "=3D", "=")); m != "" {
			return strings.TrimPrefix(m, strings.TrimSuffix(e.cfg.PublicURL, "/"))
		}
	}
	e.t.Fatalf("no %s link mailed to %s in the outbox", page, addr)
	return ""
}

func (e *env) user2(name string) *core.User {
	e.t.Helper()
	u, err := e.svc.Identity.User(e.t.Context(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestSignupAndVerifyEmail(t *testing.T) {
	e := newEnv(t, "")
	w := e.postForm("/signup", url.Values{"name": {"alice"}, "email": {"alice@example.com"}, "password": {"123456789012"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, w.Body.String(), "choose another password")

	w = e.postForm("/signup", url.Values{"name": {"alice"}, "email": {"alice@example.com"}, "password": {testPassword}})
	wantStatus(t, w, http.StatusSeeOther)
	cookie := sessionCookie(w)
	if e.user2("alice").EmailVerified {
		t.Fatal("verified before following the link")
	}
	w = e.browserGet("/account?welcome=1", cookie)
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "alice@example.com", "not verified", "Account created", "Verification link mailed")

	link := e.outboxLink("alice@example.com", identity.PathVerifyEmail)
	// The GET only shows a button, however often a scanner opens it.
	for range 3 {
		w = e.browserGet(link)
		wantStatus(t, w, http.StatusOK)
		wantContains(t, w.Body.String(), `action="/verify-email"`, "Verify my email address")
	}
	if e.user2("alice").EmailVerified {
		t.Fatal("a GET of the link verified the address")
	}
	token := strings.TrimPrefix(link, "/verify-email?token=")
	w = e.postForm("/verify-email", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusOK)
	// It says what is left before publishing, with the link.
	wantContains(t, w.Body.String(), "Email address verified", "One step is left before you can publish", `href="/account/mfa"`)
	if !e.user2("alice").EmailVerified {
		t.Fatal("not verified after the POST")
	}
	// Single use.
	w = e.postForm("/verify-email", url.Values{"token": {token}})
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, html.UnescapeString(w.Body.String()), "already used")
	w = e.browserGet("/policies/account-recovery")
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "What proves that an account is yours", "waiting period")

	w = e.browserGet("/verify-email?token=bm90LWEtdG9rZW4")
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, w.Body.String(), "not valid")
}

func TestPasswordResetAndChange(t *testing.T) {
	e := newEnv(t, "")
	e.user("bob")
	old := e.signIn("bob")

	// Unknown and known addresses get the same answer.
	unknown := e.postForm("/forgot-password", url.Values{"email": {"nobody@example.com"}})
	known := e.postForm("/forgot-password", url.Values{"email": {"bob@example.com"}})
	wantStatus(t, unknown, http.StatusOK)
	wantStatus(t, known, http.StatusOK)
	if unknown.Body.String() != known.Body.String() {
		t.Fatal("the answer differs for a known address")
	}
	var link string
	for range 100 { // the mail goes out after the answer
		if files, _ := filepath.Glob(filepath.Join(e.cfg.Data, "outbox", "*password_reset*.eml")); len(files) > 0 {
			break
		}
		waitABit()
	}
	link = e.outboxLink("bob@example.com", identity.PathResetPassword)
	w := e.browserGet(link)
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "New password")
	token := strings.TrimPrefix(link, "/reset-password?token=")
	w = e.postForm("/reset-password", url.Values{"token": {token}, "password": {"password1234"}})
	wantStatus(t, w, http.StatusBadRequest)
	wantContains(t, w.Body.String(), "choose another password", `name="token"`)
	w = e.postForm("/reset-password", url.Values{"token": {token}, "password": {newPassword}})
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "Password changed")
	// The old session ended.
	w = e.browserGet("/account", old)
	wantStatus(t, w, http.StatusSeeOther)

	w = e.postForm("/login", url.Values{"name": {"bob"}, "password": {newPassword}})
	wantStatus(t, w, http.StatusSeeOther)
	c := sessionCookie(w)
	w = e.postForm("/account/password", url.Values{"current": {newPassword}, "password": {testPassword}}, c)
	wantStatus(t, w, http.StatusSeeOther)
	w = e.browserGet("/account?changed=1", sessionCookie(w))
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "Password reset through a mailed link", "Password changed")
}

func TestBreachedPasswordForcesChange(t *testing.T) {
	e := newEnv(t, "")
	// An account whose password was fine when set, and is on the common
	// list now (an admin set it; the list is what sign-in checks).
	u, err := e.svc.Identity.CreateUser(t.Context(), "", identity.NewUser{Name: "carol", Email: "carol@example.com", Password: testPassword, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	setPasswordUnchecked(t, e, u, "qwertyuiop")
	w := e.postForm("/login", url.Values{"name": {"carol"}, "password": {"qwertyuiop"}})
	wantStatus(t, w, http.StatusSeeOther)
	if got := w.Header().Get("Location"); got != "/account/password" {
		t.Fatalf("sign-in with a breached password went to %q", got)
	}
	c := sessionCookie(w)
	w = e.browserGet("/account", c)
	wantStatus(t, w, http.StatusSeeOther)
	w = e.browserGet("/account/password", c)
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "known data breach")
	w = e.postForm("/account/password", url.Values{"current": {"qwertyuiop"}, "password": {newPassword}}, c)
	wantStatus(t, w, http.StatusSeeOther)
	if e.user2("carol").PasswordCompromised {
		t.Fatal("still compromised after the change")
	}
}

// setPasswordUnchecked stores a password hash directly, as an account
// created before the checks existed would have.
func setPasswordUnchecked(t *testing.T, e *env, u *core.User, pw string) {
	t.Helper()
	hash, err := password.NewHasher(password.TestParams(), 1).Hash(t.Context(), pw)
	if err != nil {
		t.Fatal(err)
	}
	err = e.raw.Update(t.Context(), func(tx store.Tx) error { // a fixture, not a service: no event
		cur, err := tx.UserByID(u.ID)
		if err != nil {
			return err
		}
		cur.PasswordHash = hash
		return tx.UpdateUser(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitABit() { time.Sleep(20 * time.Millisecond) }
