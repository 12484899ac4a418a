package trust

import (
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// CheckPublish is trusted publishing's rule on a publish that did not
// come through it: a package whose owners set "publish only through
// trusted publishing" refuses it, and a name that does not exist yet is
// refused while another user's pending publisher reserves it. The
// publish path calls it beside authorization, with exists telling
// whether the package exists.
func CheckPublish(tx store.TrustedPublishers, p authz.Principal, ref core.PackageRef, exists bool, now time.Time) error {
	if p.Publisher != nil {
		return nil // authz holds it to its one package
	}
	if exists {
		on, err := tx.TrustedOnly(ref)
		if err != nil {
			return err
		}
		if on {
			return core.Errorf(core.KindForbidden, "%s publishes only through trusted publishing: its owners turned off publishing with tokens and from the command line. Publish from its CI workflow (`npm trust list %s` names it), or ask an owner to turn the policy off on the package's settings page",
				ref.Name, ref.Name)
		}
		return nil
	}
	tps, err := tx.TrustedPublishersFor(ref)
	if err != nil {
		return err
	}
	for _, tp := range tps {
		if tp.Pending() && now.Before(tp.PendingUntil) && (p.User == nil || tp.CreatedBy != p.User.ID) {
			return core.Errorf(core.KindForbidden, "the name %s is reserved for another user's trusted publisher until %s; choose another name",
				ref.Name, tp.PendingUntil.UTC().Format("2006-01-02 15:04 MST"))
		}
	}
	return nil
}
