// Package storetest is the conformance suite for metadata stores. Every
// backend of store.Store runs all of it in one line:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
//	}
//
// The suite is split by role, one file per role interface of store.Tx
// (users.go for store.Users, packages.go for store.Packages, ...), each
// with its own RunX; transactions.go holds the contract of Update and View
// itself. A backend written role by role runs one role at a time the same
// way, with storetest.RunUsers(t, open) and so on, or selects roles of the
// whole suite by name: go test -run 'TestConformance/(Users|Tokens)/'.
// Cases make their fixtures through Users and Packages, so those two come
// first; Run runs the roles in the order of store.Tx.
//
// The suite tests the contracts written in package store and nothing more.
// Each subtest opens its own empty store, so open must return a store with
// no data in it, and must arrange for it to be closed (t.Cleanup).
//
// The closures given to Update and View follow the store contract: they
// may run more than once, so they only assign to variables that the test
// reads after Update or View has returned nil, and they never call t.Fatal.
package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// Run runs the whole conformance suite, role by role. open is called once
// per case and must return a new, empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, r := range roles {
		t.Run(r.name, func(t *testing.T) { r.run(t, open) })
	}
}

// roles lists every role's cases in the order of store.Tx, so that a
// failure names the role, and a backend written role by role sees which
// file to read next. Transactions last: they need every role's writes.
var roles = []struct {
	name string
	run  func(t *testing.T, open func(t *testing.T) store.Store)
}{
	{"Empty", runEmpty},
	{"Users", RunUsers},
	{"Tokens", RunTokens},
	{"Packages", RunPackages},
	{"Documents", RunDocuments},
	{"Events", RunEvents},
	{"Downloads", RunDownloads},
	{"Critical", RunCritical},
	{"Throttles", RunThrottles},
	{"WebSessions", RunWebSessions},
	{"EmailTokens", RunEmailTokens},
	{"SecondFactors", RunSecondFactors},
	{"EmailDomains", RunEmailDomains},
	{"WebAuthn", RunWebAuthn},
	{"CLILogins", RunCLILogins},
	{"Devices", RunDevices},
	{"Recoveries", RunRecoveries},
	{"EmailHistory", RunEmailHistory},
	{"Sweeper", RunSweeper},
	{"Meta", RunMeta},
	{"Files", RunFiles},
	{"Transactions", RunTransactions},
}

// test is one case: a function given a fresh store.
type test struct {
	name string
	f    func(t *testing.T, s store.Store)
}

// run runs each case as a subtest on a store of its own.
func run(t *testing.T, open func(t *testing.T) store.Store, tests []test) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.f(t, open(t))
		})
	}
}

// runEmpty checks that open returns a store with nothing in it, which
// every other case relies on.
func runEmpty(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{{"Fresh", testEmpty}})
}

// ---- helpers ----

// t0 has sub-millisecond digits that a store must drop; they are below half
// a millisecond, so truncating and rounding backends agree.
var t0 = time.Date(2024, time.March, 10, 14, 30, 15, 123456789, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// sameTime compares times at the store's millisecond precision.
func sameTime(got, want time.Time) bool {
	return got.Truncate(time.Millisecond).Equal(want.Truncate(time.Millisecond))
}

func sameTimeOf(got, want time.Time) bool { return sameTime(got, want) }

// write runs f in Update and fails the test if it returns an error.
func write(t *testing.T, s store.Store, f func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), f); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// read runs f in View and fails the test if it returns an error.
func read[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) T {
	t.Helper()
	v, err := readErr(t, s, f)
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return v
}

// readErr runs f in View and returns what it returned.
func readErr[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) (T, error) {
	t.Helper()
	var v T
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		v, err = f(tx)
		return err
	})
	return v, err
}

// update runs f in Update and returns what it returned, failing the test
// on an error.
func update[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) T {
	t.Helper()
	var v T
	write(t, s, func(tx store.Tx) error {
		var err error
		v, err = f(tx)
		return err
	})
	return v
}

// wantErr fails the test unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one matching %v", what, err, target)
	}
}

// wantNotFound reads with f and expects core.ErrNotFound.
func wantNotFound[T any](t *testing.T, s store.Store, what string, f func(tx store.Tx) (T, error)) {
	t.Helper()
	_, err := readErr(t, s, f)
	wantErr(t, err, core.ErrNotFound, what)
}

// diffs collects field mismatches so that a failure shows all of them.
type diffs struct{ bad []string }

func (d *diffs) eq(field string, got, want any) {
	if !reflect.DeepEqual(got, want) {
		d.bad = append(d.bad, fmt.Sprintf("%s = %#v, want %#v", field, got, want))
	}
}

func (d *diffs) time(field string, got, want time.Time) {
	if !sameTime(got, want) {
		d.bad = append(d.bad, fmt.Sprintf("%s = %v, want %v", field, got, want.Truncate(time.Millisecond)))
	}
}

