package limits

// The registry's per-version SBOM (internal/sbomapi, GET /-/sbom/...).
const (
	// MaxSBOMDependencies bounds the package documents one version's
	// SBOM reads to resolve its dependency tree (one per package name);
	// past it the tree is cut and the document says so.
	MaxSBOMDependencies = 500
	// MaxSBOMInputBytes bounds the dependencies' documents one SBOM
	// request parses (their abbreviated packuments, each already within
	// document_bytes); past it the tree is cut and the document says so.
	MaxSBOMInputBytes = 64 * MiB
	// MaxSBOMNodes bounds the packages one version's SBOM lists: the
	// package versions of its resolved tree and the dependencies it
	// could not resolve; past it the tree is cut and the document says
	// so (a CycloneDX property and an incomplete composition, an SPDX
	// document comment).
	MaxSBOMNodes = 1000
)
