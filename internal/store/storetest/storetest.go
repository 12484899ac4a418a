// Package storetest is the conformance suite for metadata stores. Every
// backend of store.Store runs it in one line:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openFresh(t) })
//	}
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

// Run runs the conformance suite. open is called once per subtest and must
// return a new, empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	type test struct {
		name string
		f    func(t *testing.T, s store.Store)
	}
	groups := []struct {
		name  string
		tests []test
	}{
		{"Empty", []test{{"Fresh", testEmpty}}},
		{"Users", []test{
			{"CreateAndLookup", testUsersCreateAndLookup},
			{"Conflicts", testUsersConflicts},
			{"Update", testUsersUpdate},
			{"PasswordCompromised", testUsersPasswordCompromised},
			{"UnverifiedEmailClaims", testUnverifiedEmailClaims},
		}},
		{"Tokens", []test{
			{"CreateAndLookup", testTokensCreateAndLookup},
			{"ByUser", testTokensByUser},
			{"Revoke", testTokensRevoke},
			{"Conflicts", testTokensConflicts},
		}},
		{"Packages", []test{
			{"CreateAndUpdate", testPackagesCreateAndUpdate},
			{"PerEcosystem", testPackagesPerEcosystem},
			{"UpdateAtRevision", testUpdatePackageAt},
			{"Versions", testVersions},
			{"VersionsAreForever", testVersionsAreForever},
			{"UpdateVersion", testUpdateVersion},
			{"DistTags", testDistTags},
			{"Maintainers", testMaintainers},
			{"Dependents", testDependents},
			{"Search", testSearch},
			{"SearchPaging", testSearchPaging},
			{"SearchLiteralMetacharacters", testSearchLiteral},
			{"SearchHitFields", testSearchHitFields},
			{"AllPackageNames", testAllPackageNames},
		}},
		{"Transactions", []test{
			{"RollbackNewData", testRollbackNewData},
			{"RollbackChanges", testRollbackChanges},
			{"ViewSeesCommitted", testViewSeesCommitted},
			{"ViewIsReadOnly", testViewIsReadOnly},
			{"Documents", testDocuments},
		}},
		{"Events", []test{
			{"Append", testEventsAppend},
			{"RolledBack", testEventsRolledBack},
			{"ByActor", testEventsByActor},
		}},
		{"Downloads", []test{{"Accumulate", testDownloads}, {"Critical", testCritical}, {"CountOncePerSource", testCountDownload}, {"CriticalGrace", testCriticalGrace}}},
		{"Throttles", []test{{"RoundTrip", testThrottles}}},
		{"Sweep", []test{{"ExpiredAndIdle", testSweep}}},
		{"WebSessions", []test{{"RoundTrip", testWebSessions}, {"DeleteByUser", testWebSessionsByUser}, {"ListByUser", testWebSessionsOf}, {"MFAAndPending", testWebSessionsMFA}}},
		{"SecondFactors", []test{
			{"TOTPRoundTrip", testTOTPRoundTrip},
			{"TOTPStepCompareAndSwap", testTOTPStepCAS},
			{"TOTPStepConcurrent", testTOTPStepConcurrent},
			{"RecoveryCodes", testRecoveryCodes},
			{"RecoveryCodeConcurrent", testRecoveryCodeConcurrent},
			{"TokenMFA", testTokenMFA},
		}},
		{"EmailTokens", []test{
			{"RoundTrip", testEmailTokens},
			{"SingleUse", testEmailTokensSingleUse},
			{"Expire", testEmailTokensExpire},
			{"ChangePurpose", testEmailTokensChangePurpose},
		}},
		{"EmailDomains", []test{
			{"RoundTrip", testEmailDomainStatus},
			{"RolledBack", testEmailDomainStatusRolledBack},
			{"DueForCheck", testUsersDueForDomainCheck},
		}},
		{"WebAuthn", []test{
			{"Credentials", testWebAuthnCredentials},
			{"Ceremonies", testWebAuthnCeremonies},
			{"CLILogins", testCLILogins},
		}},
		{"SessionEnds", []test{
			{"SignedInAt", testWebSessionSignedIn},
			{"CLILoginsByUser", testCLILoginsByUser},
			{"WebOTPPurpose", testWebOTPPurpose},
			{"LiveEmailToken", testLiveEmailToken},
		}},
		{"Devices", []test{{"Touch", testDevices}}},
		{"Recoveries", []test{{"Lifecycle", testRecoveries}}},
		{"EmailHistory", []test{{"Lifecycle", testEmailHistory}, {"Concurrent", testEmailHistoryConcurrent}}},
		{"Meta", []test{{"RoundTrip", testMeta}}},
		{"Files", []test{{"Refs", testFileRefs}}},
		{"Concurrency", []test{{"SameVersion", testConcurrentSameVersion}}},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.f(t, open(t))
				})
			}
		})
	}
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

// ---- empty ----

func testEmpty(t *testing.T, s store.Store) {
	checkEmpty(t, s)
	wantNotFound(t, s, "UserByID", func(tx store.Tx) (*core.User, error) { return tx.UserByID(1) })
	wantNotFound(t, s, "UserByEmail", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("alice@example.com") })
}

// ---- users ----

func testUsersCreateAndLookup(t *testing.T, s store.Store) {
	alice := newUser("alice")
	bob := newUser("bob")
	bob.Admin = true
	bob.EmailVerified = false
	bob.DisabledAt = at(time.Hour)
	bob.CreatedAt = at(time.Minute).In(time.FixedZone("IST", 5*3600+1800))
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(alice); err != nil {
			return err
		}
		return tx.CreateUser(bob)
	})
	if alice.ID == 0 || bob.ID == 0 || alice.ID == bob.ID {
		t.Fatalf("CreateUser set IDs %d and %d, want distinct non-zero IDs", alice.ID, bob.ID)
	}
	for _, want := range []*core.User{alice, bob} {
		got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(want.ID) })
		checkUser(t, "UserByID", got, want)
		got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName(want.Name) })
		checkUser(t, "UserByName", got, want)
		for _, email := range []string{want.Email, strings.ToUpper(want.Email), strings.ToLower(want.Email)} {
			if !want.EmailVerified { // an unverified address is only a claim (emailclaims.go)
				wantNotFound(t, s, "UserByEmail(unverified "+email+")", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(email) })
				continue
			}
			got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(email) })
			checkUser(t, "UserByEmail("+email+")", got, want)
		}
	}
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
	wantNotFound(t, s, "UserByID(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByID(bob.ID + 1000) })
	wantNotFound(t, s, "UserByName(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("carol") })
	wantNotFound(t, s, "UserByEmail(unknown)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("carol@example.com") })
}

func testUsersConflicts(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")

	sameName := newUser("alice")
	sameName.Email = "someone-else@example.com"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(sameName) })
	wantErr(t, err, core.ErrConflict, "CreateUser with a taken name")

	sameEmail := newUser("alice2")
	sameEmail.Email = "ALICE@example.COM"
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateUser(sameEmail) })
	wantErr(t, err, core.ErrConflict, "CreateUser with a taken email in another case")

	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 1 {
		t.Fatalf("CountUsers after conflicts = %d, want 1", n)
	}
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	checkUser(t, "alice after conflicts", got, alice)
	wantNotFound(t, s, "UserByName(alice2)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice2") })
}

