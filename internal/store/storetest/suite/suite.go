// Package suite holds what the conformance suite's cases share: the
// runner of a role's cases (Cases), transaction helpers (Write, Read,
// Update, ...), fixtures (NewUser, CreatePackage, ...) and comparisons
// that show every mismatch at once (Diffs, CheckUser, ...). It is split
// from package storetest so that the cases of each area (accounts,
// packages, and storetest's own) live in packages of their own and still
// share one set of helpers.
//
// The closures given to Update and View follow the store contract: they
// may run more than once, so they only assign to variables that the test
// reads after Update or View has returned nil, and they never call t.Fatal.
package suite

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

// Test is one case: a function given a fresh store.
type Test struct {
	Name string
	F    func(t *testing.T, s store.Store)
}

// Cases runs each case as a subtest on a store of its own.
func Cases(t *testing.T, open func(t *testing.T) store.Store, tests []Test) {
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			tc.F(t, open(t))
		})
	}
}

// T0 has sub-millisecond digits that a store must drop; they are below half
// a millisecond, so truncating and rounding backends agree.
var T0 = time.Date(2024, time.March, 10, 14, 30, 15, 123456789, time.UTC)

func At(d time.Duration) time.Time { return T0.Add(d) }

// SameTime compares times at the store's millisecond precision.
func SameTime(got, want time.Time) bool {
	return got.Truncate(time.Millisecond).Equal(want.Truncate(time.Millisecond))
}

func SameTimeOf(got, want time.Time) bool { return SameTime(got, want) }

// Write runs f in Update and fails the test if it returns an error.
func Write(t *testing.T, s store.Store, f func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), f); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// Read runs f in View and fails the test if it returns an error.
func Read[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) T {
	t.Helper()
	v, err := ReadErr(t, s, f)
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return v
}

// ReadErr runs f in View and returns what it returned.
func ReadErr[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) (T, error) {
	t.Helper()
	var v T
	err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		v, err = f(tx)
		return err
	})
	return v, err
}

// Update runs f in Update and returns what it returned, failing the test
// on an error.
func Update[T any](t *testing.T, s store.Store, f func(tx store.Tx) (T, error)) T {
	t.Helper()
	var v T
	Write(t, s, func(tx store.Tx) error {
		var err error
		v, err = f(tx)
		return err
	})
	return v
}

// WantErr fails the test unless errors.Is(err, target).
func WantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one matching %v", what, err, target)
	}
}

// WantNotFound reads with f and expects core.ErrNotFound.
func WantNotFound[T any](t *testing.T, s store.Store, what string, f func(tx store.Tx) (T, error)) {
	t.Helper()
	_, err := ReadErr(t, s, f)
	WantErr(t, err, core.ErrNotFound, what)
}

// Diffs collects field mismatches so that a failure shows all of them.
type Diffs struct{ bad []string }

func (d *Diffs) Eq(field string, got, want any) {
	if !reflect.DeepEqual(got, want) {
		d.bad = append(d.bad, fmt.Sprintf("%s = %#v, want %#v", field, got, want))
	}
}

func (d *Diffs) Time(field string, got, want time.Time) {
	if !SameTime(got, want) {
		d.bad = append(d.bad, fmt.Sprintf("%s = %v, want %v", field, got, want.Truncate(time.Millisecond)))
	}
}

func (d *Diffs) JSON(field string, got, want []byte) {
	if !JSONEqual(got, want) {
		d.bad = append(d.bad, fmt.Sprintf("%s = %s, want %s", field, got, want))
	}
}

func (d *Diffs) Check(t *testing.T, what string) {
	t.Helper()
	if len(d.bad) > 0 {
		t.Fatalf("%s:\n\t%s", what, strings.Join(d.bad, "\n\t"))
	}
}

// JSONEqual compares JSON documents by value, so that a backend may store
// them in a normalising column type.
func JSONEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

