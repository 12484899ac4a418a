package authz_test

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// TestStageActions: staging needs no second factor; approving always
// needs a fresh one (whatever the token), and a security key or passkey
// for a critical package; strangers may do none of it.
func TestStageActions(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	mfaUser := &core.User{ID: 1, Name: "mia", EmailVerified: true}
	critical := public
	critical.Critical = true
	otpPassed := func(p authz.Principal) authz.Principal {
		p.OTP = authz.NewOTPCheck(func() error { return nil })
		_ = authz.Settle(p, func() error { return authz.Authorize(p, authz.ApproveStage, public) })
		return p
	}
	ci := apiToken([]core.TokenAction{core.TokenPublish})
	ci.MFAVerifiedAt = now.Add(-time.Hour) // an automation token made under MFA
	cases := []struct {
		name   string
		p      authz.Principal
		action authz.Action
		r      authz.Resource
		want   core.Kind
		otp    bool // the answer is "needs a one-time password"
	}{
		{"stranger stages", authz.Principal{User: stranger, Token: sessionToken(), MFA: true, Now: now}, authz.StagePublish, public, forbid, false},
		{"stranger reviews", authz.Principal{User: stranger, Token: sessionToken(), Now: now}, authz.ReviewStages, public, forbid, false},
		{"stranger approves", authz.Principal{User: stranger, Token: sessionToken(), MFA: true, Now: now}, authz.ApproveStage, public, forbid, false},
		{"stranger rejects", authz.Principal{User: stranger, Token: sessionToken(), MFA: true, Now: now}, authz.RejectStage, public, forbid, false},
		{"anonymous approves", authz.Principal{Now: now}, authz.ApproveStage, public, unauth, false},

		{"CI token stages without a code", authz.Principal{User: mfaUser, Token: ci, MFA: true, Now: now}, authz.StagePublish, public, allow, false},
		{"login token stages without a code", authz.Principal{User: mfaUser, Token: sessionToken(), MFA: true, Now: now}, authz.StagePublish, public, allow, false},
		{"read-only token cannot stage", authz.Principal{User: mfaUser, Token: apiToken([]core.TokenAction{core.TokenRead}), MFA: true, Now: now}, authz.StagePublish, public, forbid, false},
		{"unverified maintainer cannot stage", authz.Principal{User: unverified, Token: sessionToken(), Now: now}, authz.StagePublish, public, forbid, false},

		{"approve needs a code from a login token", authz.Principal{User: mfaUser, Token: sessionToken(), MFA: true, Now: now}, authz.ApproveStage, public, core.KindOTPRequired, true},
		{"approve needs a code from a CI token made under MFA", authz.Principal{User: mfaUser, Token: ci, MFA: true, Now: now}, authz.ApproveStage, public, core.KindOTPRequired, true},
		{"approve with a code", otpPassed(authz.Principal{User: mfaUser, Token: sessionToken(), MFA: true, Now: now}), authz.ApproveStage, public, allow, false},
		{"approve without any second factor", authz.Principal{User: mfaUser, Token: sessionToken(), Now: now}, authz.ApproveStage, public, forbid, false},
		{"browser approves within the step-up window", authz.Principal{User: mfaUser, MFA: true, MFAVerifiedAt: now.Add(-time.Minute), Now: now}, authz.ApproveStage, public, allow, false},
		{"browser approves after the window", authz.Principal{User: mfaUser, MFA: true, MFAVerifiedAt: now.Add(-time.Hour), Now: now}, authz.ApproveStage, public, core.KindOTPRequired, true},

		{"critical: a code alone does not approve", otpPassed(authz.Principal{User: mfaUser, Token: sessionToken(), MFA: true, Now: now}), authz.ApproveStage, critical, forbid, false},
		{"critical: a key login and a code approve", otpPassed(authz.Principal{User: mfaUser, Token: sessionToken(), MFA: true, HasKey: true, PhishingResistantAt: now.Add(-time.Hour), Now: now}), authz.ApproveStage, critical, allow, false},
		{"critical: a browser with a fresh key approves", authz.Principal{User: mfaUser, MFA: true, HasKey: true, MFAVerifiedAt: now, PhishingResistantAt: now, Now: now}, authz.ApproveStage, critical, allow, false},
		{"critical: a browser with a fresh TOTP only is sent to the key", authz.Principal{User: mfaUser, MFA: true, HasKey: true, MFAVerifiedAt: now, Now: now}, authz.ApproveStage, critical, core.KindOTPRequired, false},

		{"reject with a login token needs a code", authz.Principal{User: mfaUser, Token: sessionToken(), MFA: true, Now: now}, authz.RejectStage, public, core.KindOTPRequired, true},
		{"reject without MFA on the account", authz.Principal{User: mfaUser, Token: sessionToken(), Now: now}, authz.RejectStage, public, allow, false},
		{"policy change needs a fresh factor", authz.Principal{User: mfaUser, MFA: true, MFAVerifiedAt: now.Add(-time.Hour), Now: now}, authz.SetStagePolicy, public, core.KindOTPRequired, true},
		{"policy change in a fresh browser", authz.Principal{User: mfaUser, MFA: true, MFAVerifiedAt: now, Now: now}, authz.SetStagePolicy, public, allow, false},
		{"policy change by a publish-only token", authz.Principal{User: mfaUser, Token: ci, MFA: true, Now: now}, authz.SetStagePolicy, public, forbid, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.r
			r.Maintainers = append([]core.User{*mfaUser}, r.Maintainers...)
			err := authz.Authorize(c.p, c.action, r)
			got := allow
			if err != nil {
				got = core.KindOf(err)
			}
			if got != c.want {
				t.Fatalf("Authorize(%s) = %v (%v), want kind %v", c.action, got, err, c.want)
			}
			if authz.NeedsOTP(err) != c.otp {
				t.Errorf("NeedsOTP = %v, want %v (%v)", !c.otp, c.otp, err)
			}
		})
	}
}