func (d *diffs) json(field string, got, want []byte) {
	if !jsonEqual(got, want) {
		d.bad = append(d.bad, fmt.Sprintf("%s = %s, want %s", field, got, want))
	}
}

func (d *diffs) check(t *testing.T, what string) {
	t.Helper()
	if len(d.bad) > 0 {
		t.Fatalf("%s:\n\t%s", what, strings.Join(d.bad, "\n\t"))
	}
}

// jsonEqual compares JSON documents by value, so that a backend may store
// them in a normalising column type.
func jsonEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

// orEmpty makes nil and empty slices compare equal.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// sorted returns a sorted copy.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func checkUser(t *testing.T, what string, got, want *core.User) {
	t.Helper()
	var d diffs
	d.eq("ID", got.ID, want.ID)
	d.eq("Name", got.Name, want.Name)
	d.eq("Email", got.Email, want.Email)
	d.eq("PasswordHash", got.PasswordHash, want.PasswordHash)
	d.eq("EmailVerified", got.EmailVerified, want.EmailVerified)
	d.eq("Admin", got.Admin, want.Admin)
	d.time("DisabledAt", got.DisabledAt, want.DisabledAt)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.eq("PasswordCompromised", got.PasswordCompromised, want.PasswordCompromised)
	d.check(t, what)
}

func checkToken(t *testing.T, what string, got, want *core.Token) {
	t.Helper()
	var d diffs
	d.eq("ID", got.ID, want.ID)
	d.eq("Key", got.Key, want.Key)
	d.eq("UserID", got.UserID, want.UserID)
	d.eq("Hash", got.Hash, want.Hash)
	d.eq("Mask", got.Mask, want.Mask)
	d.eq("Name", got.Name, want.Name)
	d.eq("Kind", got.Kind, want.Kind)
	d.eq("Actions", orEmpty(got.Actions), orEmpty(want.Actions))
	d.eq("Packages", orEmpty(got.Packages), orEmpty(want.Packages))
	d.eq("CIDRs", orEmpty(got.CIDRs), orEmpty(want.CIDRs))
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.time("RevokedAt", got.RevokedAt, want.RevokedAt)
	d.time("MFAVerifiedAt", got.MFAVerifiedAt, want.MFAVerifiedAt)
	d.check(t, what)
}

func checkPackage(t *testing.T, what string, got, want *core.Package) {
	t.Helper()
	var d diffs
	d.eq("ID", got.ID, want.ID)
	d.eq("Ecosystem", got.Ecosystem, want.Ecosystem)
	d.eq("Name", got.Name, want.Name)
	d.eq("Rev", got.Rev, want.Rev)
	d.eq("Access", got.Access, want.Access)
	d.eq("Description", got.Description, want.Description)
	d.eq("Keywords", got.Keywords, want.Keywords)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ModifiedAt", got.ModifiedAt, want.ModifiedAt)
	d.time("UnpublishedAt", got.UnpublishedAt, want.UnpublishedAt)
	d.time("NameReleasedAt", got.NameReleasedAt, want.NameReleasedAt)
	d.check(t, what)
}

// checkVersion compares everything Versions returns; Dependencies are
// write-only (they feed Dependents).
func checkVersion(t *testing.T, what string, got, want *core.Version) {
	t.Helper()
	var d diffs
	d.eq("PackageID", got.PackageID, want.PackageID)
	d.eq("Version", got.Version, want.Version)
	d.json("Manifest", got.Manifest, want.Manifest)
	d.eq("Integrity", got.Integrity, want.Integrity)
	d.eq("Shasum", got.Shasum, want.Shasum)
	d.eq("Digest", got.Digest, want.Digest)
	d.eq("Size", got.Size, want.Size)
	d.eq("FileCount", got.FileCount, want.FileCount)
	d.eq("UnpackedSize", got.UnpackedSize, want.UnpackedSize)
	d.eq("PublisherID", got.PublisherID, want.PublisherID)
	d.time("PublishedAt", got.PublishedAt, want.PublishedAt)
	d.eq("Deprecated", got.Deprecated, want.Deprecated)
	d.time("UnpublishedAt", got.UnpublishedAt, want.UnpublishedAt)
	d.eq("Held", got.Held, want.Held)
	d.check(t, what)
}

func checkEvent(t *testing.T, what string, got, want *core.Event) {
	t.Helper()
	var d diffs
	d.eq("Seq", got.Seq, want.Seq)
	d.time("At", got.At, want.At)
	d.eq("Type", got.Type, want.Type)
	d.eq("Actor", got.Actor, want.Actor)
	d.eq("Package", got.Package, want.Package)
	d.eq("Version", got.Version, want.Version)
	d.json("Data", got.Data, want.Data)
	d.check(t, what)
}

