package limits

// The registry's per-version SBOM (internal/sbomapi, GET /-/sbom/...).
const (
	// MaxSBOMDependencies bounds the declared dependencies one version's
	// SBOM resolves against the registry, one document read each; the
	// rest are listed with their range, unresolved.
	MaxSBOMDependencies = 500
	// MaxSBOMInputBytes bounds the dependencies' documents one SBOM
	// request parses (their abbreviated packuments, each already within
	// document_bytes); past it, the remaining dependencies are listed
	// unresolved.
	MaxSBOMInputBytes = 64 * MiB
)
