package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/web/securitytxtcheck"
)

func withSecurityContact(c *config.Config) {
	c.SecurityContact = config.SecurityContact{
		Contact:            []string{"mailto:security@registry.example.com", "https://registry.example.com/report", "tel:+1-201-555-0123"},
		Expires:            "2027-06-30T12:00:00+02:00",
		PreferredLanguages: []string{"en", "de"},
		Encryption:         "https://registry.example.com/pgp.txt",
	}
}

// get is a plain client's GET (curl, a security.txt scanner).
func (e *env) get(target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func TestSecurityTxtFollowsRFC9116(t *testing.T) {
	e := newEnv(t, "https://registry.example.com/", withSecurityContact)
	for _, accept := range []string{"", "text/html"} { // a browser gets the file too, not a page
		r := httptest.NewRequest(http.MethodGet, "/.well-known/security.txt", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		wantStatus(t, w, http.StatusOK)
		if err := securitytxtcheck.ContentType(w.Header().Get("Content-Type")); err != nil {
			t.Error(err)
		}
		now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		f, errs := securitytxtcheck.Check(w.Body.String(), "https://registry.example.com/.well-known/security.txt", now)
		for _, err := range errs {
			t.Errorf("RFC 9116: %v\n%s", err, w.Body)
		}
		if got := strings.Join(f["contact"], " "); got != "mailto:security@registry.example.com https://registry.example.com/report tel:+1-201-555-0123" {
			t.Errorf("Contact fields %q: want the configured contacts in order", got)
		}
		if got := f["expires"]; len(got) != 1 || got[0] != "2027-06-30T10:00:00Z" {
			t.Errorf("Expires %q: want the configured time in UTC", got)
		}
		if got := f["policy"]; len(got) != 1 || got[0] != "https://registry.example.com/-/policies/security" {
			t.Errorf("Policy %q", got)
		}
		if got := f["preferred-languages"]; len(got) != 1 || got[0] != "en, de" {
			t.Errorf("Preferred-Languages %q", got)
		}
		if got := f["encryption"]; len(got) != 1 || got[0] != "https://registry.example.com/pgp.txt" {
			t.Errorf("Encryption %q", got)
		}
	}

	// The Policy URL is the security policy page, for any client.
	w := e.get("/-/policies/security")
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), "Safe harbour", "90 days")
}

// The checker itself must catch what RFC 9116 forbids, or the test above
// proves nothing.
func TestSecurityTxtCheckerCatchesBreaches(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	const at = "https://r.example/.well-known/security.txt"
	for name, body := range map[string]string{
		"no contact":      "Expires: 2027-01-01T00:00:00Z\n",
		"no expires":      "Contact: mailto:a@r.example\n",
		"two expires":     "Contact: mailto:a@r.example\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-02-01T00:00:00Z\n",
		"date only":       "Contact: mailto:a@r.example\nExpires: 2027-01-01\n",
		"expired":         "Contact: mailto:a@r.example\nExpires: 2026-01-01T00:00:00Z\n",
		"http contact":    "Contact: http://r.example/report\nExpires: 2027-01-01T00:00:00Z\n",
		"wrong canonical": "Contact: mailto:a@r.example\nExpires: 2027-01-01T00:00:00Z\nCanonical: https://other.example/.well-known/security.txt\n",
		"bad language":    "Contact: mailto:a@r.example\nExpires: 2027-01-01T00:00:00Z\nPreferred-Languages: en;q=1\n",
		"garbage line":    "Contact: mailto:a@r.example\nExpires: 2027-01-01T00:00:00Z\nthis is not a field\n",
	} {
		if _, errs := securitytxtcheck.Check(body, at, now); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := securitytxtcheck.ContentType("text/plain"); err == nil {
		t.Error("text/plain without charset accepted")
	}
}

func TestSecurityTxtWithoutContactIs404(t *testing.T) {
	e := newEnv(t, "")
	w := e.get("/.well-known/security.txt")
	wantStatus(t, w, http.StatusNotFound)
	wantContains(t, w.Body.String(), "[security_contact]")
	// The policy page still renders, and says no contact is configured.
	p := e.browserGet("/policies/security")
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p.Body.String(), "<h1>Security policy</h1>", `class="security-contacts-none"`)
	wantNotContains(t, p.Body.String(), `class="security-contacts"`)
}

func TestSecurityPolicyPage(t *testing.T) {
	e := newEnv(t, "", withSecurityContact)
	w := e.browserGet("/policies/security")
	wantStatus(t, w, http.StatusOK)
	page := w.Body.String()
	wantContains(t, page,
		"<h1>Security policy</h1>",
		"<h2>Scope</h2>", "<h2>How to report</h2>", "<h2>What you can expect</h2>", "<h2>Safe harbour</h2>",
		"A fix within 90 days",
		`<a href="mailto:security@registry.example.com">security@registry.example.com</a>`,
		`<a href="https://registry.example.com/report">https://registry.example.com/report</a>`,
		`<a href="tel:&#43;1-201-555-0123">tel:&#43;1-201-555-0123</a>`,
		`<a href="/.well-known/security.txt">`)
	// Every page links the policy, so a researcher finds it.
	wantContains(t, e.browserGet("/").Body.String(), `<a href="/policies/security">Security policy</a>`)
	wantNotContains(t, page, "ZgotmplZ", `class="security-contacts-none"`)
}
