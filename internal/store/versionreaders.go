package store

import "github.com/rampart/rampart/internal/core"

// VersionReaders holds what a version's page shows that depends on who
// reads it or how the version came: how each version was published, and
// the packages that depend on a package with enough of each to decide,
// per reader, whether the reader may see it.
type VersionReaders interface {
	// RecordPublishedBy keeps how a version was published, in the
	// publish's commit transaction (beside its event). A second record
	// for the same version changes nothing: a version is published once.
	RecordPublishedBy(packageID int64, version string, pb PublishedBy) error
	// PublishedByOf is how the version was published; an error wrapping
	// core.ErrNotFound for a version published before it was recorded.
	PublishedByOf(packageID int64, version string) (*PublishedBy, error)
	// TrustedPublishes are the package's versions published through
	// trusted publishing, by version: what its page's version list says
	// instead of the account (one read for the whole list).
	TrustedPublishes(packageID int64) (map[string]PublishedBy, error)

	// OpenDependents lists, by name, the dependents of ref (as
	// DependentsOf defines them: packages of ref.Ecosystem other than
	// ref whose live "latest" version depends on ref.Name) that anyone
	// may read without a check: public ones, and when guardScoped only
	// the unscoped ones. At most limit, each named after after.
	OpenDependents(ref core.PackageRef, after string, limit int, guardScoped bool) ([]Dependent, error)
	// CountOpenDependents counts what OpenDependents lists over all pages.
	CountOpenDependents(ref core.PackageRef, guardScoped bool) (int, error)
	// GuardedDependents lists, by name, the other dependents of ref: the
	// restricted ones, and when guardScoped the scoped public ones, at
	// most limit. Each needs a reader's authorization before it is shown.
	GuardedDependents(ref core.PackageRef, limit int, guardScoped bool) ([]GuardedDependent, error)
}

// The ways a version was published (PublishedBy.Kind).
const (
	PublishedWithToken   = "token"   // an npm login session or an API token
	PublishedWithSession = "session" // a signed-in browser
	PublishedByTrusted   = "trusted" // trusted publishing: a CI's exchanged ID token
)

// PublishedBy is how a version was published. For a trusted publisher,
// Issuer is the configured issuer's name ("github", "gitlab", ...),
// Repository and Workflow what its configuration matched (a repository
// path such as acme/widget and a workflow file), Ref the git ref built
// when known, and Subject the ID token's sub claim.
type PublishedBy struct {
	Kind                                       string
	Issuer, Repository, Workflow, Ref, Subject string
}

// GuardedDependent is a dependent that a reader must be allowed to read
// before it is shown.
type GuardedDependent struct {
	Dependent
	PackageID  int64
	Restricted bool
}
