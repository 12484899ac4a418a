package event

import "slices"

// Class says who causes the events of a type. Every type declares it
// where it is registered, register(T{}, 1).by(Staff), and a test fails on
// a type that does not, so that a new staff action cannot be left out of
// the admin area, which lists the staff's actions by type (StaffTypes).
type Class int

const (
	// unclassified is a type registered without .by: TestEveryTypeHasAClass
	// fails on it.
	unclassified Class = iota
	// Staff: an action of the site's staff, allowed by authz.AdminUsers,
	// authz.AdminNames or authz.Moderate, or the operator's at the
	// console. The registry's own jobs may record some of the same types
	// (the scan's holds, critical packages by downloads, the scheduled
	// advisory pull); the admin area tells them apart by actor.
	Staff
	// Users: everything else: what accounts do on their own behalf and
	// on what they own or file (publish, owners, tokens, reports, orgs),
	// trusted publishers, and the registry's own jobs.
	Users
)

// by records who causes events of c's type. Declaring it twice panics.
func (c *codec) by(class Class) {
	if c.class != unclassified {
		panic("event: " + c.typ.Name() + " classified twice")
	}
	c.class = class
}

// ClassOf is who causes events of eventType; 0 (neither Staff nor Users)
// for an unknown type.
func ClassOf(eventType string) Class {
	if c, ok := codecs[eventType]; ok {
		return c.class
	}
	return unclassified
}

// StaffTypes lists the event types of staff actions (Class Staff),
// sorted: the admin area's list of actions reads these.
func StaffTypes() []string {
	var out []string
	for t, c := range codecs {
		if c.class == Staff {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
