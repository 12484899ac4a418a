package config

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// SecurityContact is whom security researchers tell about a vulnerability
// in this registry: served as /.well-known/security.txt (RFC 9116) and on
// the security policy page (/-/policies/security). With no contact, the
// file answers 404 and the start-up log says so: a security.txt naming
// nobody, or an address nobody reads, is worse than none.
type SecurityContact struct {
	// Contact lists where to report, most preferred first: "mailto:"
	// addresses, "https:" pages or forms, or "tel:" numbers.
	Contact []string `toml:"contact"`
	// Expires is when the file stops being true, an RFC 3339 date-time
	// ("2027-06-30T00:00:00Z"). Required with a contact. RFC 9116
	// recommends less than a year ahead; the server warns at start-up
	// when it is past, less than 30 days ahead, or more than a year ahead.
	Expires string `toml:"expires"`
	// PreferredLanguages are language tags (RFC 5646) of the reports the
	// team reads; "en" when empty.
	PreferredLanguages []string `toml:"preferred_languages"`
	// Encryption is an https URL of the key to encrypt reports with
	// (optional).
	Encryption string `toml:"encryption"`
	// Acknowledgments is an https URL of the page thanking reporters
	// (optional).
	Acknowledgments string `toml:"acknowledgments"`
}

// Configured reports whether a contact is set.
func (s SecurityContact) Configured() bool { return len(s.Contact) > 0 }

// ExpiresAt is Expires parsed; zero when not set or not valid.
func (s SecurityContact) ExpiresAt() time.Time {
	t, err := time.Parse(time.RFC3339, s.Expires)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Languages is PreferredLanguages, or "en" when empty.
func (s SecurityContact) Languages() []string {
	if len(s.PreferredLanguages) == 0 {
		return []string{"en"}
	}
	return s.PreferredLanguages
}

// SecurityContactSoon is how far ahead of Expires the start-up log warns.
const SecurityContactSoon = 30 * 24 * time.Hour

// Warnings says, at time now, what an operator should fix in s: no
// contact, an expiry that is past, near, or further than RFC 9116
// recommends.
func (s SecurityContact) Warnings(now time.Time) []string {
	if !s.Configured() {
		return []string{"no [security_contact] is configured: /.well-known/security.txt answers 404 and the security policy page names no contact; set security_contact.contact and security_contact.expires so that researchers can report vulnerabilities in this registry"}
	}
	exp := s.ExpiresAt()
	switch {
	case !exp.After(now):
		return []string{fmt.Sprintf("security_contact.expires (%s) is past: /.well-known/security.txt tells researchers it is stale and its contact may not be read; check the contact and set a new expires, less than a year ahead", s.Expires)}
	case exp.Sub(now) < SecurityContactSoon:
		days := int(math.Ceil(exp.Sub(now).Hours() / 24)) // a part day counts: "0 days" would read as past
		return []string{fmt.Sprintf("security_contact.expires (%s) is %d days ahead: after it, /.well-known/security.txt is stale; check the contact and set a new expires, less than a year ahead", s.Expires, days)}
	case exp.Sub(now) > 366*24*time.Hour:
		return []string{fmt.Sprintf("security_contact.expires (%s) is more than a year ahead: RFC 9116 recommends less than a year, so that a stale contact is noticed", s.Expires)}
	}
	return nil
}

var telNumber = regexp.MustCompile(`^\+?[0-9][0-9().-]*$`)

var languageTag = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

func (s SecurityContact) validate() error {
	var errs []error
	if !s.Configured() {
		if s.Expires != "" || s.Encryption != "" || s.Acknowledgments != "" || len(s.PreferredLanguages) > 0 {
			errs = append(errs, errors.New("security_contact: set contact too (a mailto: or https: URI), or remove the section"))
		}
		return errors.Join(errs...)
	}
	for i, c := range s.Contact {
		if why := contactURIProblem(c); why != "" {
			errs = append(errs, fmt.Errorf("security_contact.contact[%d] = %q: %s", i, c, why))
		}
	}
	if s.Expires == "" {
		errs = append(errs, errors.New("security_contact.expires: required with a contact (RFC 9116); an RFC 3339 date-time less than a year ahead, e.g. \"2027-06-30T00:00:00Z\""))
	} else if s.ExpiresAt().IsZero() {
		errs = append(errs, fmt.Errorf("security_contact.expires = %q: want an RFC 3339 date-time, e.g. \"2027-06-30T00:00:00Z\"", s.Expires))
	}
	for i, l := range s.PreferredLanguages {
		if !languageTag.MatchString(l) {
			errs = append(errs, fmt.Errorf("security_contact.preferred_languages[%d] = %q: want a language tag such as \"en\" or \"pt-BR\"", i, l))
		}
	}
	for name, v := range map[string]string{"encryption": s.Encryption, "acknowledgments": s.Acknowledgments} {
		if v != "" && !httpsURL(v) {
			errs = append(errs, fmt.Errorf("security_contact.%s = %q: want an absolute https URL", name, v))
		}
	}
	return errors.Join(errs...)
}

// contactURIProblem says what is wrong with a Contact value, or "". Each
// value becomes one line of security.txt, so a line break or other control
// character would let it write fields of its own.
func contactURIProblem(c string) string {
	const want = "want a mailto: address (mailto:security@example.com), an https: URL or a tel: number"
	if strings.ContainsFunc(c, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "contains a control character; " + want
	}
	u, err := url.Parse(c)
	if err != nil {
		return want
	}
	switch u.Scheme {
	case "mailto":
		if a, err := mail.ParseAddress(u.Opaque); err != nil || a.Name != "" || a.Address != u.Opaque {
			return want
		}
	case "https":
		if u.Host == "" {
			return want
		}
	case "tel":
		if !telNumber.MatchString(u.Opaque) {
			return want
		}
	default:
		return want
	}
	return ""
}

func httpsURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.Host != "" &&
		!strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