func testUsersUpdate(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")

	changed := *alice
	changed.Name = "mallory" // not updatable
	changed.CreatedAt = at(48 * time.Hour)
	changed.Email = "Alice.New@Example.org"
	changed.PasswordHash = "$argon2id$new"
	changed.EmailVerified = false
	changed.Admin = true
	changed.DisabledAt = at(2 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&changed) })

	want := changed
	want.Name, want.CreatedAt = alice.Name, alice.CreatedAt
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "UserByID after UpdateUser", got, &want)
	// Unverified, the new address is only a claim (emailclaims.go).
	wantNotFound(t, s, "UserByEmail(new, unverified email) after UpdateUser", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail("alice.new@example.org") })
	wantNotFound(t, s, "UserByEmail(old email)", func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(alice.Email) })
	wantNotFound(t, s, "UserByName(mallory)", func(tx store.Tx) (*core.User, error) { return tx.UserByName("mallory") })

	// Re-enabling stores the zero time again.
	want.DisabledAt = time.Time{}
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&want) })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "UserByID after re-enabling", got, &want)
	if got.Disabled() {
		t.Fatalf("user still disabled after clearing DisabledAt: %v", got.DisabledAt)
	}

	// Verified emails stay unique, ignoring case, through updates too.
	steal := want
	steal.Email, steal.EmailVerified = strings.ToUpper(bob.Email), true
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateUser(&steal) })
	wantErr(t, err, core.ErrConflict, "UpdateUser to another user's email")
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "alice after conflicting UpdateUser", got, &want)
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByEmail(bob.Email) })
	checkUser(t, "bob after conflicting UpdateUser", got, bob)
}

// ---- tokens ----

func newToken(user *core.User, key string, created time.Time) *core.Token {
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

func createToken(t *testing.T, s store.Store, tk *core.Token) *core.Token {
	t.Helper()
	write(t, s, func(tx store.Tx) error { return tx.CreateToken(tk) })
	return tk
}

func testTokensCreateAndLookup(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	full := newToken(alice, "key-full", at(time.Minute).In(time.FixedZone("PST", -8*3600)))
	full.Kind = core.TokenSession
	full.Actions = []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	full.Packages = []string{"left-pad", "@acme/*"}
	full.CIDRs = []string{"10.0.0.0/8", "2001:db8::/32"}
	full.ExpiresAt = at(30 * 24 * time.Hour)
	bare := newToken(alice, "key-bare", at(2*time.Minute))
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateToken(full); err != nil {
			return err
		}
		return tx.CreateToken(bare)
	})
	if full.ID == 0 || bare.ID == 0 || full.ID == bare.ID {
		t.Fatalf("CreateToken set IDs %d and %d, want distinct non-zero IDs", full.ID, bare.ID)
	}
	for _, want := range []*core.Token{full, bare} {
		got := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(want.Hash) })
		checkToken(t, "TokenByHash("+want.Hash+")", got, want)
	}
	wantNotFound(t, s, "TokenByHash(unknown)", func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash("hash-unknown") })
}

func testTokensByUser(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	carol := createUser(t, s, "carol")
	// Created out of order: newest first means by CreatedAt.
	t1 := createToken(t, s, newToken(alice, "a1", at(1*time.Hour)))
	t3 := newToken(alice, "a3", at(3*time.Hour))
	t3.RevokedAt = at(4 * time.Hour)
	createToken(t, s, t3)
	t2 := createToken(t, s, newToken(alice, "a2", at(2*time.Hour)))
	b1 := createToken(t, s, newToken(bob, "b1", at(5*time.Hour)))

	got := read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(alice.ID) })
	want := []*core.Token{t3, t2, t1}
	if len(got) != len(want) {
		t.Fatalf("TokensByUser(alice) returned %d tokens, want %d", len(got), len(want))
	}
	for i := range want {
		checkToken(t, fmt.Sprintf("TokensByUser(alice)[%d]", i), &got[i], want[i])
	}
	got = read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(bob.ID) })
	if len(got) != 1 {
		t.Fatalf("TokensByUser(bob) returned %d tokens, want 1", len(got))
	}
	checkToken(t, "TokensByUser(bob)[0]", &got[0], b1)
	got = read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(carol.ID) })
	if len(got) != 0 {
		t.Fatalf("TokensByUser(carol) returned %d tokens, want none", len(got))
	}
}

func testTokensRevoke(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	a1 := createToken(t, s, newToken(alice, "a1", at(time.Hour)))
	a2 := createToken(t, s, newToken(alice, "a2", at(2*time.Hour)))

	first := at(10 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.RevokeToken(alice.ID, a1.Key, first) })
	want := *a1
	want.RevokedAt = first
	got := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a1.Hash) })
	checkToken(t, "token after RevokeToken", got, &want)

	write(t, s, func(tx store.Tx) error { return tx.RevokeToken(alice.ID, a1.Key, at(20*time.Hour)) })
	got = read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a1.Hash) })
	checkToken(t, "token after a second RevokeToken (keeps the first time)", got, &want)

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeToken(alice.ID, "no-such-key", first) })
	wantErr(t, err, core.ErrNotFound, "RevokeToken(unknown key)")

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeToken(bob.ID, a2.Key, first) })
	wantErr(t, err, core.ErrNotFound, "RevokeToken of another user's token")
	got = read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a2.Hash) })
	checkToken(t, "token after another user tried to revoke it", got, a2)
}

func testTokensConflicts(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	orig := createToken(t, s, newToken(alice, "key-1", at(time.Hour)))

	dupHash := newToken(alice, "key-2", at(2*time.Hour))
	dupHash.Hash = orig.Hash
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateToken(dupHash) })
	wantErr(t, err, core.ErrConflict, "CreateToken with a taken hash")

	dupKey := newToken(alice, orig.Key, at(3*time.Hour))
	dupKey.Hash = "hash-other"
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateToken(dupKey) })
	wantErr(t, err, core.ErrConflict, "CreateToken with a taken key")

	got := read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(alice.ID) })
	if len(got) != 1 {
		t.Fatalf("TokensByUser after conflicts returned %d tokens, want 1", len(got))
	}
	checkToken(t, "token after conflicts", &got[0], orig)
}

// ---- packages ----

func testPackagesCreateAndUpdate(t *testing.T, s store.Store) {
	p := newPackage("left-pad")
	p.Keywords = "pad string"
	p.Access = "restricted"
	createPackage(t, s, p)
	q := createPackage(t, s, newPackage("@acme/util"))
	if p.ID == 0 || q.ID == 0 || p.ID == q.ID {
		t.Fatalf("CreatePackage set IDs %d and %d, want distinct non-zero IDs", p.ID, q.ID)
	}
	got := read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "PackageByRef", got, p)
	wantNotFound(t, s, "PackageByRef(unknown)", func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM("right-pad")) })

	dup := newPackage("left-pad")
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreatePackage(dup) })
	wantErr(t, err, core.ErrConflict, "CreatePackage with a taken name")
	got = read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "package after conflicting CreatePackage", got, p)

	changed := *p
	changed.ModifiedAt = at(time.Hour)
	changed.Rev = 7
	changed.Access = "public"
	changed.Description = "now with padding"
	changed.Keywords = "pad left string"
	changed.UnpublishedAt = at(2 * time.Hour)
	changed.NameReleasedAt = at(3 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdatePackage(&changed) })
	got = read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "PackageByRef after UpdatePackage", got, &changed)
	got = read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(q.Name)) })
	checkPackage(t, "other package after UpdatePackage", got, q)
}

