package limits

// Bounds on a version's web page (internal/web/versionpages,
// docs/limits.md): what one view may resolve and show.
const (
	// MaxVersionPageTree bounds the package versions one view resolves
	// in the version's dependency tree (each is one store read) to find
	// the advisories that affect them; past it the page says the tree
	// was cut.
	MaxVersionPageTree = 300
	// MaxVersionPageDepth bounds how deep that tree is followed.
	MaxVersionPageDepth = 8
	// MaxVersionPageFiles bounds the files of the tarball one view lists;
	// the rest are counted.
	MaxVersionPageFiles = 1000
	// VersionPageDependents is the dependents one page of the list shows.
	VersionPageDependents = 50
)
