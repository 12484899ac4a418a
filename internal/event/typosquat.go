package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// NameAllowed: a moderator or administrator allowed a new package name
// that the typosquatting check refuses (EventNameAllowed); the event's
// package is the name.
type NameAllowed struct {
	Resembles string `event:"resembles"` // the popular name it resembled when allowed, "" if none
	Reason    string `event:"reason"`    // why, as the moderator said
}

func init() { register(NameAllowed{}, 1).by(Staff) }

func (NameAllowed) Type() string { return core.EventNameAllowed }

// At is the event of p by actor, about the package name.
func (p NameAllowed) At(at time.Time, actor, name string) *core.Event {
	return newEvent(p, at, actor, name, "")
}