func checkVersions(t *testing.T, s store.Store, p *core.Package, want ...*core.Version) {
	t.Helper()
	got := read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(got) != len(want) {
		var gotNames []string
		for _, v := range got {
			gotNames = append(gotNames, v.Version)
		}
		t.Fatalf("Versions(%s) = %q, want %d versions", p.Name, gotNames, len(want))
	}
	for i := range want {
		checkVersion(t, fmt.Sprintf("Versions(%s)[%d]", p.Name, i), &got[i], want[i])
	}
}

func testVersions(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	p := createPackage(t, s, newPackage("left-pad"))
	q := createPackage(t, s, newPackage("right-pad"))
	// Published in this order; neither string nor semver order matches it.
	v2 := newVersion(p, "2.0.0", alice.ID, at(time.Hour), "lodash")
	v10 := newVersion(p, "10.0.0", alice.ID, at(2*time.Hour))
	v15 := newVersion(p, "1.5.0", alice.ID, at(3*time.Hour).In(time.FixedZone("CET", 3600)))
	v15.Deprecated = "backport; use 10.x"
	for _, v := range []*core.Version{v2, v10, v15} {
		insertVersion(t, s, v)
	}
	checkVersions(t, s, p, v2, v10, v15)
	checkVersions(t, s, q)

	// The same version string in another package is no conflict.
	qv := newVersion(q, "2.0.0", alice.ID, at(4*time.Hour))
	insertVersion(t, s, qv)
	checkVersions(t, s, q, qv)
	checkVersions(t, s, p, v2, v10, v15)

	// Version reads one version whole; VersionFile the same minus the manifest.
	one := read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "10.0.0") })
	checkVersion(t, "Version(10.0.0)", one, v10)
	file := read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.VersionFile(p.ID, "10.0.0") })
	if file.Manifest != nil || file.Digest != v10.Digest || file.Integrity != v10.Integrity || file.Size != v10.Size ||
		!file.PublishedAt.Equal(v10.PublishedAt.Truncate(time.Millisecond)) || !file.UnpublishedAt.IsZero() {
		t.Fatalf("VersionFile(10.0.0) = %+v; want the file fields of %+v and no manifest", file, v10)
	}
	wantNotFound(t, s, "Version of an unknown version", func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "9.9.9") })
	wantNotFound(t, s, "VersionFile of an unknown version", func(tx store.Tx) (*core.Version, error) { return tx.VersionFile(p.ID, "9.9.9") })
}

func testVersionsAreForever(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	p := createPackage(t, s, newPackage("left-pad"))
	v := newVersion(p, "1.0.0", alice.ID, at(time.Hour))
	insertVersion(t, s, v)

	again := newVersion(p, "1.0.0", alice.ID, at(2*time.Hour))
	again.Digest = "another-digest"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertVersion(again) })
	wantErr(t, err, core.ErrConflict, "InsertVersion of a live version")
	checkVersions(t, s, p, v)

	unpub := *v
	unpub.UnpublishedAt = at(3 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&unpub) })
	checkVersions(t, s, p, &unpub)

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertVersion(again) })
	wantErr(t, err, core.ErrConflict, "InsertVersion of an unpublished version")
	checkVersions(t, s, p, &unpub)
}

func testUpdateVersion(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	p := createPackage(t, s, newPackage("left-pad"))
	v1 := newVersion(p, "1.0.0", alice.ID, at(time.Hour))
	v2 := newVersion(p, "2.0.0", alice.ID, at(2*time.Hour))
	insertVersion(t, s, v1)
	insertVersion(t, s, v2)

	// Every field but Deprecated and UnpublishedAt is ignored.
	upd := *v1
	upd.Manifest = json.RawMessage(`{"name":"evil","version":"6.6.6"}`)
	upd.Integrity, upd.Shasum, upd.Digest = "sha512-x", "x", "x"
	upd.Size, upd.FileCount, upd.UnpackedSize = 1, 1, 1
	upd.PublisherID = bob.ID
	upd.PublishedAt = at(99 * time.Hour)
	upd.Deprecated = "use 2.0.0"
	upd.UnpublishedAt = at(5 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&upd) })

	want := *v1
	want.Deprecated, want.UnpublishedAt = upd.Deprecated, upd.UnpublishedAt
	checkVersions(t, s, p, &want, v2)

	// Undeprecating stores the empty string again.
	want.Deprecated = ""
	write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&want) })
	checkVersions(t, s, p, &want, v2)
}

func distTags(t *testing.T, s store.Store, p *core.Package) map[string]string {
	t.Helper()
	return read(t, s, func(tx store.Tx) (map[string]string, error) { return tx.DistTags(p.ID) })
}

func checkTags(t *testing.T, s store.Store, p *core.Package, want map[string]string) {
	t.Helper()
	got := distTags(t, s, p)
	if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
		t.Fatalf("DistTags(%s) = %v, want %v", p.Name, got, want)
	}
}

func testDistTags(t *testing.T, s store.Store) {
	p := createPackage(t, s, newPackage("left-pad"))
	q := createPackage(t, s, newPackage("right-pad"))
	checkTags(t, s, p, nil)

	write(t, s, func(tx store.Tx) error {
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "beta", "2.0.0-beta.1"); err != nil {
			return err
		}
		return tx.SetDistTag(q.ID, "latest", "9.9.9")
	})
	checkTags(t, s, p, map[string]string{"latest": "1.0.0", "beta": "2.0.0-beta.1"})

	write(t, s, func(tx store.Tx) error { return tx.SetDistTag(p.ID, "latest", "1.1.0") })
	checkTags(t, s, p, map[string]string{"latest": "1.1.0", "beta": "2.0.0-beta.1"})

	write(t, s, func(tx store.Tx) error { return tx.DeleteDistTag(p.ID, "beta") })
	checkTags(t, s, p, map[string]string{"latest": "1.1.0"})

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteDistTag(p.ID, "beta") })
	wantErr(t, err, core.ErrNotFound, "DeleteDistTag of a deleted tag")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteDistTag(q.ID, "next") })
	wantErr(t, err, core.ErrNotFound, "DeleteDistTag of a tag another package has")
	checkTags(t, s, q, map[string]string{"latest": "9.9.9"})

	write(t, s, func(tx store.Tx) error { return tx.DeleteDistTag(p.ID, "latest") })
	checkTags(t, s, p, nil)
	checkTags(t, s, q, map[string]string{"latest": "9.9.9"})
}

func maintainerNames(t *testing.T, s store.Store, p *core.Package) []string {
	t.Helper()
	us := read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.Maintainers(p.ID) })
	names := []string{}
	for _, u := range us {
		names = append(names, u.Name)
	}
	return names
}

