package namepolicy_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/namepolicy"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
)

func check(t *testing.T, st store.Store, s *namepolicy.Service, name string) error {
	t.Helper()
	return st.View(t.Context(), func(tx store.Tx) error { return s.Check(tx, core.NPM(name)) })
}

// A look-alike is refused naming the popular package and the way to ask;
// a user cannot allow it, the console can (with an event), and then only
// that exact name passes.
func TestRefuseThenAllow(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := eventcheck.Wrap(t, db)
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	s := namepolicy.New(st, func() time.Time { return now })

	err = check(t, st, s, "lodahs")
	var ke *core.Error
	if !errors.As(err, &ke) || ke.Kind != core.KindForbidden || !strings.Contains(err.Error(), "resembles the popular package lodash") ||
		!strings.Contains(err.Error(), "rampart admin name allow lodahs") {
		t.Fatalf("lodahs: %v", err)
	}
	if err := check(t, st, s, "my-lib"); err != nil {
		t.Fatalf("my-lib: %v", err)
	}

	user := authz.Principal{User: &core.User{ID: 1, Name: "alice"}}
	if err := s.Allow(t.Context(), user, core.NPM("lodahs"), "mine"); err == nil {
		t.Fatal("a user allowed a name")
	}
	mod := authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true} // the console, as `rampart admin name allow`
	if err := s.Allow(t.Context(), mod, core.NPM("lodahs"), "reviewed"); err != nil {
		t.Fatalf("console Allow: %v", err)
	}
	if err := check(t, st, s, "lodahs"); err != nil {
		t.Fatalf("lodahs once allowed: %v", err)
	}
	if err := check(t, st, s, "l0dash"); err == nil {
		t.Fatal("l0dash passed: an allowance is for one name")
	}
	err = st.View(t.Context(), func(tx store.Tx) error {
		evs, err := tx.EventsAfter(0, 100)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Type == core.EventNameAllowed {
				p, err := event.Parse(&e)
				if err != nil {
					return err
				}
				if got := p.(event.NameAllowed); got.Resembles != "lodash" || got.Reason != "reviewed" || e.Actor != "operator" || e.Package != "lodahs" {
					t.Errorf("event = %+v %+v", e, got)
				}
				return nil
			}
		}
		t.Error("no name.allowed event")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
