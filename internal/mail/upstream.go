package mail

// The moderators' notice of a proxied version the malware scan held
// (internal/upstream).
const (
	// KindUpstreamHold goes to the site's moderators and administrators
	// when the malware scan holds a version proxied from an upstream
	// registry: Package, Version, Reason, Upstream, Integrity and
	// ActionURL (its evidence page in the moderation area).
	KindUpstreamHold = "upstream_hold"
	// KindUpstreamRefused goes to the site's moderators and
	// administrators when the build provenance a proxied version
	// announced does not verify (it is refused for good): Package,
	// Version, Reason, Upstream, Integrity and ActionURL (the proxied
	// package's page).
	KindUpstreamRefused = "upstream_refused"
)

// UpstreamNotice holds the facts of the upstream notices.
type UpstreamNotice struct {
	// Upstream is the configured name of the upstream registry the
	// version came from; Integrity the tarball's integrity as it came.
	Upstream, Integrity string
}

func (u UpstreamNotice) clean() UpstreamNotice {
	u.Upstream = cleanText(u.Upstream, maxShortText)
	u.Integrity = cleanText(u.Integrity, maxLongText)
	return u
}

// checkUpstream reports the first field an upstream notice lacks.
func (n Notice) checkUpstream(missing func(string) error) error {
	if n.Package == "" || n.Version == "" || n.Reason == "" || n.Upstream == "" || n.Integrity == "" || n.ActionURL == "" {
		return missing("Package, Version, Reason, Upstream, Integrity and ActionURL")
	}
	return nil
}
