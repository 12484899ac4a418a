package accounts

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
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
	got := suite.Read(t, s, func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(want.IDHash) })
	var d suite.Diffs
	d.Eq("IDHash", got.IDHash, want.IDHash)
	d.Eq("UserID", got.UserID, want.UserID)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.Time("MFAVerifiedAt", got.MFAVerifiedAt, want.MFAVerifiedAt)
	d.Eq("Pending", got.Pending, want.Pending)
	d.Eq("PhishingResistant", got.PhishingResistant, want.PhishingResistant)
	d.Check(t, "WebSession("+want.IDHash+")")
}

func testWebSessions(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	suite.WantNotFound(t, s, "WebSession(unknown)", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("sess-1") })

	s1 := &core.WebSession{IDHash: "sess-1", UserID: alice.ID, CreatedAt: suite.At(time.Minute), ExpiresAt: suite.At(24 * time.Hour)}
	s2 := &core.WebSession{IDHash: "sess-2", UserID: bob.ID, CreatedAt: suite.At(2 * time.Minute), ExpiresAt: suite.At(48 * time.Hour)}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(s1); err != nil {
			return err
		}
		return tx.CreateWebSession(s2)
	})
	checkSession(t, s, s1)
	checkSession(t, s, s2)

	dup := &core.WebSession{IDHash: "sess-1", UserID: bob.ID, CreatedAt: suite.At(time.Hour), ExpiresAt: suite.At(2 * time.Hour)}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateWebSession(dup) })
	suite.WantErr(t, err, core.ErrConflict, "CreateWebSession with a taken hash")
	checkSession(t, s, s1)

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebSession("sess-1") })
	suite.WantNotFound(t, s, "WebSession after DeleteWebSession", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("sess-1") })
	checkSession(t, s, s2)
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebSession("sess-2") })
	suite.WantNotFound(t, s, "WebSession after DeleteWebSession", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("sess-2") })
}

func testWebSessionsByUser(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	sessions := []*core.WebSession{
		{IDHash: "a-1", UserID: alice.ID, CreatedAt: suite.At(time.Minute), ExpiresAt: suite.At(time.Hour)},
		{IDHash: "a-2", UserID: alice.ID, CreatedAt: suite.At(2 * time.Minute), ExpiresAt: suite.At(time.Hour)},
		{IDHash: "b-1", UserID: bob.ID, CreatedAt: suite.At(3 * time.Minute), ExpiresAt: suite.At(time.Hour)},
	}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, ws := range sessions {
			if err := tx.CreateWebSession(ws); err != nil {
				return err
			}
		}
		return nil
	})
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
	suite.WantNotFound(t, s, "WebSession(a-1) after DeleteWebSessionsByUser", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("a-1") })
	suite.WantNotFound(t, s, "WebSession(a-2) after DeleteWebSessionsByUser", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("a-2") })
	checkSession(t, s, sessions[2])
	// Nothing to delete is not an error.
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
}

// testWebSessionsOf: a user's signed-in browsers, newest first; pending
// sign-ins and other users' sessions are not listed.
func testWebSessionsOf(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	if got := suite.Read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) }); len(got) != 0 {
		t.Fatalf("WebSessionsOf with none: %d sessions", len(got))
	}
	sessions := []*core.WebSession{
		{IDHash: "old", UserID: alice.ID, CreatedAt: suite.At(time.Minute), ExpiresAt: suite.At(time.Hour), MFAVerifiedAt: suite.At(time.Minute)},
		{IDHash: "new", UserID: alice.ID, CreatedAt: suite.At(3 * time.Minute), ExpiresAt: suite.At(2 * time.Hour), PhishingResistant: true},
		{IDHash: "half", UserID: alice.ID, CreatedAt: suite.At(4 * time.Minute), ExpiresAt: suite.At(time.Hour), Pending: true},
		{IDHash: "bobs", UserID: bob.ID, CreatedAt: suite.At(2 * time.Minute), ExpiresAt: suite.At(time.Hour)},
	}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, ws := range sessions {
			if err := tx.CreateWebSession(ws); err != nil {
				return err
			}
		}
		return nil
	})
	got := suite.Read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) })
	if len(got) != 2 || got[0].IDHash != "new" || got[1].IDHash != "old" {
		t.Fatalf("WebSessionsOf(alice) = %+v; want new, old", got)
	}
	if !got[0].PhishingResistant || !got[1].MFAVerifiedAt.Equal(suite.At(time.Minute).Truncate(time.Millisecond)) ||
		!got[0].ExpiresAt.Equal(suite.At(2*time.Hour).Truncate(time.Millisecond)) || got[0].UserID != alice.ID {
		t.Fatalf("WebSessionsOf fields: %+v", got)
	}
	suite.Write(t, s, func(tx store.Tx) error {
		for _, ws := range sessions {
			if err := tx.DeleteWebSession(ws.IDHash); err != nil {
				return err
			}
		}
		return nil
	})
	// The deletes were checked by nothing; a signed-out browser must not
	// stay listed on the account page.
	if got := suite.Read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) }); len(got) != 0 {
		t.Fatalf("WebSessionsOf(alice) after deleting every session = %+v, want none", got)
	}
}

