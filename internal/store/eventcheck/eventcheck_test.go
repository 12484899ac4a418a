package eventcheck

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
)

func TestEveryMethodIsClassified(t *testing.T) {
	tx := reflect.TypeFor[store.Tx]()
	names := map[string]bool{}
	for i := range tx.NumMethod() {
		name := tx.Method(i).Name
		names[name] = true
		r, ok := Methods[name]
		if !ok {
			t.Errorf("store.Tx.%s is not classified in Methods: say whether it reads, keeps books or makes a security-relevant write, and why", name)
			continue
		}
		if r.Class != Read && r.Why == "" {
			t.Errorf("%s: a %s needs its reason", name, r.Class)
		}
	}
	for name := range Methods {
		if !names[name] {
			t.Errorf("Methods classifies %s, which store.Tx does not have", name)
		}
	}
}

// TestSecurityWritesAreWrapped calls every Security method on a checkedTx
// over no transaction at all: the call panics when it reaches the missing
// transaction, but a wrapped method has noted itself first.
func TestSecurityWritesAreWrapped(t *testing.T) {
	for name, r := range Methods {
		if r.Class != Security {
			continue
		}
		c := &checkedTx{}
		m := reflect.ValueOf(c).MethodByName(name)
		args := make([]reflect.Value, m.Type().NumIn())
		for i := range args {
			args[i] = reflect.Zero(m.Type().In(i))
		}
		func() {
			defer func() { _ = recover() }()
			m.Call(args)
		}()
		if c.pending != name {
			t.Errorf("%s is classified Security but checkedTx does not wrap it (tx.go)", name)
		}
	}
}

type recorder struct{ errs []string }

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestCatchesAWriteWithoutAnEvent: the check fails a committed security
// write with no event, and only that.
func TestCatchesAWriteWithoutAnEvent(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	n := 0
	newUser := func() *core.User {
		n++
		return &core.User{Name: fmt.Sprintf("u%d", n), Email: fmt.Sprintf("u%d@example.com", n), PasswordHash: "h", CreatedAt: now}
	}
	errNo := errors.New("no")
	for _, tc := range []struct {
		name string
		f    func(tx store.Tx) error
		want string // "" for no failure
	}{
		{"security write, no event", func(tx store.Tx) error { return tx.CreateUser(newUser()) }, "CreateUser (eventcheck_test.go:"},
		{"security write and its event", func(tx store.Tx) error {
			u := newUser()
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			return tx.AppendEvent(event.AccountCreate{User: u.Name}.At(now, u.Name))
		}, ""},
		{"security write, rolled back", func(tx store.Tx) error {
			if err := tx.CreateUser(newUser()); err != nil {
				return err
			}
			return errNo
		}, ""},
		{"failed security write", func(tx store.Tx) error {
			_ = tx.RevokeToken(12345, "nope", now) // ErrNotFound: nothing changed
			return nil
		}, ""},
		{"bookkeeping only", func(tx store.Tx) error {
			return tx.PutThrottle(&core.Throttle{Key: "k", Failures: 1, LastFailure: now})
		}, ""},
		{"a new device beside another event", func(tx store.Tx) error {
			u := newUser()
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			if err := tx.AppendEvent(event.AccountCreate{User: u.Name}.At(now, u.Name)); err != nil {
				return err
			}
			_, err := tx.TouchDevice(u.ID, "dev", now)
			return err
		}, ""},
	} {
		r := &recorder{}
		err := Wrap(r, st).Update(t.Context(), tc.f)
		if err != nil && !errors.Is(err, errNo) {
			t.Fatalf("%s: %v", tc.name, err)
		}
		switch {
		case tc.want == "" && len(r.errs) > 0:
			t.Errorf("%s: check failed: %q", tc.name, r.errs)
		case tc.want != "" && (len(r.errs) != 1 || !strings.Contains(r.errs[0], tc.want)):
			t.Errorf("%s: check reported %q, want one failure naming %q", tc.name, r.errs, tc.want)
		}
	}
	// A package's revision may move without an event; its access may not.
	var pkg *core.Package
	write := func(f func(tx store.Tx) error) []string {
		t.Helper()
		r := &recorder{}
		if err := Wrap(r, st).Update(t.Context(), f); err != nil {
			t.Fatal(err)
		}
		return r.errs
	}
	write(func(tx store.Tx) error {
		pkg = &core.Package{PackageRef: core.NPM("left-pad"), CreatedAt: now, ModifiedAt: now, Rev: 1, Access: "public"}
		if err := tx.CreatePackage(pkg); err != nil {
			return err
		}
		return tx.AppendEvent(event.Publish{}.At(now, "u2", pkg.Name, "1.0.0"))
	})
	if errs := write(func(tx store.Tx) error {
		p := *pkg
		p.Rev, p.Description = 2, "pads"
		return tx.UpdatePackageAt(&p, 1)
	}); len(errs) > 0 {
		t.Errorf("a revision bump failed the check: %q", errs)
	}
	if errs := write(func(tx store.Tx) error {
		p := *pkg
		p.Rev, p.Access = 3, "restricted"
		return tx.UpdatePackageAt(&p, 2)
	}); len(errs) != 1 || !strings.Contains(errs[0], "UpdatePackageAt (eventcheck_test.go:") {
		t.Errorf("an access change without an event: %q", errs)
	}
}
