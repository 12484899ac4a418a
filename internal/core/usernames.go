package core

// UserNames are the names of us, in order: whom a notice from the event
// outbox is for (an event's Notify; addresses are looked up at delivery).
func UserNames(us []User) []string {
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.Name
	}
	return names
}
