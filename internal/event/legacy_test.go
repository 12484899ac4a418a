package event

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// TestLegacyShapes decodes the untyped maps that internal/account and
// internal/registry write today (one case per shape of each call site,
// built the way they build it) into the typed payloads. It is also the
// table of the mapping: old key -> new field is the field's tag.
func TestLegacyShapes(t *testing.T) {
	now := time.Date(2026, 12, 5, 18, 4, 5, 123_456_789, time.FixedZone("X", 7200))
	ms := now.UTC().Truncate(time.Millisecond)
	revoked := []string{"k1", "k2"}
	cases := []struct {
		typ  string
		data any // what the call site marshals; nil for no Data
		want Payload
	}{
		{core.EventAccountCreate, map[string]any{"user": "al", "admin": true}, AccountCreate{User: "al", Admin: true}},
		{core.EventAccountDisable, map[string]any{"user": "al"}, AccountDisable{User: "al"}},
		// No account.enable event predates typed events either.
		{core.EventAccountEnable, map[string]any{"user": "al"}, AccountEnable{User: "al"}},
		{core.EventTokenCreate, map[string]any{"key": "K", "kind": core.TokenAPI, "name": "ci", "actions": []core.TokenAction{core.TokenRead, core.TokenPublish},
			"packages": []string(nil), "cidrs": []string{"10.0.0.0/8"}, "expires": now},
			TokenCreate{Key: "K", Kind: "api", Name: "ci", Actions: []string{"read", "publish"}, CIDRs: []string{"10.0.0.0/8"}, Expires: ms}},
		{core.EventTokenCreate, map[string]any{"key": "K", "kind": core.TokenSession, "name": "", "actions": []core.TokenAction{}, "packages": []string{}, "cidrs": nil, "expires": time.Time{}},
			TokenCreate{Key: "K", Kind: "session"}},
		{core.EventTokenRevoke, map[string]any{"key": "K", "reason": "logout"}, TokenRevoke{Key: "K", Reason: "logout"}},
		{core.EventSessionRevoke, map[string]any{"session": "abcd", "own": true}, SessionRevoke{Session: "abcd", Own: true}},
		{core.EventSessionRevoke, map[string]any{"all": true, "revoked_tokens": revoked}, SessionRevoke{All: true, RevokedTokens: revoked}},
		{core.EventEmailVerifySent, map[string]any{"user": "al", "email": "a***@x.test", "expires": now}, EmailVerifySent{User: "al", Email: "a***@x.test", Expires: ms}},
		{core.EventPasswordResetSent, map[string]any{"user": "al", "email": "a***@x.test", "expires": now}, PasswordResetSent{User: "al", Email: "a***@x.test", Expires: ms}},
		{core.EventEmailVerified, map[string]any{"user": "al", "email": "a***@x.test"}, EmailVerified{User: "al", Email: "a***@x.test"}},
		{core.EventPasswordReset, map[string]any{"user": "al", "revoked_tokens": []string{}}, PasswordReset{User: "al"}},
		{core.EventPasswordChange, map[string]any{"user": "al", "was_compromised": true, "revoked_tokens": revoked}, PasswordChange{User: "al", WasCompromised: true, RevokedTokens: revoked}},
		{core.EventPasswordCompromised, map[string]any{"user": "al", "source": "hibp"}, PasswordCompromised{User: "al", Source: "hibp"}},
		{core.EventEmailChangeSent, map[string]any{"user": "al", "email": "b***@y.test", "expires": now, "ip": "192.0.2.1"}, EmailChangeSent{User: "al", Email: "b***@y.test", Expires: ms, IP: "192.0.2.1"}},
		{core.EventEmailChanged, map[string]any{"user": "al", "old": "a***@x.test", "new": "b***@y.test"}, EmailChanged{User: "al", Old: "a***@x.test", New: "b***@y.test"}},
		{core.EventEmailChangeCancel, map[string]any{"user": "al", "email": "b***@y.test"}, EmailChangeCancel{User: "al", Email: "b***@y.test"}},
		{core.EventEmailDomainAbandoned, map[string]any{"user": "al", "email": "a***@x.test", "domain": "x.test", "reasons": []string{"no MX"}},
			EmailDomainAbandoned{User: "al", Email: "a***@x.test", Domain: "x.test", Reasons: []string{"no MX"}}},
		{core.EventEmailDomainRefused, map[string]any{"user": "al", "email": "a***@x.test", "domain": "x.test", "reasons": []string{"r"}, "flow": "password_reset"},
			EmailDomainRefused{User: "al", Email: "a***@x.test", Domain: "x.test", Reasons: []string{"r"}, Flow: "password_reset"}},
		{core.EventEmailDomainRefused, map[string]any{"user": "al", "email": "a***@x.test", "domain": "x.test", "reasons": []string(nil), "flow": "notice", "notice": "recovery"},
			EmailDomainRefused{User: "al", Email: "a***@x.test", Domain: "x.test", Flow: "notice", Notice: "recovery"}},
		{core.EventMFAAdd, map[string]any{"user": "al", "method": "totp"}, MFAAdd{User: "al", Method: "totp"}},
		{core.EventMFAAdd, map[string]any{"user": "al", "method": "passkey", "name": "phone"}, MFAAdd{User: "al", Method: "passkey", Name: "phone"}},
		{core.EventMFARemove, map[string]any{"user": "al", "method": "security key", "name": "yk"}, MFARemove{User: "al", Method: "security key", Name: "yk"}},
		{core.EventRecoveryCodeUsed, map[string]any{"user": "al", "left": 9}, RecoveryCodeUsed{User: "al", Left: 9}},
		{core.EventRecoveryCodesRegenerated, map[string]any{"user": "al", "count": 10}, RecoveryCodesRegenerated{User: "al", Count: 10}},
		{core.EventMFAFailures, map[string]any{"user": "al", "failures": 5, "ip": "2001:db8::1"}, MFAFailures{User: "al", Failures: 5, IP: "2001:db8::1"}},
		{core.EventKeyCloneWarning, map[string]any{"user": "al", "warning": "w", "name": "yk"}, KeyCloneWarning{User: "al", Warning: "w", Name: "yk"}},
		{core.EventNewDevice, map[string]any{"user": "al", "via": "web", "ip": "192.0.2.1", "user_agent": "UA"}, NewDevice{User: "al", Via: "web", IP: "192.0.2.1", UserAgent: "UA"}},
		{core.EventAccountRecoveryStart, map[string]any{"user": "al", "reason": "lost phone", "effective": now, "email": "a***@x.test", "addresses_notified": 2},
			AccountRecoveryStart{User: "al", Reason: "lost phone", Effective: ms, Email: "a***@x.test", AddressesNotified: 2}},
		{core.EventAccountRecoveryCancel, map[string]any{"user": "al", "by": "link", "started": now, "addresses_notified": 1},
			AccountRecoveryCancel{User: "al", By: "link", Started: ms, AddressesNotified: 1}},
		{core.EventAccountRecoveryDone, map[string]any{"user": "al", "removed": []string{"authenticator app (TOTP)"}, "revoked_tokens": revoked, "email": "a***@x.test", "addresses_notified": 1},
			AccountRecoveryDone{User: "al", Removed: []string{"authenticator app (TOTP)"}, RevokedTokens: revoked, Email: "a***@x.test", AddressesNotified: 1}},
		{core.EventPublish, map[string]any{"integrity": "sha512-x", "tag": "latest", "token": ""}, Publish{Integrity: "sha512-x", Tag: "latest"}},
		{core.EventUnpublish, map[string]any{"integrity": "sha512-x"}, Unpublish{Integrity: "sha512-x"}},
		{core.EventUnpublishAll, map[string]any{"versions": []string{"1.0.0", "1.0.1"}}, UnpublishAll{Versions: []string{"1.0.0", "1.0.1"}}},
		{core.EventNameRelease, nil, NameRelease{}},
		{core.EventDeprecate, map[string]any{"message": "use b"}, Deprecate{Message: "use b"}},
		{core.EventDistTagSet, map[string]any{"tag": "next"}, DistTagSet{Tag: "next"}},
		{core.EventDistTagRemove, map[string]any{"tag": "next"}, DistTagRemove{Tag: "next"}},
		{core.EventOwnerAdd, map[string]any{"user": "bo"}, OwnerAdd{User: "bo"}},
		{core.EventOwnerRemove, map[string]any{"user": "bo"}, OwnerRemove{User: "bo"}},
		{core.EventAccessChange, map[string]any{"access": "restricted"}, AccessChange{Access: "restricted"}},
		{core.EventCriticalChange, map[string]any{"designated": true}, CriticalChange{Designated: true}},
		{core.EventCriticalChange, map[string]any{"computed": []string{"a", "b"}, "became_critical": []string{"b"}, "top_percent": 0.5,
			"min_downloads": int64(1000), "window_days": 30, "key_required_from": now.UTC().Format(time.RFC3339)},
			CriticalChange{Computed: []string{"a", "b"}, BecameCritical: []string{"b"}, TopPercent: "0.5", MinDownloads: 1000, WindowDays: 30, KeyRequiredFrom: now.UTC().Truncate(time.Second)}},
		{core.EventCriticalChange, map[string]any{"computed": []string{}, "became_critical": []string{}, "top_percent": float64(1), "min_downloads": int64(1), "window_days": 30},
			CriticalChange{TopPercent: "1", MinDownloads: 1, WindowDays: 30}},
		{core.EventFileDamaged, map[string]any{"digest": "ab", "problem": "damaged", "hashes_to": "cd"}, FileDamaged{Digest: "ab", Problem: "damaged", HashesTo: "cd"}},
		{core.EventSigningKeyRotate, map[string]any{"keyid": "SHA256:new", "retired": "SHA256:old", "retired_expires": now, "why": "rotate"},
			SigningKeyRotate{KeyID: "SHA256:new", Retired: "SHA256:old", RetiredExpires: ms, Why: "rotate"}},
		{core.EventSigningBackfill, map[string]any{"keyid": "SHA256:k", "versions": 3}, SigningBackfill{KeyID: "SHA256:k", Versions: 3}},
		// The trusted-publishing types came after typed events: no call
		// site ever wrote them untyped; these are their public parts.
		{core.EventTrustAdd, map[string]any{"id": 1, "issuer": "github", "claims": []string{"repository=a/b"}, "pending": false, "pending_until": time.Time{}},
			TrustAdd{ID: 1, Issuer: "github", Claims: []string{"repository=a/b"}}},
		{core.EventTrustRemove, map[string]any{"id": 1, "issuer": "github", "claims": []string{}, "reason": "owner"}, TrustRemove{ID: 1, Issuer: "github", Reason: "owner"}},
		{core.EventTrustPolicy, map[string]any{"trusted_only": true}, TrustPolicy{TrustedOnly: true}},
		{core.EventTrustExchange, map[string]any{"id": 1, "issuer": "github", "subject": "s", "token": "K", "expires": now, "pending": true},
			TrustExchange{ID: 1, Issuer: "github", Subject: "s", Token: "K", Expires: ms, Pending: true}},
		// No token.leaked event predates typed events; the legacy form
		// still reads its keys as any type's.
		{core.EventTokenLeaked, map[string]any{"user": "alice", "key": "K", "scanner": "github"}, TokenLeaked{User: "alice", Key: "K", Scanner: "github"}},
		// Nor do the moderation events (moderation.go).
		{core.EventVersionConfirmMalicious, map[string]any{"reason": "r", "integrity": "sha512-x", "blocked": 2, "advisory": "MAL-1", "tokens_revoked": 1},
			ConfirmMalicious{Reason: "r", Integrity: "sha512-x", Blocked: 2, Advisory: "MAL-1", TokensRevoked: 1}},
		{core.EventVersionRemove, map[string]any{"reason": "r"}, VersionRemove{Reason: "r"}},
		{core.EventVersionRestore, map[string]any{"reason": "r"}, VersionRestore{Reason: "r"}},
		{core.EventRescanStart, map[string]any{"rescan": 3, "rules": 5}, RescanStart{Rescan: 3, Rules: 5}},
		// No name.allowed event predates typed events either.
		{core.EventNameAllowed, map[string]any{"resembles": "lodash", "reason": "a fork"}, NameAllowed{Resembles: "lodash", Reason: "a fork"}},
		// Staged publishing (stage.go) never wrote untyped maps: its events
		// decode from their public keys like any other.
		{core.EventStagePublish, map[string]any{"stage": "s1", "integrity": "sha512-x", "tag": "latest", "reason": "r", "expires_at": now, "token": ""},
			StagePublish{Stage: "s1", Integrity: "sha512-x", Tag: "latest", Reason: "r", ExpiresAt: ms}},
		{core.EventStageApprove, map[string]any{"stage": "s1", "integrity": "sha512-x", "tag": "latest"}, StageApprove{Stage: "s1", Integrity: "sha512-x", Tag: "latest"}},
		{core.EventStageReject, map[string]any{"stage": "s1", "integrity": "sha512-x"}, StageReject{Stage: "s1", Integrity: "sha512-x"}},
		{core.EventStageExpire, map[string]any{"stage": "s1", "integrity": "sha512-x", "staged_at": now}, StageExpire{Stage: "s1", Integrity: "sha512-x", StagedAt: ms}},
		{core.EventStagePolicy, map[string]any{"from": "none", "to": "all"}, StagePolicy{From: "none", To: "all"}},
		// The org events were born typed; an untyped map of their public
		// keys decodes all the same.
		{core.EventOrgCreate, map[string]any{"org": "acme", "owner": "al"}, OrgCreate{Org: "acme", Owner: "al"}},
		{core.EventSiteRole, map[string]any{"user": "al", "role": "moderator", "granted": true}, SiteRole{User: "al", Role: "moderator", Granted: true}},
		{core.EventOrgDelete, map[string]any{"org": "acme"}, OrgDelete{Org: "acme"}},
		{core.EventOrgMemberSet, map[string]any{"org": "acme", "user": "bo", "role": "admin", "previous": "member"}, OrgMemberSet{Org: "acme", User: "bo", Role: "admin", Previous: "member"}},
		{core.EventOrgMemberRemove, map[string]any{"org": "acme", "user": "bo", "role": "member"}, OrgMemberRemove{Org: "acme", User: "bo", Role: "member"}},
		{core.EventTeamCreate, map[string]any{"org": "acme", "team": "ops"}, TeamCreate{Org: "acme", Team: "ops"}},
		{core.EventTeamDelete, map[string]any{"org": "acme", "team": "ops"}, TeamDelete{Org: "acme", Team: "ops"}},
		{core.EventTeamMemberAdd, map[string]any{"org": "acme", "team": "ops", "user": "bo"}, TeamMemberAdd{Org: "acme", Team: "ops", User: "bo"}},
		{core.EventTeamMemberRm, map[string]any{"org": "acme", "team": "ops", "user": "bo"}, TeamMemberRemove{Org: "acme", Team: "ops", User: "bo"}},
		{core.EventTeamGrant, map[string]any{"org": "acme", "team": "ops", "permission": "read-write", "previous": ""}, TeamGrant{Org: "acme", Team: "ops", Permission: "read-write"}},
		{core.EventTeamRevoke, map[string]any{"org": "acme", "team": "ops", "permission": "read-only"}, TeamRevoke{Org: "acme", Team: "ops", Permission: "read-only"}},
		{core.EventProvenancePolicy, map[string]any{"continuity": "off", "repository": ""}, ProvenancePolicy{Continuity: "off"}},
		{core.EventProvenanceRefused, map[string]any{"expected": "https://github.com/a/b", "got": ""}, ProvenanceRefused{Expected: "https://github.com/a/b"}},
		// Quarantine events were born typed.
		{core.EventQuarantine, map[string]any{"reason": "r"}, Quarantine{Reason: "r"}},
		{core.EventQuarantineRelease, map[string]any{"reason": "r"}, QuarantineRelease{Reason: "r"}},
		// Report events were born typed.
		{core.EventReportFiled, map[string]any{"item": 2, "report": 3, "category": "spam", "new_item": true, "updated": false, "count": 1}, ReportFiled{Item: 2, Report: 3, Category: "spam", NewItem: true, Count: 1}},
		{core.EventReportReplied, map[string]any{"item": 2}, ReportReplied{Item: 2}},
		{core.EventReportClosed, map[string]any{"item": 2, "outcome": "dismissed"}, ReportClosed{Item: 2, Outcome: "dismissed"}},
		// Advisory events were born typed.
		{core.EventAdvisoryImport, map[string]any{"id": "GHSA-1", "modified": now, "withdrawn": true, "change": "updated", "source": "npm/all.zip", "packages": []string{"npm/a"}},
			AdvisoryImport{ID: "GHSA-1", Modified: ms, Withdrawn: true, Change: "updated", Source: "npm/all.zip", Packages: []string{"npm/a"}}},
		{core.EventAdvisoryMalicious, map[string]any{"id": "MAL-2026-1", "versions": []string{"1.0.1"}, "summary": "s"}, AdvisoryMalicious{ID: "MAL-2026-1", Versions: []string{"1.0.1"}, Summary: "s"}},
		// Upstream events were born typed.
		{core.EventUpstreamPin, map[string]any{"upstream": "u", "integrity": "sha512-x"}, UpstreamPin{Upstream: "u", Integrity: "sha512-x"}},
		{core.EventUpstreamMismatch, map[string]any{"upstream": "u", "pinned": "a", "offered": "b"}, UpstreamMismatch{Upstream: "u", Pinned: "a", Offered: "b"}},
		{core.EventUpstreamSignature, map[string]any{"upstream": "u", "integrity": "sha512-x", "keyid": "SHA256:k", "reason": "r"}, UpstreamSignature{Upstream: "u", Integrity: "sha512-x", KeyID: "SHA256:k", Reason: "r"}},
		{core.EventUpstreamDecide, map[string]any{"upstream": "u", "state": "released", "reason": "fp"}, UpstreamDecide{Upstream: "u", State: "released", Reason: "fp"}},
		{core.EventUpstreamQuarantine, map[string]any{"upstream": "u", "integrity": "sha512-x", "rules": []string{"r1"}}, UpstreamQuarantine{Upstream: "u", Integrity: "sha512-x", Rules: []string{"r1"}}},
		{core.EventUpstreamProvenance, map[string]any{"upstream": "u", "integrity": "sha512-x", "state": "refused", "repository": "", "reason": "r"}, UpstreamProvenance{Upstream: "u", Integrity: "sha512-x", State: "refused", Reason: "r"}},
		// Private-registry events were born typed.
		{core.EventInviteCreate, map[string]any{"invite": 1, "expires": now}, InviteCreate{Invite: 1, Expires: ms}},
		{core.EventInviteUse, map[string]any{"invite": 1, "user": "al"}, InviteUse{Invite: 1, User: "al"}},
		{core.EventSSOLink, map[string]any{"user": "al", "provider": "corp", "created": true}, SSOLink{User: "al", Provider: "corp", Created: true}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.typ] = true
		var data json.RawMessage
		if c.data != nil {
			b, err := json.Marshal(c.data)
			if err != nil {
				t.Fatal(err)
			}
			data = b
		}
		e := &core.Event{Type: c.typ, Data: data}
		got, err := Parse(e)
		if err != nil {
			t.Errorf("%s %s: %v", c.typ, data, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s:\n got %#v\nwant %#v", c.typ, data, got, c.want)
		}
		pub, err := Public(e)
		if want, _ := Encode(c.want); err != nil || string(pub) != string(want) {
			t.Errorf("%s: Public %s, %v; want %s", c.typ, pub, err, want)
		}
	}
	for _, typ := range Types() {
		if !seen[typ] {
			t.Errorf("no legacy case for %s", typ)
		}
	}
}

func TestLegacyRefusesUnknownKeys(t *testing.T) {
	_, err := Parse(&core.Event{Type: core.EventPublish, Data: json.RawMessage(`{"integrity":"x","surprise":1}`)})
	if err == nil {
		t.Fatal("a legacy key without a field was dropped silently")
	}
	_, err = Parse(&core.Event{Type: core.EventPublish, Data: json.RawMessage(`{}`), Personal: json.RawMessage(`{}`)})
	if err == nil {
		t.Fatal("a legacy event with a personal part was accepted")
	}
}
