package store

import "github.com/rampart/rampart/internal/core"

// NameAllowances are the new package names a moderator or administrator
// allowed although the typosquatting check refuses them
// (internal/namepolicy). An allowance names one exact name.
type NameAllowances interface {
	// AllowName records an allowance; an error wrapping core.ErrConflict
	// if the name is already allowed.
	AllowName(a core.NameAllowance) error
	// NameAllowance returns the allowance of ref, or an error wrapping
	// core.ErrNotFound.
	NameAllowance(ref core.PackageRef) (*core.NameAllowance, error)
	// NameAllowances lists every allowance, oldest first.
	NameAllowances() ([]core.NameAllowance, error)
}