// packageNames returns the names of the user's packages, sorted: the
// contract does not fix their order.
func packageNames(t *testing.T, s store.Store, u *core.User) []string {
	t.Helper()
	ps := read(t, s, func(tx store.Tx) ([]core.Package, error) { return tx.PackagesByMaintainer(u.ID) })
	names := []string{}
	for _, p := range ps {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

func testMaintainers(t *testing.T, s store.Store) {
	carol := createUser(t, s, "carol")
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	p := createPackage(t, s, newPackage("left-pad"))
	q := createPackage(t, s, newPackage("right-pad"))
	r := createPackage(t, s, newPackage("no-owners"))

	write(t, s, func(tx store.Tx) error {
		for _, u := range []*core.User{carol, alice, bob} {
			if err := tx.AddMaintainer(p.ID, u.ID, at(time.Hour)); err != nil {
				return err
			}
		}
		return tx.AddMaintainer(q.ID, alice.ID, at(time.Hour))
	})
	if got, want := maintainerNames(t, s, p), []string{"alice", "bob", "carol"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers = %q, want %q", got, want)
	}
	us := read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.Maintainers(p.ID) })
	checkUser(t, "Maintainers[0]", &us[0], alice)
	if got := maintainerNames(t, s, r); len(got) != 0 {
		t.Fatalf("Maintainers of a package without any = %q, want none", got)
	}

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AddMaintainer(p.ID, alice.ID, at(2*time.Hour)) })
	wantErr(t, err, core.ErrConflict, "AddMaintainer twice")

	if got, want := packageNames(t, s, alice), []string{"left-pad", "right-pad"}; !slices.Equal(got, want) {
		t.Fatalf("PackagesByMaintainer(alice) = %q, want %q", got, want)
	}
	if got, want := packageNames(t, s, bob), []string{"left-pad"}; !slices.Equal(got, want) {
		t.Fatalf("PackagesByMaintainer(bob) = %q, want %q", got, want)
	}

	write(t, s, func(tx store.Tx) error { return tx.RemoveMaintainer(p.ID, bob.ID) })
	if got, want := maintainerNames(t, s, p), []string{"alice", "carol"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers after RemoveMaintainer = %q, want %q", got, want)
	}
	if got := packageNames(t, s, bob); len(got) != 0 {
		t.Fatalf("PackagesByMaintainer(bob) after removal = %q, want none", got)
	}
	if got, want := maintainerNames(t, s, q), []string{"alice"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers of the other package = %q, want %q", got, want)
	}
}

func testDependents(t *testing.T, s store.Store) {
	u := createUser(t, s, "alice")
	pkgs := map[string]*core.Package{}
	for _, name := range []string{"lib", "a", "b", "c", "d", "e", "f"} {
		pkgs[name] = createPackage(t, s, newPackage(name))
	}
	unpublished := func(v *core.Version) *core.Version {
		v.UnpublishedAt = v.PublishedAt.Add(time.Minute)
		return v
	}
	for _, v := range []*core.Version{
		// a: one live version depends on lib. Counts.
		newVersion(pkgs["a"], "1.0.0", u.ID, at(1*time.Hour), "lib", "other"),
		// b: two live versions depend on lib. Counts once.
		newVersion(pkgs["b"], "1.0.0", u.ID, at(2*time.Hour), "lib"),
		newVersion(pkgs["b"], "2.0.0", u.ID, at(3*time.Hour), "lib"),
		// c: only an unpublished version depends on lib. Does not count.
		unpublished(newVersion(pkgs["c"], "1.0.0", u.ID, at(4*time.Hour), "lib")),
		// lib depends on itself. Does not count.
		newVersion(pkgs["lib"], "1.0.0", u.ID, at(5*time.Hour), "lib"),
		// d depends on something else. Does not count.
		newVersion(pkgs["d"], "1.0.0", u.ID, at(6*time.Hour), "other"),
		// e: the version that depended on lib is unpublished; the live one does not.
		unpublished(newVersion(pkgs["e"], "1.0.0", u.ID, at(7*time.Hour), "lib")),
		newVersion(pkgs["e"], "2.0.0", u.ID, at(8*time.Hour)),
		// f: a live version depends on lib, and so does an unpublished one. Counts.
		unpublished(newVersion(pkgs["f"], "1.0.0", u.ID, at(9*time.Hour), "lib")),
		newVersion(pkgs["f"], "2.0.0", u.ID, at(10*time.Hour), "lib"),
	} {
		insertVersion(t, s, v)
	}
	dependents := func(name string) int {
		t.Helper()
		return read(t, s, func(tx store.Tx) (int, error) { return tx.Dependents(name) })
	}
	if n := dependents("lib"); n != 3 {
		t.Fatalf("Dependents(lib) = %d, want 3 (a, b and f)", n)
	}
	if n := dependents("other"); n != 2 {
		t.Fatalf("Dependents(other) = %d, want 2 (a and d)", n)
	}
	if n := dependents("nobody-uses-this"); n != 0 {
		t.Fatalf("Dependents(nobody-uses-this) = %d, want 0", n)
	}

	// Unpublishing b's versions one by one: b counts until the last goes.
	b := pkgs["b"]
	vs := read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(b.ID) })
	vs[0].UnpublishedAt = at(20 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&vs[0]) })
	if n := dependents("lib"); n != 3 {
		t.Fatalf("Dependents(lib) after unpublishing one of b's versions = %d, want 3", n)
	}
	vs[1].UnpublishedAt = at(21 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&vs[1]) })
	if n := dependents("lib"); n != 2 {
		t.Fatalf("Dependents(lib) after unpublishing all of b = %d, want 2", n)
	}
}

// searchFixture creates packages to search, and one unpublished package
// that matches nearly every query.
func searchFixture(t *testing.T, s store.Store) {
	t.Helper()
	for _, p := range []struct{ name, desc, keywords string }{
		{"react", "a javascript library for building user interfaces", "ui view"},
		{"react-dom", "entry point to the dom", "dom"},
		{"preact", "fast 3kb alternative with the same api", "ui vdom"},
		{"vue", "progressive framework", "ui view frontend"},
		{"snake_case", "convert strings", "string"},
		{"snakexcase", "decoy for the underscore", ""},
		{"percent", "makes 100% of builds pass", ""},
		{"percent-decoy", "makes 1000 builds pass", ""},
	} {
		pkg := newPackage(p.name)
		pkg.Description, pkg.Keywords = p.desc, p.keywords
		createPackage(t, s, pkg)
	}
	gone := newPackage("old-react")
	gone.Description = "react ui view 100% snake_case"
	gone.Keywords = "react ui view frontend progressive"
	gone.UnpublishedAt = at(time.Hour)
	createPackage(t, s, gone)
}

func search(t *testing.T, s store.Store, terms []string, limit, offset int) ([]string, int) {
	t.Helper()
	type result struct {
		hits  []core.SearchHit
		total int
	}
	r := read(t, s, func(tx store.Tx) (result, error) {
		hits, total, err := tx.Search(terms, limit, offset)
		return result{hits, total}, err
	})
	names := []string{}
	for _, h := range r.hits {
		names = append(names, h.Name)
	}
	return names, r.total
}

