package identity

import (
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// reservedNames are user names self-service sign-up may not take: a user
// called "admin", "security" or "rampart" would pass for the registry's
// staff in package pages, owner lists and mail, and before the operator
// creates the first administrator anyone could take "admin". The operator
// can still create any of them with `rampart admin user create`
// (CreateUser does not look at this list). Names are compared by their
// skeleton (nameSkeleton), so "adm1n", "r00t" and "sup-port" are reserved
// too.
var reservedNames = []string{
	"abuse", "account", "accounts", "admin", "administrator", "admins", "api",
	"billing", "bot", "help", "helpdesk", "hostmaster", "info", "legal",
	"mailer-daemon", "moderator", "moderators", "mod", "noreply", "no-reply",
	"npm", "npmjs", "official", "operator", "owner", "postmaster", "privacy",
	"rampart", "registry", "root", "security", "staff", "superuser", "support",
	"sysadmin", "system", "team", "trust", "webmaster", "www",
}

// reservedSkeletons is reservedNames by skeleton.
var reservedSkeletons = func() map[string]string {
	m := make(map[string]string, len(reservedNames))
	for _, n := range reservedNames {
		m[nameSkeleton(n)] = n
	}
	return m
}()

// skeletonReplacer folds the characters of a valid user name (a-z, 0-9,
// '.', '_', '-') that read alike into one: digits that pass for letters,
// "rn" for "m", "vv" for "w", and separators dropped.
var skeletonReplacer = strings.NewReplacer(
	".", "", "_", "", "-", "",
	"rn", "m", "vv", "w",
	"0", "o", "1", "l", "i", "l", "3", "e", "4", "a", "5", "s", "7", "t", "8", "b", "9", "g",
)

// nameSkeleton is what a user name looks like to a reader: two names with
// the same skeleton are confusable. The replacer is applied until nothing
// changes, so that a fold which forms a new pair ("r-n") folds too.
func nameSkeleton(name string) string {
	s := strings.ToLower(name)
	for {
		next := skeletonReplacer.Replace(s)
		if next == s {
			return s
		}
		s = next
	}
}

// checkReservedName refuses a name that reads as one of reservedNames.
// Names are public, so the refusal says which name it clashes with.
func checkReservedName(name string) error {
	if r, ok := reservedSkeletons[nameSkeleton(name)]; ok {
		if r == name {
			return core.Errorf(core.KindForbidden, "the user name %q is reserved for this registry's staff; choose another", name)
		}
		return core.Errorf(core.KindForbidden, "the user name %q reads like %q, which is reserved for this registry's staff; choose another", name, r)
	}
	return nil
}
