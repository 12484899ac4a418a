package core

// The upstream proxy's defences beyond pinning (internal/upstream,
// docs/upstream.md).
const (
	// EventUpstreamSignature: a proxied version was refused because its
	// upstream registry signature did not verify with the upstream's
	// keys (missing, unknown key, expired key or a bad signature).
	EventUpstreamSignature = "upstream.signature"
	// EventUpstreamQuarantine: the malware scan held a proxied version
	// on its first download; it is neither stored nor served until a
	// moderator releases it.
	EventUpstreamQuarantine = "upstream.quarantine"
	// EventUpstreamDecide: a moderator released a held proxied version
	// (a false positive) or confirmed it malicious (a MAL- advisory).
	EventUpstreamDecide = "upstream.decide"
)