// OrEmpty makes nil and empty slices compare equal.
func OrEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Sorted returns a sorted copy.
func Sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func CheckUser(t *testing.T, what string, got, want *core.User) {
	t.Helper()
	var d Diffs
	d.Eq("ID", got.ID, want.ID)
	d.Eq("Name", got.Name, want.Name)
	d.Eq("Email", got.Email, want.Email)
	d.Eq("PasswordHash", got.PasswordHash, want.PasswordHash)
	d.Eq("EmailVerified", got.EmailVerified, want.EmailVerified)
	d.Eq("Admin", got.Admin, want.Admin)
	d.Time("DisabledAt", got.DisabledAt, want.DisabledAt)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Eq("PasswordCompromised", got.PasswordCompromised, want.PasswordCompromised)
	d.Check(t, what)
}

func CheckToken(t *testing.T, what string, got, want *core.Token) {
	t.Helper()
	var d Diffs
	d.Eq("ID", got.ID, want.ID)
	d.Eq("Key", got.Key, want.Key)
	d.Eq("UserID", got.UserID, want.UserID)
	d.Eq("Hash", got.Hash, want.Hash)
	d.Eq("Mask", got.Mask, want.Mask)
	d.Eq("Name", got.Name, want.Name)
	d.Eq("Kind", got.Kind, want.Kind)
	d.Eq("Actions", OrEmpty(got.Actions), OrEmpty(want.Actions))
	d.Eq("Packages", OrEmpty(got.Packages), OrEmpty(want.Packages))
	d.Eq("CIDRs", OrEmpty(got.CIDRs), OrEmpty(want.CIDRs))
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.Time("RevokedAt", got.RevokedAt, want.RevokedAt)
	d.Time("MFAVerifiedAt", got.MFAVerifiedAt, want.MFAVerifiedAt)
	d.Check(t, what)
}

func CheckPackage(t *testing.T, what string, got, want *core.Package) {
	t.Helper()
	var d Diffs
	d.Eq("ID", got.ID, want.ID)
	d.Eq("Ecosystem", got.Ecosystem, want.Ecosystem)
	d.Eq("Name", got.Name, want.Name)
	d.Eq("Rev", got.Rev, want.Rev)
	d.Eq("Access", got.Access, want.Access)
	d.Eq("Description", got.Description, want.Description)
	d.Eq("Keywords", got.Keywords, want.Keywords)
	d.Time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.Time("ModifiedAt", got.ModifiedAt, want.ModifiedAt)
	d.Time("UnpublishedAt", got.UnpublishedAt, want.UnpublishedAt)
	d.Time("NameReleasedAt", got.NameReleasedAt, want.NameReleasedAt)
	d.Check(t, what)
}

// CheckVersion compares everything Versions returns; Dependencies are
// write-only (they feed Dependents).
func CheckVersion(t *testing.T, what string, got, want *core.Version) {
	t.Helper()
	var d Diffs
	d.Eq("PackageID", got.PackageID, want.PackageID)
	d.Eq("Version", got.Version, want.Version)
	d.JSON("Manifest", got.Manifest, want.Manifest)
	d.Eq("Integrity", got.Integrity, want.Integrity)
	d.Eq("Shasum", got.Shasum, want.Shasum)
	d.Eq("Digest", got.Digest, want.Digest)
	d.Eq("Size", got.Size, want.Size)
	d.Eq("FileCount", got.FileCount, want.FileCount)
	d.Eq("UnpackedSize", got.UnpackedSize, want.UnpackedSize)
	d.Eq("PublisherID", got.PublisherID, want.PublisherID)
	d.Time("PublishedAt", got.PublishedAt, want.PublishedAt)
	d.Eq("Deprecated", got.Deprecated, want.Deprecated)
	d.Time("UnpublishedAt", got.UnpublishedAt, want.UnpublishedAt)
	d.Eq("Held", got.Held, want.Held)
	d.Check(t, what)
}

func CheckEvent(t *testing.T, what string, got, want *core.Event) {
	t.Helper()
	var d Diffs
	d.Eq("Seq", got.Seq, want.Seq)
	d.Time("At", got.At, want.At)
	d.Eq("Type", got.Type, want.Type)
	d.Eq("Actor", got.Actor, want.Actor)
	d.Eq("Package", got.Package, want.Package)
	d.Eq("Version", got.Version, want.Version)
	d.JSON("Data", got.Data, want.Data)
	d.Check(t, what)
}

