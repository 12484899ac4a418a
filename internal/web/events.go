package web

import (
	"encoding/json"

	"github.com/rampart/rampart/internal/core"
)

// eventText says in words what an event in the account's history did, so
// that the security page reads as sentences rather than event types.
var eventText = map[string]string{
	core.EventAccountCreate:            "Account created",
	core.EventTokenCreate:              "API token created",
	core.EventTokenRevoke:              "API token revoked",
	core.EventTokenLeaked:              "API token found exposed, and revoked",
	core.EventSessionRevoke:            "A signed-in browser was signed out",
	core.EventEmailVerifySent:          "Verification link mailed",
	core.EventEmailVerified:            "Email address verified",
	core.EventPasswordResetSent:        "Password reset link mailed",
	core.EventPasswordReset:            "Password reset through a mailed link",
	core.EventPasswordChange:           "Password changed",
	core.EventPasswordCompromised:      "Password found in a data breach: a change was required",
	core.EventEmailChangeSent:          "Link mailed to confirm a new email address",
	core.EventEmailChanged:             "Email address changed",
	core.EventEmailChangeCancel:        "Change of email address cancelled",
	core.EventEmailDomainAbandoned:     "Email domain found abandoned: the address is no longer verified",
	core.EventEmailDomainRefused:       "Recovery refused: the email domain is abandoned",
	core.EventMFAAdd:                   "Second factor added",
	core.EventMFARemove:                "Second factor removed",
	core.EventRecoveryCodeUsed:         "Recovery code used",
	core.EventRecoveryCodesRegenerated: "New recovery codes generated",
	core.EventNewDevice:                "Sign-in from a new device",
	core.EventKeyCloneWarning:          "Sign-in refused: a security key looked cloned",
	core.EventMFAFailures:              "Several wrong two-factor codes: you were mailed",
	core.EventAccountRecoveryStart:     "Account recovery started by an administrator",
	core.EventAccountRecoveryCancel:    "Account recovery cancelled",
	core.EventAccountRecoveryDone:      "Account recovery completed",
	core.EventPublish:                  "Published",
	core.EventUnpublish:                "Unpublished a version of",
	core.EventUnpublishAll:             "Unpublished",
	core.EventDeprecate:                "Deprecation changed on",
	core.EventDistTagSet:               "Dist-tag set on",
	core.EventDistTagRemove:            "Dist-tag removed from",
	core.EventOwnerAdd:                 "Owner added to",
	core.EventOwnerRemove:              "Owner removed from",
	core.EventAccessChange:             "Access changed on",
}

// eventDetails are the parts of an event's data worth showing the user:
// which factor, from where. Everything else stays in the log.
type eventDetails struct {
	Method string `json:"method"`
	Name   string `json:"name"`
	IP     string `json:"ip"`
	Kind   string `json:"kind"`
}

// describeEvent is one line of the account's security history.
func describeEvent(e core.Event) string {
	text, ok := eventText[e.Type]
	if !ok {
		text = e.Type
	}
	var d eventDetails
	if json.Unmarshal(e.Data, &d) != nil {
		return text
	}
	// A typed event (internal/event) keeps the address and the key's name
	// in its personal part; this page is the person's own history. A
	// package event's personal part holds the facts of its notice (the
	// owners' address included since owner.add schema 2), which its line
	// has never shown.
	if len(e.Personal) > 0 && e.Package == "" && json.Unmarshal(e.Personal, &d) != nil {
		return text
	}
	switch {
	case d.Method == "totp":
		text += " (authenticator app)"
	case d.Method != "" && d.Name != "":
		text += " (" + d.Method + " " + d.Name + ")"
	case d.Kind != "" && e.Type == core.EventTokenCreate:
		text += " (" + d.Kind + ")"
	}
	if d.IP != "" {
		text += " from " + d.IP
	}
	return text
}
