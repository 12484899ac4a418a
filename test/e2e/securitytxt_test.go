package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/clockctl"
	"github.com/rampart/rampart/internal/testserver"
	"github.com/rampart/rampart/internal/web/securitytxtcheck"
)

// fetchSecurityTxt GETs the server's security.txt as a researcher's tool
// does, and checks it against RFC 9116 at the server's time.
func fetchSecurityTxt(t *testing.T, s *testserver.Server) (securitytxtcheck.Fields, []error) {
	t.Helper()
	url := s.URL + ".well-known/security.txt"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := securitytxtcheck.ContentType(resp.Header.Get("Content-Type")); err != nil {
		t.Error(err)
	}
	return securitytxtcheck.Check(string(body), url, s.Now(t))
}

// The real binary serves a valid security.txt from its configuration, and
// its start-up log warns as the expiry nears and once it has passed (the
// server's clock moved, not waited for).
func TestSecurityTxtFromTheBinary(t *testing.T) {
	expires := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	s := testserver.Start(t, testserver.Options{
		Config: `
[security_contact]
contact = ["mailto:security@registry.example.com", "https://registry.example.com/report"]
expires = "2027-06-30T00:00:00Z"
preferred_languages = ["en", "fr"]
`,
		Env: []string{clockctl.EnvStart + "=" + expires.Add(-10*24*time.Hour).Format(time.RFC3339)},
	})
	f, errs := fetchSecurityTxt(t, s)
	for _, err := range errs {
		t.Errorf("RFC 9116: %v", err)
	}
	if got := f["policy"]; len(got) != 1 || got[0] != s.URL+"-/policies/security" {
		t.Errorf("Policy %q", got)
	}
	if !logShows(s, "security_contact.expires (2027-06-30T00:00:00Z) is 10 days ahead") {
		t.Errorf("no warning that the expiry is near in the start-up log:\n%s", s.Log())
	}
	// The Policy URL answers a plain client with the policy.
	resp, err := http.Get(f["policy"][0])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Safe harbour") || !strings.Contains(string(page), "security@registry.example.com") {
		t.Errorf("policy page: %d\n%s", resp.StatusCode, page)
	}

	s.Advance(t, 11*24*time.Hour)
	s = s.Restart(t)
	if !logShows(s, "security_contact.expires (2027-06-30T00:00:00Z) is past") {
		t.Errorf("no warning that the expiry is past in the start-up log:\n%s", s.Log())
	}
	// Still served (the operator's contact may still be read), and a
	// checker at the server's time sees it stale.
	_, errs = fetchSecurityTxt(t, s)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "is past") {
		t.Errorf("after expiry, want exactly the stale-file finding, got %v", errs)
	}
}

// With no contact configured the file is 404 and the log says why.
func TestSecurityTxtWithoutContact(t *testing.T) {
	s := testserver.Start(t, testserver.Options{})
	resp, err := http.Get(s.URL + ".well-known/security.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
	if !logShows(s, "no [security_contact] is configured") {
		t.Errorf("no start-up notice:\n%s", s.Log())
	}
}