func checkEvents(t *testing.T, what string, got []core.Event, want ...*core.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events %v, want %d", what, len(got), eventSeqs(got), len(want))
	}
	for i := range got {
		checkEvent(t, fmt.Sprintf("%s[%d]", what, i), &got[i], want[i])
	}
}

func eventSeqs(es []core.Event) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

// ---- fixtures ----

func newUser(name string) *core.User {
	return &core.User{
		Name:          name,
		Email:         name + "@Example.com",
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$" + name,
		EmailVerified: true,
		CreatedAt:     t0,
	}
}

func createUser(t *testing.T, s store.Store, name string) *core.User {
	t.Helper()
	u := newUser(name)
	write(t, s, func(tx store.Tx) error { return tx.CreateUser(u) })
	return u
}

func newPackage(name string) *core.Package {
	return &core.Package{
		PackageRef:  core.NPM(name),
		CreatedAt:   t0,
		ModifiedAt:  t0,
		Rev:         1,
		Access:      "public",
		Description: "the " + name + " package",
	}
}

func createPackage(t *testing.T, s store.Store, p *core.Package) *core.Package {
	t.Helper()
	write(t, s, func(tx store.Tx) error { return tx.CreatePackage(p) })
	return p
}

func newVersion(p *core.Package, version string, publisher int64, published time.Time, deps ...string) *core.Version {
	manifest := fmt.Sprintf(`{"name":%q,"version":%q,"dist":{"tarball":"http://localhost/%s/-/%s.tgz"}}`, p.Name, version, p.Name, version)
	return &core.Version{
		PackageID:    p.ID,
		Version:      version,
		Manifest:     json.RawMessage(manifest),
		Integrity:    "sha512-" + p.Name + version,
		Shasum:       "sha1-" + p.Name + version,
		Digest:       "sha512hex-" + p.Name + version,
		Size:         1234,
		FileCount:    7,
		UnpackedSize: 5678,
		PublisherID:  publisher,
		PublishedAt:  published,
		Dependencies: deps,
	}
}

func insertVersion(t *testing.T, s store.Store, v *core.Version) {
	t.Helper()
	write(t, s, func(tx store.Tx) error { return tx.InsertVersion(v) })
}

var errRollback = errors.New("storetest: roll back")

// oneWins runs update from workers transactions at once and fails t
// unless exactly one commits and every other fails with lost (the error
// a store returns to the loser of the race). update gets the worker's
// number, so workers can differ.
func oneWins(t *testing.T, s store.Store, workers int, lost error, what string, update func(i int, tx store.Tx) error) {
	t.Helper()
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			<-start
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error { return update(i, tx) })
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, lost):
			t.Errorf("worker %d: got error %v, want nil or one matching %v", i, err, lost)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent %s succeeded, want exactly 1", ok, workers, what)
	}
}

// ---- empty ----

// checkEmpty checks that s holds none of the data the suite writes.
func checkEmpty(t *testing.T, s store.Store) {
	t.Helper()
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 0 {
		t.Fatalf("CountUsers = %d, want 0", n)
	}
	if names := read(t, s, func(tx store.Tx) ([]string, error) { return tx.AllPackageNames() }); len(names) != 0 {
		t.Fatalf("AllPackageNames = %q, want none", names)
	}
	if es := read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 100) }); len(es) != 0 {
		t.Fatalf("EventsAfter(0) = seqs %v, want none", eventSeqs(es))
	}
	if _, err := s.Document(t.Context(), "storetest-pkg", store.DocAll); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document: got error %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, "UserByName", func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	wantNotFound(t, s, "PackageByRef", func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM("storetest-pkg")) })
	wantNotFound(t, s, "TokenByHash", func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash("storetest-hash") })
	wantNotFound(t, s, "Throttle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("storetest-throttle") })
	wantNotFound(t, s, "WebSession", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("storetest-session") })
	wantNotFound(t, s, "EmailToken", func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("storetest-email-token") })
	wantNotFound(t, s, "GetMeta", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") })
	wantNotFound(t, s, "TOTP", func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(1) })
	if codes := read(t, s, func(tx store.Tx) ([]string, error) { return tx.RecoveryCodes(1) }); len(codes) != 0 {
		t.Fatalf("RecoveryCodes = %q, want none", codes)
	}
	if ps := read(t, s, func(tx store.Tx) ([]store.EmailPeriod, error) { return tx.EmailPeriodsSince(1, time.Time{}) }); len(ps) != 0 {
		t.Fatalf("EmailPeriodsSince = %v, want none", ps)
	}
}

func testEmpty(t *testing.T, s store.Store) {
	checkEmpty(t, s)
	wantNotFound(t, s, "UserByID", func(tx store.Tx) (*core.User, error) { return tx.UserByID(1) })
	wantNotFound(t, s, "UserByEmail", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("alice@example.com") })
}
