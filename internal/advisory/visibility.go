package advisory

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
)

// Readable is the registry's read decision on a package, as for its
// document (registry.ReadableBy); found is false when the registry has
// no such package (an advisory about a package held elsewhere is public
// knowledge).
type Readable func(ctx context.Context, p authz.Principal, name string) (readable, found bool, err error)

// Visibility is the one rule for who sees an advisory, shared by every
// place that answers them (the OSV API, npm audit, the advisory pages):
// an advisory that names a package of this registry the caller may not
// read is hidden from them, as if it did not exist. One Visibility serves
// one caller's request and remembers each package's answer; with a nil
// Readable it hides nothing (a registry without private packages).
type Visibility struct {
	p        authz.Principal
	readable Readable
	hidden   map[string]bool // npm name -> hidden
}

// VisibilityFor is the rule for caller p.
func VisibilityFor(p authz.Principal, readable Readable) *Visibility {
	return &Visibility{p: p, readable: readable, hidden: map[string]bool{}}
}

// Hides reports whether any of refs is a package of this registry the
// caller may not read.
func (v *Visibility) Hides(ctx context.Context, refs ...core.PackageRef) (bool, error) {
	for _, ref := range refs {
		if v.readable == nil || ref.Ecosystem != core.EcosystemNPM {
			continue
		}
		h, ok := v.hidden[ref.Name]
		if !ok {
			readable, found, err := v.readable(ctx, v.p, ref.Name)
			if err != nil {
				return false, err
			}
			h = found && !readable
			v.hidden[ref.Name] = h
		}
		if h {
			return true, nil
		}
	}
	return false, nil
}

// Sees reports whether the caller may see rec: every package of this
// registry it names is one they may read.
func (v *Visibility) Sees(ctx context.Context, rec Record) (bool, error) {
	for i := range rec.Affected {
		a := &rec.Affected[i].Package
		h, err := v.Hides(ctx, core.PackageRef{Ecosystem: Ecosystem(a.Ecosystem), Name: a.Name})
		if err != nil || h {
			return false, err
		}
	}
	return true, nil
}
