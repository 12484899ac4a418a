package core

import "time"

// The typosquatting event type (internal/namepolicy).
const (
	// EventNameAllowed: a moderator or administrator allowed a new
	// package name that the typosquatting check would refuse.
	EventNameAllowed = "name.allowed"
)

// NameAllowance is a new package name a moderator or administrator
// allowed although it resembles a popular one.
type NameAllowance struct {
	Ref       PackageRef
	AllowedBy string // the user's name ("operator" at the console)
	Reason    string
	AllowedAt time.Time
}
