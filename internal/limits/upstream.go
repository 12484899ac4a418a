package limits

// Bounds of the upstream proxy (internal/upstream, docs/upstream.md):
// anyone may ask for any name, and each name not cached costs a request
// to the upstream, so what the proxy remembers about names and clients
// is bounded, and what it reads from the upstream too.
const (
	// MaxUpstreamNegativeNames bounds the names remembered as missing
	// upstream (the negative cache); past it the oldest are forgotten.
	MaxUpstreamNegativeNames = 100_000
	// MaxUpstreamClients bounds the client addresses whose upstream
	// fetches are counted at once; past it the idlest are forgotten
	// (an address forgotten starts with a full allowance, so the bound
	// is on memory, not on the rate: a flood from that many addresses is
	// the per-source connection cap's and the fetch slots' to stop).
	MaxUpstreamClients = 50_000
	// MaxUpstreamKeysBytes bounds an upstream's key list as read.
	MaxUpstreamKeysBytes = 256 << 10
	// MaxUpstreamKeys bounds the keys taken from one upstream's list.
	MaxUpstreamKeys = 64
	// MaxUpstreamSignatures bounds the signatures of one proxied version
	// that are checked.
	MaxUpstreamSignatures = 8
	// MaxUpstreamAttestationBytes bounds a proxied version's attestations
	// document as read (npm's: two Sigstore bundles of a few KiB each).
	MaxUpstreamAttestationBytes = 1 << 20
	// MaxUpstreamAttestations bounds the attestations of one document
	// looked at for the build provenance.
	MaxUpstreamAttestations = 8
	// MaxUpstreamProvenanceLookback bounds the earlier versions whose
	// provenance is fetched to check a version's continuity, when none
	// of them was checked before.
	MaxUpstreamProvenanceLookback = 3
	// MaxUpstreamProvenancePassed bounds the proxied versions remembered
	// as having passed the provenance check; past it the memory is
	// cleared and each is checked again (from the store) once.
	MaxUpstreamProvenancePassed = 100_000
	// MaxProxiedPageVersions bounds the versions a proxied package's web
	// page lists (newest first); MaxProxiedPageKeywords its keywords.
	MaxProxiedPageVersions = 200
	MaxProxiedPageKeywords = 20
)