func testWebSessionsMFA(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	pending := &core.WebSession{IDHash: "sess-p", UserID: alice.ID, CreatedAt: suite.T0, ExpiresAt: suite.At(5 * time.Minute), Pending: true}
	full := &core.WebSession{IDHash: "sess-f", UserID: alice.ID, CreatedAt: suite.T0, ExpiresAt: suite.At(time.Hour), MFAVerifiedAt: suite.T0}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(pending); err != nil {
			return err
		}
		return tx.CreateWebSession(full)
	})
	checkSession(t, s, pending)
	checkSession(t, s, full)

	suite.Write(t, s, func(tx store.Tx) error { return tx.SetWebSessionMFA("sess-f", suite.At(time.Minute), true) })
	full.MFAVerifiedAt, full.PhishingResistant = suite.At(time.Minute), true
	checkSession(t, s, full)
	// A code from an app since: the session no longer counts as having
	// passed a key.
	suite.Write(t, s, func(tx store.Tx) error { return tx.SetWebSessionMFA("sess-f", suite.At(2*time.Minute), false) })
	full.MFAVerifiedAt, full.PhishingResistant = suite.At(2*time.Minute), false
	checkSession(t, s, full)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.SetWebSessionMFA("sess-unknown", suite.T0, false) })
	suite.WantErr(t, err, core.ErrNotFound, "SetWebSessionMFA of an unknown session")
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
	// Ending every session ends a half-signed-in one too (a password
	// change must not leave a session waiting for its second factor).
	for _, hash := range []string{pending.IDHash, full.IDHash} {
		suite.WantNotFound(t, s, "WebSession("+hash+") after DeleteWebSessionsByUser", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(hash) })
	}
}

// testWebSessionSignedIn: SignedInAt is stored as given and read back by
// WebSession and WebSessionsOf; left zero it is the creation time.
func testWebSessionSignedIn(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	reissued := &core.WebSession{IDHash: "reissued", UserID: alice.ID, CreatedAt: suite.At(time.Hour), ExpiresAt: suite.At(13 * time.Hour), SignedInAt: suite.At(time.Minute)}
	fresh := &core.WebSession{IDHash: "fresh", UserID: alice.ID, CreatedAt: suite.At(2 * time.Hour), ExpiresAt: suite.At(14 * time.Hour)}
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateWebSession(reissued); err != nil {
			return err
		}
		return tx.CreateWebSession(fresh)
	})
	for _, c := range []struct {
		hash string
		want time.Time
	}{{"reissued", suite.At(time.Minute)}, {"fresh", suite.At(2 * time.Hour)}} {
		got := suite.Read(t, s, func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession(c.hash) })
		if !suite.SameTime(got.SignedInAt, c.want) {
			t.Errorf("WebSession(%s).SignedInAt = %v, want %v", c.hash, got.SignedInAt, c.want)
		}
	}
	list := suite.Read(t, s, func(tx store.Tx) ([]core.WebSession, error) { return tx.WebSessionsOf(alice.ID) })
	if len(list) != 2 || list[0].IDHash != "fresh" || !suite.SameTime(list[0].SignedInAt, suite.At(2*time.Hour)) || !suite.SameTime(list[1].SignedInAt, suite.At(time.Minute)) {
		t.Fatalf("WebSessionsOf = %+v; want fresh signed in at +2h, reissued at +1m", list)
	}
	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteWebSessionsByUser(alice.ID) })
}
