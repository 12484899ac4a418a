// Package access holds the conformance cases of the store's private
// registry roles: store.Invites (invitations, used once) and
// store.SSOIdentities (accounts linked to an identity provider's
// subjects).
package access

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunInvites runs the cases of store.Invites.
func RunInvites(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "CreateFindUseOnce", F: testInviteUseOnce},
	})
}

// RunSSOIdentities runs the cases of store.SSOIdentities.
func RunSSOIdentities(t *testing.T, open func(t *testing.T) store.Store) {
	suite.Cases(t, open, []suite.Test{
		{Name: "LinkOnce", F: testLinkOnce},
	})
}

// An invitation is found by its hash only, listed newest first, and used
// exactly once: a second use is a conflict that changes nothing.
func testInviteUseOnce(t *testing.T, s store.Store) {
	a := &core.Invite{Hash: "aa", Email: "a@example.com", CreatedBy: "admin", CreatedAt: suite.At(0), ExpiresAt: suite.At(time.Hour)}
	b := &core.Invite{Hash: "bb", Email: "b@example.com", CreatedBy: "admin", CreatedAt: suite.At(time.Minute), ExpiresAt: suite.At(time.Hour)}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		for _, i := range []*core.Invite{a, b} {
			if err := tx.CreateInvite(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.ID == b.ID {
		t.Fatalf("ids %d, %d", a.ID, b.ID)
	}
	dup := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.CreateInvite(&core.Invite{Hash: "aa", Email: "x@example.com", CreatedAt: suite.At(0), ExpiresAt: suite.At(time.Hour)})
	})
	suite.WantErr(t, dup, core.ErrConflict, "an invitation with the same hash")
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseInvite(a.ID, "alice", suite.At(2*time.Minute)) }); err != nil {
		t.Fatalf("UseInvite: %v", err)
	}
	again := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseInvite(a.ID, "mallory", suite.At(3*time.Minute)) })
	suite.WantErr(t, again, core.ErrConflict, "using an invitation twice")
	unknown := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseInvite(999, "x", suite.At(0)) })
	suite.WantErr(t, unknown, core.ErrNotFound, "using an unknown invitation")
	err = s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.InviteByHash("aa")
		if err != nil {
			return err
		}
		if got.Email != "a@example.com" || got.UsedBy != "alice" || !got.UsedAt.Equal(suite.At(2*time.Minute).Truncate(time.Millisecond)) ||
			!got.ExpiresAt.Equal(a.ExpiresAt.Truncate(time.Millisecond)) {
			t.Errorf("InviteByHash = %+v", got)
		}
		_, err = tx.InviteByHash("cc")
		suite.WantErr(t, err, core.ErrNotFound, "an unknown hash")
		list, err := tx.Invites()
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].Hash != "bb" || list[1].Hash != "aa" {
			t.Errorf("Invites = %+v, want bb then aa", list)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A provider's subject links to one account; the same subject of another
// provider is another identity.
func testLinkOnce(t *testing.T, s store.Store) {
	u := &core.User{Name: "alice", Email: "alice@example.com", CreatedAt: suite.At(0)}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(u) })
	if err != nil {
		t.Fatal(err)
	}
	link := core.SSOIdentity{Provider: "corp", Subject: "sub-1", UserID: u.ID, Email: "alice@example.com", LinkedAt: suite.At(time.Minute)}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.LinkSSOIdentity(link) }); err != nil {
		t.Fatal(err)
	}
	dup := s.Update(t.Context(), func(tx store.Tx) error { return tx.LinkSSOIdentity(link) })
	suite.WantErr(t, dup, core.ErrConflict, "linking a subject twice")
	err = s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.SSOIdentity("corp", "sub-1")
		if err != nil {
			return err
		}
		if got.UserID != u.ID || got.Email != "alice@example.com" || !got.LinkedAt.Equal(link.LinkedAt.Truncate(time.Millisecond)) {
			t.Errorf("SSOIdentity = %+v", got)
		}
		_, err = tx.SSOIdentity("other", "sub-1")
		suite.WantErr(t, err, core.ErrNotFound, "the same subject at another provider")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
