package authz

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// ReadRegistry is reading anything from the registry at all: a package
// document, a tarball, a search, a package page, an audit. Under the
// anonymous read policy (the default) everyone may; under a private one
// (ReadPolicy) only who the policy names. It is asked once per request,
// in front of every read path and its caches (internal/server's read
// gate), so that no cached answer reaches a caller the policy refuses.
const ReadRegistry Action = "registry.read"

// ReadMode is who may read a registry ([access] read).
type ReadMode string

const (
	// ReadAnonymous: anyone, signed in or not (public registries).
	ReadAnonymous ReadMode = "anonymous"
	// ReadAuthenticated: every signed-in account, and tokens with the
	// read scope.
	ReadAuthenticated ReadMode = "authenticated"
	// ReadOrgMembers: members of one organisation (ReadPolicy.Org), and
	// the site's administrators.
	ReadOrgMembers ReadMode = "org"
)

// ReadPolicy is the registry's read policy, the input of ReadRegistry
// (Resource.Read) and of ReadPackage for packages of an organisation
// (Resource.OrgPrivate).
type ReadPolicy struct {
	Mode ReadMode
	// Org is the organisation whose members may read, for ReadOrgMembers.
	Org string
	// OrgPackagesPrivate makes every package in an organisation's scope
	// readable only by the organisation's members (and users it granted
	// the package), as if each were restricted.
	OrgPackagesPrivate bool
}

// ParseReadPolicy reads [access] read: "anonymous", "authenticated" or
// "org:<name>".
func ParseReadPolicy(s string) (ReadPolicy, error) {
	switch s {
	case "", string(ReadAnonymous):
		return ReadPolicy{Mode: ReadAnonymous}, nil
	case string(ReadAuthenticated):
		return ReadPolicy{Mode: ReadAuthenticated}, nil
	}
	if name, ok := strings.CutPrefix(s, "org:"); ok && name != "" && !strings.ContainsAny(name, "@/ ") {
		return ReadPolicy{Mode: ReadOrgMembers, Org: name}, nil
	}
	return ReadPolicy{}, fmt.Errorf("%q: want \"anonymous\", \"authenticated\" or \"org:<organisation name>\"", s)
}

// Private reports whether reading needs a signed-in caller.
func (rp ReadPolicy) Private() bool {
	return rp.Mode != "" && rp.Mode != ReadAnonymous
}

// readRegistry decides ReadRegistry: r.Read is the policy; for
// ReadOrgMembers, r.Org holds the facts of the policy's organisation (nil
// if it does not exist, which lets only administrators in). r.Write marks
// a request that is not a read (a publish), which a trusted publisher's
// token may make; it reads nothing else.
func readRegistry(p Principal, r Resource) error {
	if !r.Read.Private() {
		return nil
	}
	if p.Publisher != nil {
		if r.Write {
			return nil // publisherMay decides the write itself
		}
		return core.Errorf(core.KindForbidden, "a trusted publisher's token may only publish its package on this private registry")
	}
	if p.User == nil {
		return core.Errorf(core.KindUnauthenticated, "this registry is private: log in first (run `npm login`, or sign in at %s)", p.loginPage())
	}
	if err := standing(p); err != nil {
		return err
	}
	if t := p.Token; t != nil && t.Kind == core.TokenAPI && !slices.Contains(t.Actions, core.TokenRead) {
		return core.Errorf(core.KindForbidden, "this token (%s, %q) has no read access, and this registry is private; create one that can read (npm token create --read-only, or a token with read access at %s)", t.Mask, t.Name, p.accountPage("tokens"))
	}
	if r.Read.Mode == ReadOrgMembers && !p.User.Admin && r.Org.role(p.User) == "" {
		return core.Errorf(core.KindForbidden, "this registry is readable only by members of the organisation %s, and you (%s) are not one; ask one of its owners to add you", r.Read.Org, p.User.Name)
	}
	return nil
}

// loginPage is the web sign-in page, for messages.
func (p Principal) loginPage() string {
	return strings.TrimSuffix(strings.TrimSuffix(p.accountPage(""), "/account"), "/") + "/login"
}
