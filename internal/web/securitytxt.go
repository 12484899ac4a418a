package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
)

// PathSecurityTxt is where RFC 9116 puts a site's security contact.
const PathSecurityTxt = "/.well-known/security.txt"

// SecurityPolicyPath is the security policy page for every client
// (docs/policies/security.md, with the configured contacts); security.txt's
// Policy field points at it.
const SecurityPolicyPath = pathPoliciesA + "security"

// SecurityTxt serves /.well-known/security.txt (RFC 9116) from the
// configured contact: Contact lines in the configured order, one Expires
// in UTC, Encryption and Acknowledgments when set, Preferred-Languages,
// Canonical (this file's public URL) and Policy (the security policy
// page). With no contact configured it answers 404 (the start-up log says
// so: config.SecurityContact.Warnings). The configuration is validated at
// load (no control characters, so no value can add a line), and the body
// is built once.
func SecurityTxt(sc config.SecurityContact, publicURL string) http.Handler {
	if !sc.Configured() {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("This registry's operator has not configured a security contact ([security_contact] in the configuration).\n"))
		})
	}
	body := []byte(SecurityTxtBody(sc, publicURL))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}

// SecurityTxtBody is the text of security.txt for sc on the registry at
// publicURL (which ends in "/").
func SecurityTxtBody(sc config.SecurityContact, publicURL string) string {
	base := strings.TrimSuffix(publicURL, "/")
	var b strings.Builder
	line := func(field, value string) {
		b.WriteString(field + ": " + value + "\n")
	}
	b.WriteString("# How to report a security vulnerability in this registry (RFC 9116).\n")
	b.WriteString("# The policy, with its safe harbour, is at the Policy URL below.\n")
	for _, c := range sc.Contact {
		line("Contact", c)
	}
	line("Expires", sc.ExpiresAt().UTC().Format(time.RFC3339))
	if sc.Encryption != "" {
		line("Encryption", sc.Encryption)
	}
	if sc.Acknowledgments != "" {
		line("Acknowledgments", sc.Acknowledgments)
	}
	line("Preferred-Languages", strings.Join(sc.Languages(), ", "))
	line("Canonical", base+PathSecurityTxt)
	line("Policy", base+SecurityPolicyPath)
	return b.String()
}
