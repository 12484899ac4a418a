package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The registry-signature events (internal/signing). They name keys by
// their public id only: nothing about a key's private part is ever in
// an event.

// SigningKeyRotate: a new signing key became current (EventSigningKeyRotate).
// Retired is the key it replaced, "" on the registry's first key, with
// the time from which versions are no longer signed with it.
type SigningKeyRotate struct {
	KeyID          string    `event:"keyid"`
	Retired        string    `event:"retired"`
	RetiredExpires time.Time `event:"retired_expires"`
	// Why is "first key" (a new data folder), "rotate" (rampart admin
	// keys rotate), "key file" (the operator's [signing] key_file named
	// another key at start-up) or "key missing" (the current key's
	// private key was not found at start-up).
	Why string `event:"why"`
}

// SigningBackfill: versions published before the registry signed were
// signed with its current key, once (EventSigningBackfill).
type SigningBackfill struct {
	KeyID    string `event:"keyid"`
	Versions int    `event:"versions"`
}

func init() {
	register(SigningKeyRotate{}, 1).by(Staff)
	register(SigningBackfill{}, 1).by(Users)
}

func (SigningKeyRotate) Type() string { return core.EventSigningKeyRotate }
func (SigningBackfill) Type() string  { return core.EventSigningBackfill }

// At is the event of p, by actor.
func (p SigningKeyRotate) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}

// At is the event of p, by actor.
func (p SigningBackfill) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}