// sorted returns a sorted copy.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func testSearch(t *testing.T, s store.Store) {
	searchFixture(t, s)
	for _, tc := range []struct {
		terms []string
		want  []string // any order
	}{
		{[]string{"react"}, []string{"preact", "react", "react-dom"}},      // names
		{[]string{"progressive"}, []string{"vue"}},                         // description only
		{[]string{"frontend"}, []string{"vue"}},                            // keywords only
		{[]string{"ui", "view"}, []string{"react", "vue"}},                 // every term required
		{[]string{"react", "interfaces"}, []string{"react"}},               // name and description
		{[]string{"vdom", "fast", "preact"}, []string{"preact"}},           // all three fields
		{[]string{"nothing-matches-this"}, nil},                            // nothing
		{[]string{"react", "nothing-matches-this"}, nil},                   // one term misses
		{[]string{"string"}, []string{"snake_case"}},                       // keyword
		{[]string{"entry", "dom", "react-dom"}, []string{"react-dom"}},     // exact name among terms
		{[]string{"view", "ui", "frontend"}, []string{"vue"}},              // order of terms irrelevant
		{[]string{"pass", "builds"}, []string{"percent", "percent-decoy"}}, // shared words
	} {
		got, total := search(t, s, tc.terms, 100, 0)
		if want := sorted(orEmpty(tc.want)); !slices.Equal(sorted(got), want) || total != len(want) {
			t.Errorf("Search(%q) = %q, total %d; want %q, total %d", tc.terms, got, total, want, len(want))
		}
	}

	// The exact name comes first, though it sorts after preact.
	if got, _ := search(t, s, []string{"react"}, 100, 0); len(got) == 0 || got[0] != "react" {
		t.Errorf("Search(react) = %q, want the exact name react first", got)
	}
	if got, _ := search(t, s, []string{"vue"}, 100, 0); len(got) == 0 || got[0] != "vue" {
		t.Errorf("Search(vue) = %q, want vue first", got)
	}
}

func testSearchPaging(t *testing.T, s store.Store) {
	searchFixture(t, s)
	all, total := search(t, s, []string{"react"}, 100, 0)
	if total != 3 || len(all) != 3 {
		t.Fatalf("Search(react) = %q, total %d; want 3 hits", all, total)
	}
	var paged []string
	for offset := 0; offset < 4; offset += 2 {
		page, total := search(t, s, []string{"react"}, 2, offset)
		if total != 3 {
			t.Fatalf("Search(react, limit 2, offset %d): total %d, want 3", offset, total)
		}
		if want := min(2, 3-offset); len(page) != want {
			t.Fatalf("Search(react, limit 2, offset %d) = %q, want %d hits", offset, page, want)
		}
		paged = append(paged, page...)
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("pages of Search(react) = %q, want %q as one page gives", paged, all)
	}
	page, total := search(t, s, []string{"react"}, 2, 10)
	if len(page) != 0 || total != 3 {
		t.Fatalf("Search(react, offset past the end) = %q, total %d; want none, total 3", page, total)
	}
	page, total = search(t, s, []string{"react"}, 1, 0)
	if !slices.Equal(page, []string{"react"}) || total != 3 {
		t.Fatalf("Search(react, limit 1) = %q, total %d; want [react], total 3", page, total)
	}
}

