package web

import (
	"net/http"
	"strings"

	"github.com/rampart/rampart/internal/authz"
)

// What an administrator without the required second factor is told on the
// page it is sent to (authz.AdminFactorMissing).
const (
	adminKeyNotice = "You are a registry administrator: administrators need a security key or passkey. Add one here to continue; until then this account can use nothing else on the site."
	adminMFANotice = "You are a registry administrator: administrators need two-factor authentication. Enable it here to continue; until then this account can use nothing else on the site."
)

// adminEnrolment returns the page an administrator without the required
// second factor is sent to, or "" when r may go on: p is no such
// administrator, or r is for a page needed to add a factor (either
// enrolment page: an app may come first, the step-up confirmation a
// later factor asks for),
// to sign out, to change a breached password, or to read the policies.
func adminEnrolment(r *http.Request, p authz.Principal) string {
	missing, key := authz.AdminFactorMissing(p)
	if !missing {
		return ""
	}
	to := pathMFA
	if key {
		to = pathSecurityKeys
	}
	path := r.URL.Path
	for _, enrol := range []string{pathSecurityKeys, pathMFA} {
		if path == enrol || strings.HasPrefix(path, enrol+"/") {
			return ""
		}
	}
	if path == pathConfirm || allowedWhileCompromised(path) {
		return ""
	}
	return to
}
