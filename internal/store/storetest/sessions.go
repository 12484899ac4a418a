package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// testWebSessionsOf: a user's signed-in browsers, newest first; pending
// sign-ins and other users' sessions are not listed.
func testWebSessionsOf(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	if got := read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) }); len(got) != 0 {
		t.Fatalf("WebSessionsOf with none: %d sessions", len(got))
	}
	sessions := []*core.WebSession{
		{IDHash: "old", UserID: alice.ID, CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour), MFAVerifiedAt: at(time.Minute)},
		{IDHash: "new", UserID: alice.ID, CreatedAt: at(3 * time.Minute), ExpiresAt: at(2 * time.Hour), PhishingResistant: true},
		{IDHash: "half", UserID: alice.ID, CreatedAt: at(4 * time.Minute), ExpiresAt: at(time.Hour), Pending: true},
		{IDHash: "bobs", UserID: bob.ID, CreatedAt: at(2 * time.Minute), ExpiresAt: at(time.Hour)},
	}
	write(t, s, func(tx store.Tx) error {
		for _, ws := range sessions {
			if err := tx.CreateWebSession(ws); err != nil {
				return err
			}
		}
		return nil
	})
	got := read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) })
	if len(got) != 2 || got[0].IDHash != "new" || got[1].IDHash != "old" {
		t.Fatalf("WebSessionsOf(alice) = %+v; want new, old", got)
	}
	if !got[0].PhishingResistant || !got[1].MFAVerifiedAt.Equal(at(time.Minute).Truncate(time.Millisecond)) ||
		!got[0].ExpiresAt.Equal(at(2*time.Hour).Truncate(time.Millisecond)) || got[0].UserID != alice.ID {
		t.Fatalf("WebSessionsOf fields: %+v", got)
	}
	write(t, s, func(tx store.Tx) error {
		for _, ws := range sessions {
			if err := tx.DeleteWebSession(ws.IDHash); err != nil {
				return err
			}
		}
		return nil
	})
	// The deletes were checked by nothing; a signed-out browser must not
	// stay listed on the account page.
	if got := read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) }); len(got) != 0 {
		t.Fatalf("WebSessionsOf(alice) after deleting every session = %+v, want none", got)
	}
}
