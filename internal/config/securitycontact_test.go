package config

import (
	"strings"
	"testing"
	"time"
)

func TestSecurityContactValidation(t *testing.T) {
	ok := SecurityContact{Contact: []string{"mailto:security@example.com", "https://example.com/report", "tel:+1-201-555-0123"}, Expires: "2027-06-30T00:00:00Z", PreferredLanguages: []string{"en", "pt-BR"}}
	if err := ok.validate(); err != nil {
		t.Fatalf("valid contact refused: %v", err)
	}
	if err := (SecurityContact{}).validate(); err != nil {
		t.Fatalf("no contact is allowed (security.txt then answers 404): %v", err)
	}
	for _, tc := range []struct {
		name string
		sc   SecurityContact
		want string
	}{
		{"no expires", SecurityContact{Contact: []string{"mailto:a@example.com"}}, "security_contact.expires: required"},
		{"bad expires", SecurityContact{Contact: []string{"mailto:a@example.com"}, Expires: "2027-06-30"}, "RFC 3339"},
		{"http contact", SecurityContact{Contact: []string{"http://example.com/report"}, Expires: "2027-06-30T00:00:00Z"}, "contact[0]"},
		{"bare address", SecurityContact{Contact: []string{"security@example.com"}, Expires: "2027-06-30T00:00:00Z"}, "want a mailto:"},
		{"mailto with a name", SecurityContact{Contact: []string{"mailto:Sec <a@example.com>"}, Expires: "2027-06-30T00:00:00Z"}, "contact[0]"},
		// A line break would let a value write fields of its own.
		{"injected field", SecurityContact{Contact: []string{"https://example.com/\nContact: mailto:evil@example.net"}, Expires: "2027-06-30T00:00:00Z"}, "control character"},
		{"bad language", SecurityContact{Contact: []string{"mailto:a@example.com"}, Expires: "2027-06-30T00:00:00Z", PreferredLanguages: []string{"en, de"}}, "preferred_languages[0]"},
		{"http encryption", SecurityContact{Contact: []string{"mailto:a@example.com"}, Expires: "2027-06-30T00:00:00Z", Encryption: "http://example.com/key"}, "security_contact.encryption"},
		{"expires without contact", SecurityContact{Expires: "2027-06-30T00:00:00Z"}, "set contact too"},
	} {
		err := tc.sc.validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	// Through Validate, as a configuration file gets it.
	c := Default()
	c.SecurityContact = SecurityContact{Contact: []string{"ftp://example.com"}, Expires: "2027-06-30T00:00:00Z"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "security_contact.contact[0]") {
		t.Errorf("Validate: got %v", err)
	}
}

func TestSecurityContactWarnings(t *testing.T) {
	sc := SecurityContact{Contact: []string{"mailto:a@example.com"}, Expires: "2027-06-30T00:00:00Z"}
	exp := sc.ExpiresAt()
	for _, tc := range []struct {
		name string
		now  time.Time
		want string // "" for no warning
	}{
		{"well ahead", exp.Add(-180 * 24 * time.Hour), ""},
		{"soon", exp.Add(-10 * 24 * time.Hour), "is 10 days ahead"},
		{"at expiry", exp, "is past"},
		{"past", exp.Add(time.Hour), "is past"},
		{"too far", exp.Add(-400 * 24 * time.Hour), "more than a year ahead"},
	} {
		w := sc.Warnings(tc.now)
		switch {
		case tc.want == "" && len(w) != 0:
			t.Errorf("%s: unexpected warning %q", tc.name, w)
		case tc.want != "" && (len(w) != 1 || !strings.Contains(w[0], tc.want)):
			t.Errorf("%s: got %q, want one warning containing %q", tc.name, w, tc.want)
		}
	}
	if w := (SecurityContact{}).Warnings(exp); len(w) != 1 || !strings.Contains(w[0], "answers 404") {
		t.Errorf("no contact: got %q", w)
	}
}
