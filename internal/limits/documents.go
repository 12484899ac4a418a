package limits

// Bounds on what the registry keeps, and serves, per package. Each
// version's manifest is derived from the package.json in its tarball
// (at most MaxPackageJSONBytes) plus a few registry fields, so a
// document grows with the number of versions; these bound that growth.
const (
	// MaxDocumentBytes bounds a package's full packument as served, and
	// so the body of a revision update (npm sends the document back). A
	// publish that would make the document larger is refused.
	MaxDocumentBytes = 32 * MiB
)
