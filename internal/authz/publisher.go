package authz

import (
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// Publisher is the subject of a principal that came from a trusted
// publisher's token exchange (AUTHZ-3a): a CI workflow, identified by its
// OIDC ID token, acting for one package. Such a principal may publish
// that package (and create it, if its configuration was pending) and
// nothing else, with no one-time password: CI has no one to type it, and
// the ID token it exchanged is the proof a code would be.
type Publisher struct {
	ID      int64           // the configuration
	Issuer  string          // its issuer's name ("github", ...)
	Subject string          // the ID token's sub
	Package core.PackageRef // the one package it may publish
	Pending bool            // the configuration was pending: it may create the package
}

// ManageTrust is configuring a package's trusted publishers and its
// "publish only through trusted publishing" policy: for owners, with a
// fresh second factor, as owner changes.
const ManageTrust Action = "package.trust"

// ReasonTrustedOnly refuses what a trusted publisher's token may not do.
const ReasonTrustedOnly Reason = "trusted_publisher_only"

// publisherMay is Authorize for a principal with a Publisher.
func publisherMay(p Principal, a Action, r Resource) error {
	pub := p.Publisher
	if p.User != nil {
		if err := standing(p); err != nil {
			return err
		}
	}
	same := r.Package == pub.Package
	switch {
	case a == ReadPackage && (!r.private() || same):
		return nil
	case a == PublishVersion && same:
		return nil
	case a == StagePublish && same:
		// npm stage publish from CI: weaker than a publish, since a
		// maintainer must still approve it with a second factor.
		return nil
	case a == CreatePackage && same && pub.Pending:
		return nil
	case a == CreatePackage && same:
		return core.Errorf(core.KindForbidden, "%s does not exist; its trusted publisher was configured for an existing package. Register a pending trusted publisher for the name, or publish its first version yourself", r.Package.Name)
	}
	return refuse(core.KindForbidden, ReasonTrustedOnly, r.Package, func(Hints) string {
		what := "publish " + pub.Package.Name
		if a == ReadPackage {
			return fmt.Sprintf("package %s was not found or you do not have permission to read it", r.Package.Name)
		}
		return fmt.Sprintf("this token came from trusted publishing (%s, %s) and may only %s; it cannot %s. Use a maintainer's own credentials for that",
			pub.Issuer, pub.Subject, what, describeAction(a, r))
	})
}

// describeAction words an action for a refusal.
func describeAction(a Action, r Resource) string {
	name := r.Package.Name
	switch a {
	case PublishVersion, CreatePackage:
		return "publish " + name
	case Unpublish:
		return "unpublish"
	case Deprecate:
		return "deprecate"
	case SetDistTags:
		return "change dist-tags"
	case ChangeOwners:
		return "change owners"
	case ChangeAccess:
		return "change access"
	case ManageTrust:
		return "change trusted publishers"
	}
	return "do that (" + string(a) + ")"
}
