package storetest

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// RunWebSessions runs the cases of store.WebSessions: signed-in browsers
// and pending sign-ins.
func RunWebSessions(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"RoundTrip", testWebSessions},
		{"DeleteByUser", testWebSessionsByUser},
		{"ListByUser", testWebSessionsOf},
		{"MFAAndPending", testWebSessionsMFA},
		{"SignedInAt", testWebSessionSignedIn},
	})
}

func checkSession(t *testing.T, s store.Store, want *core.WebSession) {
	t.Helper()
	got := read(t, s, func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(want.IDHash) })
	var d diffs
	d.eq("IDHash", got.IDHash, want.IDHash)
	d.eq("UserID", got.UserID, want.UserID)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.time("MFAVerifiedAt", got.MFAVerifiedAt, want.MFAVerifiedAt)
	d.eq("Pending", got.Pending, want.Pending)
	d.eq("PhishingResistant", got.PhishingResistant, want.PhishingResistant)
	d.check(t, "WebSession("+want.IDHash+")")
}

func testWebSessions(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	wantNotFound(t, s, "WebSession(unknown)", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("sess-1") })

	s1 := &core.WebSession{IDHash: "sess-1", UserID: alice.ID, CreatedAt: at(time.Minute), ExpiresAt: at(24 * time.Hour)}
	s2 := &core.WebSession{IDHash: "sess-2", UserID: bob.ID, CreatedAt: at(2 * time.Minute), ExpiresAt: at(48 * time.Hour)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(s1); err != nil {
			return err
		}
		return tx.CreateWebSession(s2)
	})
	checkSession(t, s, s1)
	checkSession(t, s, s2)

	dup := &core.WebSession{IDHash: "sess-1", UserID: bob.ID, CreatedAt: at(time.Hour), ExpiresAt: at(2 * time.Hour)}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWebSession(dup) })
	wantErr(t, err, core.ErrConflict, "CreateWebSession with a taken hash")
	checkSession(t, s, s1)

	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSession("sess-1") })
	wantNotFound(t, s, "WebSession after DeleteWebSession", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("sess-1") })
	checkSession(t, s, s2)
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSession("sess-2") })
	wantNotFound(t, s, "WebSession after DeleteWebSession", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("sess-2") })
}

func testWebSessionsByUser(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	sessions := []*core.WebSession{
		{IDHash: "a-1", UserID: alice.ID, CreatedAt: at(time.Minute), ExpiresAt: at(time.Hour)},
		{IDHash: "a-2", UserID: alice.ID, CreatedAt: at(2 * time.Minute), ExpiresAt: at(time.Hour)},
		{IDHash: "b-1", UserID: bob.ID, CreatedAt: at(3 * time.Minute), ExpiresAt: at(time.Hour)},
	}
	write(t, s, func(tx store.Tx) error {
		for _, ws := range sessions {
			if err := tx.CreateWebSession(ws); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
	wantNotFound(t, s, "WebSession(a-1) after DeleteWebSessionsByUser", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("a-1") })
	wantNotFound(t, s, "WebSession(a-2) after DeleteWebSessionsByUser", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("a-2") })
	checkSession(t, s, sessions[2])
	// Nothing to delete is not an error.
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
}

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

func testWebSessionsMFA(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	pending := &core.WebSession{IDHash: "sess-p", UserID: alice.ID, CreatedAt: t0, ExpiresAt: at(5 * time.Minute), Pending: true}
	full := &core.WebSession{IDHash: "sess-f", UserID: alice.ID, CreatedAt: t0, ExpiresAt: at(time.Hour), MFAVerifiedAt: t0}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(pending); err != nil {
			return err
		}
		return tx.CreateWebSession(full)
	})
	checkSession(t, s, pending)
	checkSession(t, s, full)

	write(t, s, func(tx store.Tx) error { return tx.SetWebSessionMFA("sess-f", at(time.Minute), true) })
	full.MFAVerifiedAt, full.PhishingResistant = at(time.Minute), true
	checkSession(t, s, full)
	// A code from an app since: the session no longer counts as having
	// passed a key.
	write(t, s, func(tx store.Tx) error { return tx.SetWebSessionMFA("sess-f", at(2*time.Minute), false) })
	full.MFAVerifiedAt, full.PhishingResistant = at(2*time.Minute), false
	checkSession(t, s, full)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.SetWebSessionMFA("sess-unknown", t0, false) })
	wantErr(t, err, core.ErrNotFound, "SetWebSessionMFA of an unknown session")
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
	// Ending every session ends a half-signed-in one too (a password
	// change must not leave a session waiting for its second factor).
	for _, hash := range []string{pending.IDHash, full.IDHash} {
		wantNotFound(t, s, "WebSession("+hash+") after DeleteWebSessionsByUser", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(hash) })
	}
}

// testWebSessionSignedIn: SignedInAt is stored as given and read back by
// WebSession and WebSessionsOf; left zero it is the creation time.
func testWebSessionSignedIn(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	reissued := &core.WebSession{IDHash: "reissued", UserID: alice.ID, CreatedAt: at(time.Hour), ExpiresAt: at(13 * time.Hour), SignedInAt: at(time.Minute)}
	fresh := &core.WebSession{IDHash: "fresh", UserID: alice.ID, CreatedAt: at(2 * time.Hour), ExpiresAt: at(14 * time.Hour)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(reissued); err != nil {
			return err
		}
		return tx.CreateWebSession(fresh)
	})
	for _, c := range []struct {
		hash string
		want time.Time
	}{{"reissued", at(time.Minute)}, {"fresh", at(2 * time.Hour)}} {
		got := read(t, s, func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(c.hash) })
		if !sameTime(got.SignedInAt, c.want) {
			t.Errorf("WebSession(%s).SignedInAt = %v, want %v", c.hash, got.SignedInAt, c.want)
		}
	}
	list := read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) })
	if len(list) != 2 || list[0].IDHash != "fresh" || !sameTime(list[0].SignedInAt, at(2*time.Hour)) || !sameTime(list[1].SignedInAt, at(time.Minute)) {
		t.Fatalf("WebSessionsOf = %+v; want fresh signed in at +2h, reissued at +1m", list)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
}
