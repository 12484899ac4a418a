package tlog

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
)

// ReadCheck says whether p may read the package name now, decided as
// its package document is (authz.ReadPackage); found is false when there
// is no such package (or it was unpublished).
type ReadCheck func(ctx context.Context, p authz.Principal, name string) (readable, found bool, err error)

// LookupFor is Lookup for a reader p: a package p may read shows all its
// leaves, sealed ones with their openings; a package that exists but p
// may not read shows nothing, exactly as a name that was never in the
// log (the caller answers both with the same not-found); a name with no
// package now (deleted) shows its plain leaves only. The log is read the
// same way whatever the answer (a hidden package's lookup is made and
// dropped), so a private package costs about what a missing one does.
func (l *Log) LookupFor(ctx context.Context, check ReadCheck, p authz.Principal, name, version string) ([]Located, uint64, error) {
	open, hide, err := decideOpen(ctx, check, p, name)
	if err != nil {
		return nil, 0, err
	}
	found, size, err := l.Lookup(ctx, name, version, open)
	if hide {
		found = nil
	}
	return found, size, err
}

// PackageEntriesFor is PackageEntries for a reader p, as LookupFor.
func (l *Log) PackageEntriesFor(ctx context.Context, check ReadCheck, p authz.Principal, name string) ([]VersionEntry, uint64, error) {
	open, hide, err := decideOpen(ctx, check, p, name)
	if err != nil {
		return nil, 0, err
	}
	es, size, err := l.PackageEntries(ctx, name, open)
	if hide {
		es = nil
	}
	return es, size, err
}

// decideOpen says whether p's lookup of name opens sealed leaves, or
// must show nothing at all. A nil check opens nothing and hides nothing
// (only plain leaves are shown).
func decideOpen(ctx context.Context, check ReadCheck, p authz.Principal, name string) (open, hide bool, err error) {
	if check == nil {
		return false, false, nil
	}
	readable, found, err := check(ctx, p, name)
	if err != nil {
		return false, false, err
	}
	return found && readable, found && !readable, nil
}
