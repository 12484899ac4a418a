package core

// VersionState is where a version is in its life, and so whether it is
// served. Servable is the one rule that reads it.
type VersionState string

const (
	// StatePending is a staged release: uploaded, not yet released by a
	// maintainer. Only its maintainers see and install it, to try it
	// before releasing it (as PyPI's staged previews and npm's staged
	// publishing let them).
	StatePending VersionState = "pending"
	// StateQuarantined is held by a scan or an administrator as possibly
	// malicious: served to no one, maintainers included (their account
	// may be the one that was taken over), until it is released.
	StateQuarantined VersionState = "quarantined"
	// StateLive is published and served to whoever may read the package.
	StateLive VersionState = "live"
	// StateDeprecated is live with a deprecation message: still served,
	// and clients warn on install.
	StateDeprecated VersionState = "deprecated"
	// StateUnpublished is gone: served to no one, and its name@version is
	// never used again.
	StateUnpublished VersionState = "unpublished"
)

// State is the version's state: unpublished wins over everything, then a
// hold (pending, quarantined), then deprecation.
func (v *Version) State() VersionState {
	switch {
	case !v.UnpublishedAt.IsZero():
		return StateUnpublished
	case v.Held == StatePending || v.Held == StateQuarantined:
		return v.Held
	case v.Deprecated != "":
		return StateDeprecated
	}
	return StateLive
}

// Unpublished reports whether the whole package was unpublished (its name
// may since have been released for anyone to take).
func (p *Package) Unpublished() bool { return !p.UnpublishedAt.IsZero() }

// Viewer is who asks for a version, as far as its state matters. Whether
// the viewer may read the package at all (a restricted package) is
// authz's decision, taken before.
type Viewer int

const (
	// ViewerAnyone is anonymous, or signed in (a browser, a read token)
	// without being a maintainer of the package. Shared documents and
	// caches are built for this viewer.
	ViewerAnyone Viewer = iota
	// ViewerMaintainer is a maintainer of the package, with any
	// credential that may read it.
	ViewerMaintainer
)

// Servable is the one rule for what is served: whether version v of
// package pkg appears to viewer, in documents, dist-tags, installs,
// downloads, searches and pages. Every read path asks it; nothing else
// compares a version's or package's unpublish time.
func Servable(v *Version, pkg *Package, viewer Viewer) bool {
	if pkg != nil && pkg.Unpublished() {
		return false
	}
	switch v.State() {
	case StateLive, StateDeprecated:
		return true
	case StatePending:
		return viewer == ViewerMaintainer
	}
	return false
}

// ServableTags returns tags without those pointing at a version that
// served does not hold (the versions Servable let through): a dist-tag
// never leads a client to a version it would not be served. tags comes
// back as it is when every tag points at a served version.
func ServableTags[V any](tags map[string]string, served map[string]V) map[string]string {
	for _, v := range tags {
		if _, ok := served[v]; !ok {
			out := make(map[string]string, len(tags))
			for t, v := range tags {
				if _, ok := served[v]; ok {
					out[t] = v
				}
			}
			return out
		}
	}
	return tags
}
