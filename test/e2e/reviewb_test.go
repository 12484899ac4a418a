package e2e

import (
	"net/http"
	"testing"
)

// TestAdminTokenDoesNotReadEmails: an administrator's npm token (from a
// plain `npm login`, no second factor) carries no administrative power
// (review item 12), so it reads other users' documents without their
// email address, as everyone else does (item 21); the administrator still
// sees its own.
func TestAdminTokenDoesNotReadEmails(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	signup(t, s, "alice", alicePW)
	createAdmin(t, s, "chief", bobPW)
	chief := login(t, s, "chief", bobPW)

	r := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:alice", chief.Token(), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET alice's document as the administrator: status %d: %s", r.Status, r.Body)
	}
	if doc := r.JSON(t); doc["name"] != "alice" || doc["email"] != nil {
		t.Fatalf("an administrator's npm token reads alice's document as %v, want her name and no email", doc)
	}
	if doc := do(t, http.MethodGet, s.URL+"-/user/org.couchdb.user:chief", chief.Token(), nil).JSON(t); doc["email"] != "chief@example.com" {
		t.Fatalf("the administrator reads its own document as %v, want its email", doc)
	}
}
