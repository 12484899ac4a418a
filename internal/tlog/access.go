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
// package now (deleted) shows its plain leaves only.
//
// A hidden package's lookup does the store work of a name never logged,
// not its own: reading its events (up to limits.LogLookupEvents of them)
// to drop them took ten times as long as a missing name's empty read
// with 500 events (BenchmarkLogLookupHidden in internal/server), which
// told anyone timing the 404 that a private package of that name exists,
// and roughly how busy it is. So it reads the events of a name no package
// can have (absent), with the same query and the same empty answer.
func (l *Log) LookupFor(ctx context.Context, check ReadCheck, p authz.Principal, name, version string) ([]Located, uint64, error) {
	open, hide, err := decideOpen(ctx, check, p, name)
	if err != nil {
		return nil, 0, err
	}
	if hide {
		_, size, err := l.Lookup(ctx, absent(name), version, false)
		return nil, size, err
	}
	return l.Lookup(ctx, name, version, open)
}

// PackageEntriesFor is PackageEntries for a reader p, as LookupFor.
func (l *Log) PackageEntriesFor(ctx context.Context, check ReadCheck, p authz.Principal, name string) ([]VersionEntry, uint64, error) {
	open, hide, err := decideOpen(ctx, check, p, name)
	if err != nil {
		return nil, 0, err
	}
	if hide {
		_, size, err := l.PackageEntries(ctx, absent(name), false)
		return nil, size, err
	}
	return l.PackageEntries(ctx, name, open)
}

// absent is a name no package has (no ecosystem allows a NUL in a name)
// that sorts beside name: reading its events walks the same index to the
// same place as a lookup of a name never logged, and finds nothing.
func absent(name string) string { return name + "\x00" }

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
