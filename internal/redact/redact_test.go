package redact_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authn"
	"github.com/rampart/rampart/internal/identity"
	"github.com/rampart/rampart/internal/redact"
)

const secret = "s3cr3tVALUEabcdefgh"

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		// The secrets, wherever they are.
		"/" + authn.PathCLILogin + secret:                      "/login/cli/REDACTED",
		"/" + authn.PathCLILogin + secret + "?purpose=otp":     "/login/cli/REDACTED?purpose=otp",
		"/" + authn.PathCLIDone + secret:                       "/-/v1/done/REDACTED",
		"/-/user/token/" + secret:                              "/-/user/token/REDACTED",
		"/-/user/token/" + secret + "/more":                    "/-/user/token/REDACTED",
		"/npm/login/cli/" + secret:                             "/npm/login/cli/REDACTED",
		"/" + identity.PathVerifyEmail + "?token=" + secret:    "/verify-email?token=REDACTED",
		"/" + identity.PathResetPassword + "?token=" + secret:  "/reset-password?token=REDACTED",
		"/" + identity.PathConfirmEmail + "?token=" + secret:   "/confirm-email?token=REDACTED",
		"/" + identity.PathCancelRecovery + "?token=" + secret: "/account/recovery/cancel?token=REDACTED",
		"/x?a=1&TOKEN=" + secret + "&b=2":                      "/x?a=1&TOKEN=REDACTED&b=2",
		"/x?to%6Ben=" + secret:                                 "/x?to%6Ben=REDACTED",
		"/x?%zz=" + secret:                                     "/x?REDACTED",
		"/x?token=%zz" + secret:                                "/x?token=REDACTED",
		"/login?next=%2Flogin%2Fcli%2F" + secret:               "/login?next=%2Flogin%2Fcli%2FREDACTED",
		"/login?next=/reset-password%3Ftoken%3D" + secret:      "/login?next=%2Freset-password%3Ftoken%3DREDACTED",
		// Everything else as it was.
		"/":                                 "/",
		"/-/v1/login":                       "/-/v1/login",
		"/login":                            "/login",
		"/login/cli":                        "/login/cli",
		"/@scope/pkg":                       "/@scope/pkg",
		"/left-pad/-/left-pad-1.0.0.tgz":    "/left-pad/-/left-pad-1.0.0.tgz",
		"/-/v1/search?text=a+b&size=20":     "/-/v1/search?text=a+b&size=20",
		"/search?q=100%25":                  "/search?q=100%25",
		"/login?next=%2Fpackage%2Fleft-pad": "/login?next=%2Fpackage%2Fleft-pad",
		"/account?changed=1&flag":           "/account?changed=1&flag",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		got := redact.URL(u)
		if got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, secret) {
			t.Errorf("URL(%q) = %q keeps the secret", in, got)
		}
	}
}