func CheckEvents(t *testing.T, what string, got []core.Event, want ...*core.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events %v, want %d", what, len(got), EventSeqs(got), len(want))
	}
	for i := range got {
		CheckEvent(t, fmt.Sprintf("%s[%d]", what, i), &got[i], want[i])
	}
}

func EventSeqs(es []core.Event) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

// ---- fixtures ----

func NewUser(name string) *core.User {
	return &core.User{
		Name:          name,
		Email:         name + "@Example.com",
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$" + name,
		EmailVerified: true,
		CreatedAt:     T0,
	}
}

func CreateUser(t *testing.T, s store.Store, name string) *core.User {
	t.Helper()
	u := NewUser(name)
	Write(t, s, func(tx store.Tx) error { return tx.CreateUser(u) })
	return u
}

func NewPackage(name string) *core.Package {
	return &core.Package{
		PackageRef:  core.NPM(name),
		CreatedAt:   T0,
		ModifiedAt:  T0,
		Rev:         1,
		Access:      "public",
		Description: "the " + name + " package",
	}
}

func CreatePackage(t *testing.T, s store.Store, p *core.Package) *core.Package {
	t.Helper()
	Write(t, s, func(tx store.Tx) error { return tx.CreatePackage(p) })
	return p
}

func NewVersion(p *core.Package, version string, publisher int64, published time.Time, deps ...string) *core.Version {
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

func InsertVersion(t *testing.T, s store.Store, v *core.Version) {
	t.Helper()
	Write(t, s, func(tx store.Tx) error { return tx.InsertVersion(v) })
}

var ErrRollback = errors.New("storetest: roll back")

// OneWins runs update from workers transactions at once and fails t
// unless exactly one commits and every other fails with lost (the error
// a store returns to the loser of the race). update gets the worker's
// number, so workers can differ.
func OneWins(t *testing.T, s store.Store, workers int, lost error, what string, update func(i int, tx store.Tx) error) {
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

// CheckEmpty checks that s holds none of the data the suite writes.
func CheckEmpty(t *testing.T, s store.Store) {
	t.Helper()
	if n := Read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 0 {
		t.Fatalf("CountUsers = %d, want 0", n)
	}
	if names := Read(t, s, func(tx store.Tx) ([]string, error) { return tx.AllPackageNames() }); len(names) != 0 {
		t.Fatalf("AllPackageNames = %q, want none", names)
	}
	if es := Read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 100) }); len(es) != 0 {
		t.Fatalf("EventsAfter(0) = seqs %v, want none", EventSeqs(es))
	}
	if _, err := s.Document(t.Context(), "storetest-pkg", store.DocAll); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document: got error %v, want ErrNotFound", err)
	}
	WantNotFound(t, s, "UserByName", func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	WantNotFound(t, s, "PackageByRef", func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM("storetest-pkg")) })
	WantNotFound(t, s, "TokenByHash", func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash("storetest-hash") })
	WantNotFound(t, s, "Throttle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("storetest-throttle") })
	WantNotFound(t, s, "WebSession", func(tx store.Tx) (*core.WebSession, error) { return tx.WebSession("storetest-session") })
	WantNotFound(t, s, "EmailToken", func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("storetest-email-token") })
	WantNotFound(t, s, "GetMeta", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") })
	WantNotFound(t, s, "TOTP", func(tx store.Tx) (*core.TOTP, error) { return tx.TOTP(1) })
	if codes := Read(t, s, func(tx store.Tx) ([]string, error) { return tx.RecoveryCodes(1) }); len(codes) != 0 {
		t.Fatalf("RecoveryCodes = %q, want none", codes)
	}
	if ps := Read(t, s, func(tx store.Tx) ([]store.EmailPeriod, error) { return tx.EmailPeriodsSince(1, time.Time{}) }); len(ps) != 0 {
		t.Fatalf("EmailPeriodsSince = %v, want none", ps)
	}
}

