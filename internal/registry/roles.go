package registry

import "github.com/rampart/rampart/internal/store"

// The helpers that run inside a transaction take the store roles they
// use, not the whole store.Tx, so that each signature says what the
// helper reads and writes. Update and View still hand out a store.Tx,
// which has every role; closures that run a whole change
// (Service.change) take it too. The composites are named for their roles.

// packagesCritical reads a package's state: the package, its versions
// and maintainers, whether it is critical, and the org owning its scope
// (loadPackage).
type packagesCritical interface {
	store.Packages
	store.Critical
	store.Orgs
}

// packagesUsersDocuments marks a package's documents changed
// (documents.Writer) and checks the limits on their growth.
type packagesUsersDocuments interface {
	store.Packages
	store.Users
	store.Documents
	store.Signing
	store.Signatures
	store.DocumentState
}

// packagesDownloads reads what the unpublish policy weighs: dependents
// and recent downloads.
type packagesDownloads interface {
	store.Packages
	store.Downloads
}

// packagesEvents changes a package and records the event.
type packagesEvents interface {
	store.Packages
	store.Events
}

// packagesUsersEvents changes a package's maintainers, found by name,
// and records the events.
type packagesUsersEvents interface {
	store.Packages
	store.Users
	store.Events
}

// packagesDownloadsEvents unpublishes versions: the policy weighs
// dependents and downloads, and every change records an event.
type packagesDownloadsEvents interface {
	store.Packages
	store.Downloads
	store.Events
}

// packagesCriticalUsersDocState plans a revision update: the package and
// who may change it, and the stored document the client's copy is
// compared with.
type packagesCriticalUsersDocState interface {
	store.Packages
	store.Critical
	store.Users
	store.DocumentState
	store.Signing // the documents show the versions' signatures
	store.Signatures
	store.Orgs
}
