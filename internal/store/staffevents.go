package store

import "github.com/rampart/rampart/internal/core"

// StaffEvents reads the event log by what happened rather than by who
// did it, for the administrators' list of the staff's actions: who is
// staff changes, and an action stays a staff action after its author
// leaves the staff.
type StaffEvents interface {
	// EventsOfKinds returns the events whose type is one of types or
	// whose actor is one of actors, with a sequence number below before
	// (0: no bound), newest first, at most limit. Each keeps its
	// personal part, as Events' readers do.
	EventsOfKinds(types, actors []string, before int64, limit int) ([]core.Event, error)
}
