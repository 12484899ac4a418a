package config

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/authz"
)

// Access is who may read the registry and who may create an account
// (docs/private-registries.md).
type Access struct {
	// Read is "anonymous" (the default: a public registry),
	// "authenticated" (every read needs a signed-in account or a token
	// with read access) or "org:<name>" (only members of that
	// organisation, and site administrators).
	Read string `toml:"read"`
	// OrgPackages is "public" (the default) or "members": every package
	// in an organisation's scope is readable only by the organisation's
	// members, as if each were restricted.
	OrgPackages string `toml:"org_packages"`
	// Registration is "open" (anyone signs up), "invite" (sign-up needs
	// an invitation from an administrator: `rampart admin invite create`)
	// or "closed" (only administrators create accounts: `rampart admin
	// user create`). Empty follows allow_registration (open if true,
	// closed if false).
	Registration string `toml:"registration"`
	// PasswordLogin, when false, turns password sign-in off for everyone
	// but site administrators (their break-glass): users sign in with an
	// identity provider ([[sso]]). Default true.
	PasswordLogin *bool `toml:"password_login"`
	// InviteExpiry is how long an invitation link stays valid; default
	// 7 days.
	InviteExpiry Duration `toml:"invite_expiry"`
}

// Registration modes.
const (
	RegistrationOpen   = "open"
	RegistrationInvite = "invite"
	RegistrationClosed = "closed"
)

// ReadPolicy is Read and OrgPackages as authz reads them. Validate has
// checked both.
func (a Access) ReadPolicy() authz.ReadPolicy {
	p, _ := authz.ParseReadPolicy(a.Read)
	p.OrgPackagesPrivate = a.OrgPackages == "members"
	return p
}

// RegistrationMode is the effective registration mode: Registration, or
// what allow_registration says when it is empty.
func (c Config) RegistrationMode() string {
	if c.Access.Registration != "" {
		return c.Access.Registration
	}
	if c.AllowRegistration {
		return RegistrationOpen
	}
	return RegistrationClosed
}

// InviteLifetime is how long an invitation stays valid.
func (a Access) InviteLifetime() time.Duration {
	if a.InviteExpiry.Duration <= 0 {
		return 7 * 24 * time.Hour
	}
	return a.InviteExpiry.Duration
}

// PasswordsAdminsOnly reports whether password_login is false.
func (a Access) PasswordsAdminsOnly() bool { return a.PasswordLogin != nil && !*a.PasswordLogin }

func (a Access) validate() error {
	if _, err := authz.ParseReadPolicy(a.Read); err != nil {
		return fmt.Errorf("access.read = %w", err)
	}
	switch a.OrgPackages {
	case "", "public", "members":
	default:
		return fmt.Errorf("access.org_packages = %q: want \"public\" (the default) or \"members\"", a.OrgPackages)
	}
	switch a.Registration {
	case "", RegistrationOpen, RegistrationInvite, RegistrationClosed:
	default:
		return fmt.Errorf("access.registration = %q: want \"open\", \"invite\" or \"closed\"", a.Registration)
	}
	if d := a.InviteExpiry.Duration; d < 0 || d > 90*24*time.Hour {
		return fmt.Errorf("access.invite_expiry = %q: want up to \"2160h\" (90 days; the default is \"168h\", 7 days)", d)
	}
	return nil
}