func testSearchLiteral(t *testing.T, s store.Store) {
	searchFixture(t, s)
	for _, tc := range []struct {
		terms []string
		want  []string
	}{
		{[]string{"%"}, []string{"percent"}},
		{[]string{"100%"}, []string{"percent"}},
		{[]string{"_"}, []string{"snake_case"}},
		{[]string{"e_c"}, []string{"snake_case"}},
		{[]string{"%", "_"}, nil},
		{[]string{`\`}, nil},
		{[]string{`\%`}, nil},
	} {
		got, total := search(t, s, tc.terms, 100, 0)
		if want := orEmpty(tc.want); !slices.Equal(sorted(got), want) || total != len(want) {
			t.Errorf("Search(%q) = %q, total %d; want %q, total %d", tc.terms, got, total, want, len(want))
		}
	}
}

func testSearchHitFields(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	p := newPackage("widget")
	p.Description, p.Keywords = "makes widgets", "widget gadget"
	createPackage(t, s, p)
	insertVersion(t, s, newVersion(p, "1.0.0", alice.ID, at(time.Hour)))
	insertVersion(t, s, newVersion(p, "2.0.0", bob.ID, at(2*time.Hour)))
	write(t, s, func(tx store.Tx) error {
		for _, u := range []*core.User{bob, alice} {
			if err := tx.AddMaintainer(p.ID, u.ID, at(time.Hour)); err != nil {
				return err
			}
		}
		if err := tx.SetDistTag(p.ID, "beta", "1.0.0"); err != nil {
			return err
		}
		return tx.SetDistTag(p.ID, "latest", "2.0.0")
	})
	type result struct {
		hits  []core.SearchHit
		total int
	}
	r := read(t, s, func(tx store.Tx) (result, error) {
		hits, total, err := tx.Search([]string{"widget"}, 10, 0)
		return result{hits, total}, err
	})
	if len(r.hits) != 1 || r.total != 1 {
		t.Fatalf("Search(widget) returned %d hits, total %d; want 1", len(r.hits), r.total)
	}
	h := r.hits[0]
	var d diffs
	d.eq("Name", h.Name, "widget")
	d.eq("Version", h.Version, "2.0.0")
	d.eq("Description", h.Description, p.Description)
	d.eq("Keywords", h.Keywords, p.Keywords)
	d.eq("Publisher", h.Publisher, "bob")
	d.eq("Maintainers", sorted(h.Maintainers), []string{"alice", "bob"})
	d.check(t, "SearchHit")
}

func testAllPackageNames(t *testing.T, s store.Store) {
	want := []string{"@acme/util", "left-pad", "right-pad", "tombstoned"}
	for _, name := range []string{"right-pad", "tombstoned", "left-pad", "@acme/util"} {
		p := newPackage(name)
		if name == "tombstoned" {
			p.UnpublishedAt = at(time.Hour)
		}
		createPackage(t, s, p)
	}
	got := read(t, s, func(tx store.Tx) ([]string, error) { return tx.AllPackageNames() })
	if !slices.Equal(sorted(got), want) {
		t.Fatalf("AllPackageNames = %q, want %q in any order", got, want)
	}
}

// ---- transactions ----

var errRollback = errors.New("storetest: roll back")

func testRollbackNewData(t *testing.T, s store.Store) {
	err := s.Update(t.Context(), func(tx store.Tx) error {
		u := newUser("alice")
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := tx.CreateToken(newToken(u, "storetest-key", t0)); err != nil {
			return err
		}
		p := newPackage("storetest-pkg")
		if err := tx.CreatePackage(p); err != nil {
			return err
		}
		if err := tx.InsertVersion(newVersion(p, "1.0.0", u.ID, t0, "dep")); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, u.ID, t0); err != nil {
			return err
		}
		if err := tx.AddDownloads(p.ID, t0, 5); err != nil {
			return err
		}
		if err := tx.PutDocument(&core.Document{Name: p.Name, ETag: `"1"`, Full: []byte("{}"), FullGz: []byte("gz"), Abbrev: []byte("{}"), AbbrevGz: []byte("gz")}); err != nil {
			return err
		}
		if err := tx.AppendEvent(&core.Event{At: t0, Type: core.EventPublish, Actor: u.Name, Package: p.Name, Version: "1.0.0", Data: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		if err := tx.PutThrottle(&core.Throttle{Key: "storetest-throttle", Failures: 1, LastFailure: t0}); err != nil {
			return err
		}
		if err := tx.CreateWebSession(&core.WebSession{IDHash: "storetest-session", UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)}); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "value"); err != nil {
			return err
		}
		// What was written is visible inside the transaction.
		if _, err := tx.UserByName("alice"); err != nil {
			return fmt.Errorf("reading own write: %w", err)
		}
		return errRollback
	})
	wantErr(t, err, errRollback, "Update whose function failed")
	checkEmpty(t, s)
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.Dependents("dep") }); n != 0 {
		t.Fatalf("Dependents(dep) after a rolled-back InsertVersion = %d, want 0", n)
	}
}

func testRollbackChanges(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	p := createPackage(t, s, newPackage("left-pad"))
	v := newVersion(p, "1.0.0", alice.ID, t0)
	insertVersion(t, s, v)
	tk := createToken(t, s, newToken(alice, "key-1", t0))
	doc := &core.Document{Name: p.Name, ETag: `"1"`, Full: []byte(`{"v":1}`), FullGz: []byte("gz1"), Abbrev: []byte(`{"a":1}`), AbbrevGz: []byte("agz1")}
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, alice.ID, t0); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "before"); err != nil {
			return err
		}
		if err := tx.PutThrottle(&core.Throttle{Key: "storetest-throttle", Failures: 1, LastFailure: t0}); err != nil {
			return err
		}
		return tx.PutDocument(doc)
	})

	err := s.Update(t.Context(), func(tx store.Tx) error {
		changed := *alice
		changed.Email, changed.Admin = "changed@example.com", true
		if err := tx.UpdateUser(&changed); err != nil {
			return err
		}
		cp := *p
		cp.Rev, cp.Description = 99, "changed"
		if err := tx.UpdatePackage(&cp); err != nil {
			return err
		}
		cv := *v
		cv.Deprecated, cv.UnpublishedAt = "changed", at(time.Hour)
		if err := tx.UpdateVersion(&cv); err != nil {
			return err
		}
		if err := tx.RevokeToken(alice.ID, tk.Key, at(time.Hour)); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "latest", "6.6.6"); err != nil {
			return err
		}
		if err := tx.AddMaintainer(p.ID, bob.ID, t0); err != nil {
			return err
		}
		if err := tx.RemoveMaintainer(p.ID, alice.ID); err != nil {
			return err
		}
		if err := tx.SetMeta("storetest.key", "after"); err != nil {
			return err
		}
		if err := tx.DeleteThrottle("storetest-throttle"); err != nil {
			return err
		}
		if err := tx.DeleteDocument(p.Name); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, err, errRollback, "Update whose function failed")

	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "user after rolled-back UpdateUser", got, alice)
	gp := read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	checkPackage(t, "package after rolled-back UpdatePackage", gp, p)
	checkVersions(t, s, p, v)
	gt := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(tk.Hash) })
	checkToken(t, "token after rolled-back RevokeToken", gt, tk)
	checkTags(t, s, p, map[string]string{"latest": "1.0.0"})
	if got, want := maintainerNames(t, s, p), []string{"alice"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers after rolled-back changes = %q, want %q", got, want)
	}
	if got := read(t, s, func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") }); got != "before" {
		t.Fatalf("GetMeta after rolled-back SetMeta = %q, want %q", got, "before")
	}
	th := read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle("storetest-throttle") })
	if th.Failures != 1 {
		t.Fatalf("throttle after rolled-back DeleteThrottle has %d failures, want 1", th.Failures)
	}
	checkDocument(t, s, doc)
}

func testViewSeesCommitted(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	checkUser(t, "View after Update", got, alice)

	// A later Update sees the earlier one's data, and a View sees both.
	bob := newUser("bob")
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.UserByName("alice"); err != nil {
			return err
		}
		return tx.CreateUser(bob)
	})
	if n := read(t, s, func(tx store.Tx) (int, error) { return tx.CountUsers() }); n != 2 {
		t.Fatalf("CountUsers = %d, want 2", n)
	}
}

func testViewIsReadOnly(t *testing.T, s store.Store) {
	// A write inside View may fail or be refused at commit; either way it
	// must not persist.
	_ = s.View(t.Context(), func(tx store.Tx) error {
		_ = tx.SetMeta("storetest.key", "written in a view")
		return nil
	})
	wantNotFound(t, s, "GetMeta after a write in View", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.key") })
}

func checkDocument(t *testing.T, s store.Store, want *core.Document) {
	t.Helper()
	got, err := s.Document(t.Context(), want.Name, store.DocAll)
	if err != nil {
		t.Fatalf("Document(%s): %v", want.Name, err)
	}
	var d diffs
	d.eq("Name", got.Name, want.Name)
	d.eq("ETag", got.ETag, want.ETag)
	d.eq("Restricted", got.Restricted, want.Restricted)
	d.eq("Full", string(got.Full), string(want.Full))
	d.eq("FullGz", string(got.FullGz), string(want.FullGz))
	d.eq("Abbrev", string(got.Abbrev), string(want.Abbrev))
	d.eq("AbbrevGz", string(got.AbbrevGz), string(want.AbbrevGz))
	d.check(t, "Document("+want.Name+")")
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

func testDocuments(t *testing.T, s store.Store) {
	if _, err := s.Document(t.Context(), "left-pad", store.DocMeta); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document of an unknown name: got error %v, want ErrNotFound", err)
	}
	d1 := &core.Document{Name: "left-pad", ETag: `"rev-1"`, Full: []byte(`{"name":"left-pad"}`), FullGz: []byte{0x1f, 0x8b, 0, 1}, Abbrev: []byte(`{"name":"left-pad","a":1}`), AbbrevGz: []byte{0x1f, 0x8b, 0, 2}}
	other := &core.Document{Name: "@acme/util", ETag: `"rev-9"`, Restricted: true, Full: []byte(`{}`), FullGz: []byte{0}, Abbrev: []byte(`{}`), AbbrevGz: []byte{0}}
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutDocument(d1); err != nil {
			return err
		}
		return tx.PutDocument(other)
	})
	checkDocument(t, s, d1)
	checkDocument(t, s, other)

	d2 := &core.Document{Name: "left-pad", ETag: `"rev-2"`, Full: []byte(`{"name":"left-pad","v":2}`), FullGz: []byte{0x1f, 0x8b, 9, 9}, Abbrev: []byte(`{"v":2}`), AbbrevGz: []byte{0x1f, 0x8b, 8, 8}}
	write(t, s, func(tx store.Tx) error { return tx.PutDocument(d2) })
	checkDocument(t, s, d2)

	write(t, s, func(tx store.Tx) error { return tx.DeleteDocument("left-pad") })
	if _, err := s.Document(t.Context(), "left-pad", store.DocMeta); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document after DeleteDocument: got error %v, want ErrNotFound", err)
	}
	checkDocument(t, s, other)
	write(t, s, func(tx store.Tx) error { return tx.DeleteDocument(other.Name) })
	if _, err := s.Document(t.Context(), other.Name, store.DocAll); !errors.Is(err, core.ErrNotFound) {
		t.Fatalf("Document after DeleteDocument: got error %v, want ErrNotFound", err)
	}
}

// ---- events ----

func newEvent(typ, pkg, version string, when time.Time) *core.Event {
	return &core.Event{
		At:      when,
		Type:    typ,
		Actor:   "alice",
		Package: pkg,
		Version: version,
		Data:    json.RawMessage(fmt.Sprintf(`{"package":%q,"version":%q,"n":[1,2]}`, pkg, version)),
	}
}

func testEventsAppend(t *testing.T, s store.Store) {
	e1 := newEvent(core.EventPublish, "a", "1.0.0", at(1*time.Minute))
	e2 := newEvent(core.EventPublish, "b", "1.0.0", at(2*time.Minute))
	e3 := newEvent(core.EventDistTagSet, "a", "1.0.0", at(3*time.Minute))
	e4 := newEvent(core.EventAccountCreate, "", "", at(4*time.Minute))
	e4.Actor = ""
	e5 := newEvent(core.EventDeprecate, "a", "1.0.0", at(5*time.Minute).In(time.FixedZone("JST", 9*3600)))
	write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e1) })
	write(t, s, func(tx store.Tx) error {
		for _, e := range []*core.Event{e2, e3, e4} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e5) })
	all := []*core.Event{e1, e2, e3, e4, e5}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("AppendEvent assigned Seq %d after %d, want increasing", all[i].Seq, all[i-1].Seq)
		}
	}
	if e1.Seq <= 0 {
		t.Fatalf("AppendEvent assigned Seq %d, want > 0 so that EventsAfter(0) sees it", e1.Seq)
	}

	after := func(seq int64, limit int) []core.Event {
		t.Helper()
		return read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(seq, limit) })
	}
	checkEvents(t, "EventsAfter(0, 100)", after(0, 100), all...)
	checkEvents(t, "EventsAfter(e1, 2)", after(e1.Seq, 2), e2, e3)
	checkEvents(t, "EventsAfter(e3, 100)", after(e3.Seq, 100), e4, e5)
	checkEvents(t, "EventsAfter(e5, 100)", after(e5.Seq, 100))

	eventsFor := func(name string, limit int) []core.Event {
		t.Helper()
		return read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsFor(name, limit) })
	}
	checkEvents(t, "EventsFor(a, 10)", eventsFor("a", 10), e5, e3, e1)
	checkEvents(t, "EventsFor(a, 2)", eventsFor("a", 2), e5, e3)
	checkEvents(t, "EventsFor(b, 10)", eventsFor("b", 10), e2)
	checkEvents(t, "EventsFor(c, 10)", eventsFor("c", 10))
}

func testEventsRolledBack(t *testing.T, s store.Store) {
	e1 := newEvent(core.EventPublish, "a", "1.0.0", at(time.Minute))
	write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e1) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.AppendEvent(newEvent(core.EventUnpublish, "a", "1.0.0", at(2*time.Minute))); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, err, errRollback, "Update whose function failed")
	e3 := newEvent(core.EventDeprecate, "a", "1.0.0", at(3*time.Minute))
	write(t, s, func(tx store.Tx) error { return tx.AppendEvent(e3) })
	if e3.Seq <= e1.Seq {
		t.Fatalf("Seq %d after %d, want increasing", e3.Seq, e1.Seq)
	}
	got := read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsAfter(0, 100) })
	checkEvents(t, "EventsAfter(0) after a rolled-back append", got, e1, e3)
	got = read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsFor("a", 100) })
	checkEvents(t, "EventsFor(a) after a rolled-back append", got, e3, e1)
}

// ---- downloads ----

func testDownloads(t *testing.T, s store.Store) {
	p := createPackage(t, s, newPackage("left-pad"))
	q := createPackage(t, s, newPackage("right-pad"))
	day := func(n int) time.Time { return time.Date(2024, time.March, 10+n, 0, 0, 0, 0, time.UTC) }
	since := func(pkg *core.Package, from time.Time) int64 {
		t.Helper()
		return read(t, s, func(tx store.Tx) (int64, error) { return tx.DownloadsSince(pkg.ID, from) })
	}
	if n := since(p, day(0)); n != 0 {
		t.Fatalf("DownloadsSince with no downloads = %d, want 0", n)
	}
	write(t, s, func(tx store.Tx) error {
		for _, a := range []struct {
			pkg  *core.Package
			when time.Time
			n    int64
		}{
			{p, day(0).Add(1 * time.Hour), 5},
			{p, day(0).Add(23 * time.Hour), 3}, // same day: accumulates
			{p, day(1).Add(12 * time.Hour), 7},
			{p, day(3), 1},
			{q, day(1), 100},
		} {
			if err := tx.AddDownloads(a.pkg.ID, a.when, a.n); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.AddDownloads(p.ID, day(1).Add(time.Minute), 2) })

	for _, tc := range []struct {
		from time.Time
		want int64
	}{
		{day(-5), 18},
		{day(0), 18},
		{day(1), 10},
		{day(2), 1},
		{day(3), 1},
		{day(4), 0},
	} {
		if n := since(p, tc.from); n != tc.want {
			t.Errorf("DownloadsSince(%s) = %d, want %d", tc.from.Format(time.DateOnly), n, tc.want)
		}
	}
	if n := since(q, day(0)); n != 100 {
		t.Errorf("DownloadsSince for the other package = %d, want 100", n)
	}
}

// ---- throttles ----

func checkThrottle(t *testing.T, s store.Store, want *core.Throttle) {
	t.Helper()
	got := read(t, s, func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(want.Key) })
	var d diffs
	d.eq("Key", got.Key, want.Key)
	d.eq("Failures", got.Failures, want.Failures)
	d.time("LastFailure", got.LastFailure, want.LastFailure)
	d.time("BlockedUntil", got.BlockedUntil, want.BlockedUntil)
	d.check(t, "Throttle("+want.Key+")")
}

func testThrottles(t *testing.T, s store.Store) {
	const key = "login:alice"
	wantNotFound(t, s, "Throttle when clean", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(key) })

	th := &core.Throttle{Key: key, Failures: 1, LastFailure: at(time.Second)}
	other := &core.Throttle{Key: "ip:192.0.2.1", Failures: 9, LastFailure: at(time.Minute), BlockedUntil: at(time.Hour)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutThrottle(th); err != nil {
			return err
		}
		return tx.PutThrottle(other)
	})
	checkThrottle(t, s, th)
	checkThrottle(t, s, other)

	th2 := &core.Throttle{Key: key, Failures: 5, LastFailure: at(2 * time.Second), BlockedUntil: at(15 * time.Minute).In(time.FixedZone("X", -3600))}
	write(t, s, func(tx store.Tx) error { return tx.PutThrottle(th2) })
	checkThrottle(t, s, th2)

	write(t, s, func(tx store.Tx) error { return tx.DeleteThrottle(key) })
	wantNotFound(t, s, "Throttle after DeleteThrottle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(key) })
	checkThrottle(t, s, other)
	write(t, s, func(tx store.Tx) error { return tx.DeleteThrottle(other.Key) })
	wantNotFound(t, s, "Throttle after DeleteThrottle", func(tx store.Tx) (*core.Throttle, error) { return tx.Throttle(other.Key) })
}

// ---- web sessions ----

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

// ---- meta ----

func testMeta(t *testing.T, s store.Store) {
	get := func(key string) string {
		t.Helper()
		return read(t, s, func(tx store.Tx) (string, error) { return tx.GetMeta(key) })
	}
	wantNotFound(t, s, "GetMeta(unset)", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.a") })
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetMeta("storetest.a", "one"); err != nil {
			return err
		}
		return tx.SetMeta("storetest.b", "")
	})
	if v := get("storetest.a"); v != "one" {
		t.Fatalf("GetMeta(a) = %q, want %q", v, "one")
	}
	if v := get("storetest.b"); v != "" {
		t.Fatalf("GetMeta(b) = %q, want the empty string", v)
	}
	write(t, s, func(tx store.Tx) error { return tx.SetMeta("storetest.a", "two") })
	if v := get("storetest.a"); v != "two" {
		t.Fatalf("GetMeta(a) after overwrite = %q, want %q", v, "two")
	}
	wantNotFound(t, s, "GetMeta(unset)", func(tx store.Tx) (string, error) { return tx.GetMeta("storetest.c") })
}

// ---- concurrency ----

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

func testConcurrentSameVersion(t *testing.T, s store.Store) {
	const workers = 20
	alice := createUser(t, s, "alice")
	p := createPackage(t, s, newPackage("left-pad"))

	oneWins(t, s, workers, core.ErrConflict, "inserts of the same version", func(i int, tx store.Tx) error {
		return tx.InsertVersion(newVersion(p, "1.0.0", alice.ID, at(time.Duration(i)*time.Second)))
	})
	vs := read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(vs) != 1 || vs[0].Version != "1.0.0" {
		t.Fatalf("Versions after concurrent inserts = %d versions, want just 1.0.0", len(vs))
	}
}

func testUsersPasswordCompromised(t *testing.T, s store.Store) {
	alice := newUser("alice")
	alice.PasswordCompromised = true
	write(t, s, func(tx store.Tx) error { return tx.CreateUser(alice) })
	got := read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByID(alice.ID) })
	checkUser(t, "UserByID of a user created compromised", got, alice)

	changed := *alice
	changed.PasswordCompromised = false
	changed.PasswordHash = "$argon2id$changed"
	write(t, s, func(tx store.Tx) error { return tx.UpdateUser(&changed) })
	got = read(t, s, func(tx store.Tx) (*core.User, error) { return tx.UserByName("alice") })
	checkUser(t, "UserByName after clearing PasswordCompromised", got, &changed)
}

func testEventsByActor(t *testing.T, s store.Store) {
	e1 := newEvent(core.EventAccountCreate, "", "", at(time.Minute))
	e2 := newEvent(core.EventPublish, "a", "1.0.0", at(2*time.Minute))
	e2.Actor = "bob"
	e3 := newEvent(core.EventPasswordChange, "", "", at(3*time.Minute))
	e4 := newEvent(core.EventTokenCreate, "", "", at(4*time.Minute))
	write(t, s, func(tx store.Tx) error {
		for _, e := range []*core.Event{e1, e2, e3, e4} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	byActor := func(actor string, limit int) []core.Event {
		t.Helper()
		return read(t, s, func(tx store.Tx) ([]core.Event, error) { return tx.EventsByActor(actor, limit) })
	}
	checkEvents(t, "EventsByActor(alice, 10)", byActor("alice", 10), e4, e3, e1)
	checkEvents(t, "EventsByActor(alice, 2)", byActor("alice", 2), e4, e3)
	checkEvents(t, "EventsByActor(bob, 10)", byActor("bob", 10), e2)
	checkEvents(t, "EventsByActor(carol, 10)", byActor("carol", 10))
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

func checkEmailToken(t *testing.T, s store.Store, want *core.EmailToken) {
	t.Helper()
	got := read(t, s, func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken(want.Hash) })
	var d diffs
	d.eq("Hash", got.Hash, want.Hash)
	d.eq("UserID", got.UserID, want.UserID)
	d.eq("Purpose", got.Purpose, want.Purpose)
	d.eq("Email", got.Email, want.Email)
	d.time("CreatedAt", got.CreatedAt, want.CreatedAt)
	d.time("ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	d.time("UsedAt", got.UsedAt, want.UsedAt)
	d.check(t, "EmailToken("+want.Hash+")")
}

func newEmailToken(u *core.User, hash string, purpose core.EmailTokenPurpose) *core.EmailToken {
	return &core.EmailToken{Hash: hash, UserID: u.ID, Purpose: purpose, Email: u.Email, CreatedAt: at(time.Minute), ExpiresAt: at(25 * time.Hour)}
}

func testEmailTokens(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	v := newEmailToken(alice, "hash-v", core.PurposeVerifyEmail)
	r := newEmailToken(bob, "hash-r", core.PurposePasswordReset)
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateEmailToken(v); err != nil {
			return err
		}
		return tx.CreateEmailToken(r)
	})
	checkEmailToken(t, s, v)
	checkEmailToken(t, s, r)
	wantNotFound(t, s, "EmailToken(unknown)", func(tx store.Tx) (*core.EmailToken, error) { return tx.EmailToken("hash-x") })

	dup := newEmailToken(bob, "hash-v", core.PurposePasswordReset)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateEmailToken(dup) })
	wantErr(t, err, core.ErrConflict, "CreateEmailToken with a taken hash")
	checkEmailToken(t, s, v)
}

func testEmailTokensSingleUse(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	v := newEmailToken(alice, "hash-v", core.PurposeVerifyEmail)
	write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(v) })

	write(t, s, func(tx store.Tx) error { return tx.UseEmailToken("hash-v", at(time.Hour)) })
	v.UsedAt = at(time.Hour)
	checkEmailToken(t, s, v)

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UseEmailToken("hash-v", at(2*time.Hour)) })
	wantErr(t, err, core.ErrConflict, "UseEmailToken a second time")
	checkEmailToken(t, s, v)

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UseEmailToken("hash-x", at(2*time.Hour)) })
	wantErr(t, err, core.ErrNotFound, "UseEmailToken of an unknown hash")

	// A use rolled back leaves the link usable.
	w := newEmailToken(alice, "hash-w", core.PurposeVerifyEmail)
	write(t, s, func(tx store.Tx) error { return tx.CreateEmailToken(w) })
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.UseEmailToken("hash-w", at(time.Hour)); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("Update returned nil, want the closure's error")
	}
	checkEmailToken(t, s, w)
}

func testEmailTokensExpire(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	r1 := newEmailToken(alice, "r1", core.PurposePasswordReset)
	r2 := newEmailToken(alice, "r2", core.PurposePasswordReset)
	used := newEmailToken(alice, "r3", core.PurposePasswordReset)
	used.UsedAt = at(2 * time.Minute)
	v := newEmailToken(alice, "v1", core.PurposeVerifyEmail)
	rb := newEmailToken(bob, "rb", core.PurposePasswordReset)
	write(t, s, func(tx store.Tx) error {
		for _, et := range []*core.EmailToken{r1, r2, used, v, rb} {
			if err := tx.CreateEmailToken(et); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		return tx.ExpireEmailTokens(alice.ID, core.PurposePasswordReset, at(time.Hour))
	})
	r1.UsedAt, r2.UsedAt = at(time.Hour), at(time.Hour)
	checkEmailToken(t, s, r1)
	checkEmailToken(t, s, r2)
	checkEmailToken(t, s, used) // keeps its first time
	checkEmailToken(t, s, v)    // another purpose
	checkEmailToken(t, s, rb)   // another user
}
