package authz

import (
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// Staged publishing: a version can be uploaded without a second factor
// (CI has no one at a keyboard) and wait, pending, until a maintainer
// approves it with a fresh one. These are its actions; Authorize hands
// them to authorizeStage once the principal's standing and token scopes
// allowed them.
const (
	// StagePublish uploads a version of an existing package as staged.
	StagePublish Action = "package.stage"
	// ReviewStages lists, views and downloads a package's staged versions.
	ReviewStages Action = "package.stage.review"
	// ApproveStage makes a staged version live and moves its tag: the
	// proof of presence staging defers, so it always needs a fresh
	// second factor, and a security key or passkey for a critical package.
	ApproveStage Action = "package.stage.approve"
	// RejectStage discards a staged version.
	RejectStage Action = "package.stage.reject"
	// SetStagePolicy changes which publishes of a package land staged.
	SetStagePolicy Action = "package.stage.policy"
)

func init() {
	tokenAction[StagePublish] = core.TokenPublish
	tokenAction[ReviewStages] = core.TokenRead
	tokenAction[ApproveStage] = core.TokenPublish
	tokenAction[RejectStage] = core.TokenPublish
	tokenAction[SetStagePolicy] = core.TokenManage
}

// isStageAction lists the actions authorizeStage decides.
func isStageAction(a Action) bool {
	switch a {
	case StagePublish, ReviewStages, ApproveStage, RejectStage, SetStagePolicy:
		return true
	}
	return false
}

// ViaTrustedPublishing reports whether the principal's credential came
// from a trusted-publishing exchange (a CI's OIDC token), which a
// package's "ci" staging policy stages.
func (p Principal) ViaTrustedPublishing() bool { return p.Publisher != nil }

// authorizeStage decides the staged-publishing actions for a signed-in
// principal in good standing whose token (if any) allows them.
func authorizeStage(p Principal, a Action, r Resource) error {
	// In an org's scope, staging and deciding a stage is publishing (a
	// read-write grant, or a maintainer who is still a member), and the
	// policy is the package's access settings (the org's owners and
	// admins).
	as := PublishVersion
	if a == SetStagePolicy {
		as = ChangeAccess
	}
	if !mayActOnPackage(p.User, as, r) {
		return refuse(core.KindForbidden, ReasonNotMaintainer, r.Package, func(h Hints) string {
			return fmt.Sprintf("you (%s) are not a maintainer of %s; ask one of its maintainers (%s) to add you", p.User.Name, r.Package.Name, h.ListOwners(r.Package.Name))
		})
	}
	switch a {
	case ReviewStages:
		return nil
	case StagePublish:
		// No second factor: that is what staging defers to the approval.
		// What publishing asks of the account itself still holds.
		if !p.User.EmailVerified {
			return core.Errorf(core.KindForbidden, "verify your email address first: follow the link mailed to %s, or request a new one at %s", MaskEmail(p.User.Email), p.accountPage(""))
		}
		if !p.MFA && (p.Policy.RequireMFA || r.Critical) {
			return core.Errorf(core.KindForbidden, "this registry requires two-factor authentication for maintainers: enable it at %s", p.accountPage("mfa"))
		}
		return nil
	case RejectStage:
		return secondFactor(p, a)
	}
	// ApproveStage, SetStagePolicy: a fresh second factor, whatever the
	// credential; a security key or passkey for a critical package.
	if !p.MFA {
		what := "approving a staged release"
		if a == SetStagePolicy {
			what = "changing a package's staged-publishing policy"
		}
		return core.Errorf(core.KindForbidden, "%s needs a second factor, which your account does not have: enable one at %s", what, p.accountPage("mfa"))
	}
	if r.Critical && !p.InCriticalGrace(r) {
		if err := phishingResistant(p, a, r); err != nil {
			return err
		}
	}
	if p.Token == nil {
		if p.MFAVerifiedAt.IsZero() {
			return core.Errorf(core.KindOTPRequired, "%s", StepUpMessage)
		}
		if p.Recent(p.MFAVerifiedAt) {
			return nil
		}
		return needOTP(p, wordsFor(StepUpMessage))
	}
	// Every token, an automation token made under MFA too: the code is
	// the proof that someone is there.
	return needOTP(p, otpRequired)
}