func CheckDocument(t *testing.T, s store.Store, want *core.Document) {
	t.Helper()
	got, err := s.Document(t.Context(), want.Name, store.DocAll)
	if err != nil {
		t.Fatalf("Document(%s): %v", want.Name, err)
	}
	var d Diffs
	d.Eq("Name", got.Name, want.Name)
	d.Eq("ETag", got.ETag, want.ETag)
	d.Eq("Restricted", got.Restricted, want.Restricted)
	d.Eq("Full", string(got.Full), string(want.Full))
	d.Eq("FullGz", string(got.FullGz), string(want.FullGz))
	d.Eq("Abbrev", string(got.Abbrev), string(want.Abbrev))
	d.Eq("AbbrevGz", string(got.AbbrevGz), string(want.AbbrevGz))
	d.Check(t, "Document("+want.Name+")")
	// Each part reads its own form and nothing else.
	parts := []struct {
		part store.DocPart
		want []byte
		got  func(*core.Document) []byte
	}{
		{store.DocMeta, nil, func(*core.Document) []byte { return nil }},
		{store.DocFull, want.Full, func(d *core.Document) []byte { return d.Full }},
		{store.DocFullGz, want.FullGz, func(d *core.Document) []byte { return d.FullGz }},
		{store.DocAbbrev, want.Abbrev, func(d *core.Document) []byte { return d.Abbrev }},
		{store.DocAbbrevGz, want.AbbrevGz, func(d *core.Document) []byte { return d.AbbrevGz }},
	}
	for _, pt := range parts {
		got, err := s.Document(t.Context(), want.Name, pt.part)
		if err != nil {
			t.Fatalf("Document(%s, part %d): %v", want.Name, pt.part, err)
		}
		total := len(got.Full) + len(got.FullGz) + len(got.Abbrev) + len(got.AbbrevGz)
		if got.ETag != want.ETag || got.Restricted != want.Restricted || string(pt.got(got)) != string(pt.want) || total != len(pt.want) {
			t.Fatalf("Document(%s, part %d) = etag %q restricted %v, %d bytes in all; want etag %q restricted %v and only %d bytes of that part",
				want.Name, pt.part, got.ETag, got.Restricted, total, want.ETag, want.Restricted, len(pt.want))
		}
	}
}

func CheckVersions(t *testing.T, s store.Store, p *core.Package, want ...*core.Version) {
	t.Helper()
	got := Read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(got) != len(want) {
		var gotNames []string
		for _, v := range got {
			gotNames = append(gotNames, v.Version)
		}
		t.Fatalf("Versions(%s) = %q, want %d versions", p.Name, gotNames, len(want))
	}
	for i := range want {
		CheckVersion(t, fmt.Sprintf("Versions(%s)[%d]", p.Name, i), &got[i], want[i])
	}
}

func DistTags(t *testing.T, s store.Store, p *core.Package) map[string]string {
	t.Helper()
	return Read(t, s, func(tx store.Tx) (map[string]string, error) { return tx.DistTags(p.ID) })
}

func CheckTags(t *testing.T, s store.Store, p *core.Package, want map[string]string) {
	t.Helper()
	got := DistTags(t, s, p)
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Fatalf("DistTags(%s) = %v, want %v", p.Name, got, want)
	}
}

func MaintainerNames(t *testing.T, s store.Store, p *core.Package) []string {
	t.Helper()
	us := Read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.Maintainers(p.ID) })
	names := []string{}
	for _, u := range us {
		names = append(names, u.Name)
	}
	return names
}

func NewToken(user *core.User, key string, created time.Time) *core.Token {
	return &core.Token{
		Key:       key,
		UserID:    user.ID,
		Hash:      "hash-" + key,
		Mask:      "rmp_" + key[:min(4, len(key))],
		Name:      "token " + key,
		Kind:      core.TokenAPI,
		CreatedAt: created,
	}
}

func CreateToken(t *testing.T, s store.Store, tk *core.Token) *core.Token {
	t.Helper()
	Write(t, s, func(tx store.Tx) error { return tx.CreateToken(tk) })
	return tk
}
