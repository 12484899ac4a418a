package orgfacts_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/orgfacts"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// TestOwnerOfScope: a scope is held by the organisation of its name (a
// deleted one too, with no facts: nobody may create in it), else by the
// user of its name, else by nobody; an organisation wins over a user of
// the same name.
func TestOwnerOfScope(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, name := range []string{"alice", "acme"} {
			if err := tx.CreateUser(&core.User{Name: name, Email: name + "@example.com", EmailVerified: true, CreatedAt: t0, PasswordHash: "x"}); err != nil {
				return err
			}
		}
		for _, name := range []string{"acme", "gone"} {
			if err := tx.CreateOrg(&core.Org{Name: name, CreatedAt: t0}); err != nil {
				return err
			}
		}
		gone, err := tx.OrgByName("gone")
		if err != nil {
			return err
		}
		return tx.DeleteOrg(gone.ID, t0.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		scope           string
		held, org, live bool
		user            string
	}{
		{scope: "alice", held: true, user: "alice"},
		{scope: "acme", held: true, org: true, live: true},
		{scope: "gone", held: true, org: true},
		{scope: "nobody"},
	} {
		err := st.View(ctx, func(tx store.Tx) error {
			o, err := orgfacts.OwnerOfScope(tx, c.scope)
			if err != nil {
				return err
			}
			user := ""
			if o.User != nil {
				user = o.User.Name
			}
			if o.Held() != c.held || (o.Org != nil) != c.org || (o.Facts != nil) != c.live || user != c.user {
				t.Errorf("@%s: held %v, org %v, facts %v, user %q; want %v, %v, %v, %q",
					c.scope, o.Held(), o.Org != nil, o.Facts != nil, user, c.held, c.org, c.live, c.user)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
