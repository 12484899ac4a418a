package signing_test

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/signing"
	"github.com/rampart/rampart/internal/signing/signingtest"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
)

// env is a signing service on a fresh SQLite store, with a package and
// a publisher to sign versions of.
type env struct {
	t     *testing.T
	st    store.Store
	dir   string
	clock *testclock.Clock
	pkg   *core.Package
	user  *core.User
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, st: eventcheck.Wrap(t, db), dir: filepath.Join(dir, "signing"), clock: testclock.New(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))}
	e.user = &core.User{Name: "alice", Email: "alice@example.com", CreatedAt: e.clock.Now()}
	e.pkg = &core.Package{PackageRef: core.NPM("@alice/pad"), CreatedAt: e.clock.Now(), ModifiedAt: e.clock.Now(), Access: "public"}
	// Fixtures are written on the bare store: they are not what is tested.
	err = db.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateUser(e.user); err != nil {
			return err
		}
		return tx.CreatePackage(e.pkg)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) service(keyFile string) (*signing.Service, error) {
	return signing.New(e.st, signing.Config{Dir: e.dir, KeyFile: keyFile, Registry: "https://registry.example/"}, e.clock.Now, slog.New(slog.DiscardHandler))
}

func (e *env) mustService(keyFile string) *signing.Service {
	e.t.Helper()
	s, err := e.service(keyFile)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.Start(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// version is a published version's row, with a made-up tarball.
func (e *env) version(v string) *core.Version {
	sum := sha512.Sum512([]byte("tarball of " + v))
	return &core.Version{PackageID: e.pkg.ID, Version: v, Manifest: []byte(`{}`), Integrity: "sha512-" + base64.StdEncoding.EncodeToString(sum[:]),
		Digest: hex.EncodeToString(sum[:]), PublisherID: e.user.ID, PublishedAt: e.clock.Now()}
}

// publish records v and signs it in one transaction, as the publish
// pipeline does, with the event a publish writes.
func (e *env) publish(s *signing.Service, v *core.Version) core.Signature {
	e.t.Helper()
	var sig core.Signature
	err := e.st.Update(e.t.Context(), func(tx store.Tx) error {
		if err := tx.InsertVersion(v); err != nil {
			return err
		}
		var err error
		if sig, err = s.SignVersion(tx, e.pkg.PackageRef, e.pkg.ID, v.Version, v.Integrity, v.Digest); err != nil {
			return err
		}
		return tx.AppendEvent(event.Publish{Integrity: v.Integrity, Tag: "latest"}.At(v.PublishedAt, "alice", e.pkg.Name, v.Version))
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return sig
}

func (e *env) keys(s *signing.Service) []core.SigningKey {
	e.t.Helper()
	keys, err := s.Keys(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return keys
}

func (e *env) events(typ string) []event.Payload {
	e.t.Helper()
	var out []event.Payload
	err := e.st.View(e.t.Context(), func(tx store.Tx) error {
		es, err := tx.EventsAfter(0, 1000)
		for i := range es {
			if es[i].Type == typ {
				p, err := event.Parse(&es[i])
				if err != nil {
					return err
				}
				out = append(out, p)
			}
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// TestKeyIDIsNpms: a key is named as npm names its keys: SHA256: and the
// unpadded base64 of the SHA-256 of its DER SubjectPublicKeyInfo (here
// computed with openssl pkey -pubout -outform DER | openssl dgst -sha256
// -binary | base64).
func TestKeyIDIsNpms(t *testing.T) {
	e := newEnv(t)
	s := e.mustService(signingtest.KeyFile(t))
	keys := e.keys(s)
	if len(keys) != 1 || keys[0].KeyID != "SHA256:OMIhMpKcj8zXO52+st3BNk695OnbZVSe0GNT6OAYMVo" || !keys[0].Current() {
		t.Fatalf("keys = %+v, want the test key, current", keys)
	}
	if got := signing.KeyID(keys[0].Public); got != keys[0].KeyID {
		t.Errorf("KeyID(public) = %s, want %s", got, keys[0].KeyID)
	}
}

// TestFirstStartMakesAKeyOwnerOnly: a new data folder gets one key, in a
// file only its owner can read, named by the key's id; starting again
// keeps it.
func TestFirstStartMakesAKeyOwnerOnly(t *testing.T) {
	e := newEnv(t)
	s := e.mustService("")
	keys := e.keys(s)
	if len(keys) != 1 || !keys[0].Current() {
		t.Fatalf("keys after first start = %+v, want one current key", keys)
	}
	fi, err := os.Stat(e.dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("signing folder: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	var files []string
	filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
			if fi, _ := d.Info(); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
			}
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("key files %q, want one", files)
	}
	e.mustService("") // a second start
	if again := e.keys(s); len(again) != 1 || again[0].KeyID != keys[0].KeyID {
		t.Fatalf("keys after a second start = %+v, want the first key only", again)
	}
	if evs := e.events(core.EventSigningKeyRotate); len(evs) != 1 || evs[0].(event.SigningKeyRotate).Why != "first key" {
		t.Fatalf("rotation events = %+v, want one, for the first key", evs)
	}
}

// TestSignVerifyRotate: a version verifies with npm's algorithm; a
// tampered integrity, name or version does not; after a rotation the old
// version still verifies with the retired key (published before its
// expiry), a new one is signed with the new key, and a signature by the
// retired key on a version published after its expiry is refused.
func TestSignVerifyRotate(t *testing.T) {
	e := newEnv(t)
	s := e.mustService("")
	v1 := e.version("1.0.0")
	sig1 := e.publish(s, v1)
	keys := e.keys(s)
	if sig1.KeyID != keys[0].KeyID {
		t.Fatalf("signed with %s, want the current key %s", sig1.KeyID, keys[0].KeyID)
	}
	if err := signing.VerifyPublished(keys, e.pkg.Name, "1.0.0", v1.Integrity, sig1, v1.PublishedAt); err != nil {
		t.Fatalf("verify: %v", err)
	}
	other := e.version("1.0.1").Integrity
	for _, c := range []struct{ name, version, integrity string }{
		{e.pkg.Name, "1.0.0", other}, {"@alice/pads", "1.0.0", v1.Integrity}, {e.pkg.Name, "1.0.1", v1.Integrity},
	} {
		if err := signing.Verify(keys, c.name, c.version, c.integrity, sig1); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("verify %s@%s:%s = %v, want ErrBadSignature", c.name, c.version, c.integrity, err)
		}
	}

	e.clock.Advance(time.Hour)
	retired, cur, err := s.Rotate(t.Context(), "operator")
	if err != nil {
		t.Fatal(err)
	}
	if retired.KeyID != sig1.KeyID || !retired.Expires.Equal(e.clock.Now()) || cur.KeyID == retired.KeyID {
		t.Fatalf("rotate: retired %+v, current %+v", retired, cur)
	}
	e.clock.Advance(time.Minute)
	v2 := e.version("2.0.0")
	sig2 := e.publish(s, v2)
	keys = e.keys(s)
	if len(keys) != 2 || keys[0].Current() || !keys[1].Current() || sig2.KeyID != keys[1].KeyID {
		t.Fatalf("keys %+v, 2.0.0 signed with %s: want the old key retired and 2.0.0 signed with the new", keys, sig2.KeyID)
	}
	if err := signing.VerifyPublished(keys, e.pkg.Name, "1.0.0", v1.Integrity, sig1, v1.PublishedAt); err != nil {
		t.Errorf("1.0.0 after the rotation: %v", err)
	}
	if err := signing.VerifyPublished(keys, e.pkg.Name, "2.0.0", v2.Integrity, sig2, v2.PublishedAt); err != nil {
		t.Errorf("2.0.0: %v", err)
	}
	// A retired key's signature on a version published after its expiry
	// (a leaked key signing new versions) is refused.
	if err := signing.VerifyPublished(keys, e.pkg.Name, "1.0.0", v1.Integrity, sig1, v2.PublishedAt); !errors.Is(err, signing.ErrExpiredKey) {
		t.Errorf("retired key after its expiry: %v, want ErrExpiredKey", err)
	}
	if err := signing.Verify(keys[1:], e.pkg.Name, "1.0.0", v1.Integrity, sig1); !errors.Is(err, signing.ErrUnknownKey) {
		t.Errorf("a key not listed: %v, want ErrUnknownKey", err)
	}
	evs := e.events(core.EventSigningKeyRotate)
	if len(evs) != 2 {
		t.Fatalf("rotation events %+v, want two", evs)
	}
	if r := evs[1].(event.SigningKeyRotate); r.Retired != retired.KeyID || r.KeyID != cur.KeyID || r.Why != "rotate" || !r.RetiredExpires.Equal(retired.Expires) {
		t.Errorf("rotation event %+v", r)
	}
}

// TestRetiredKeyOutlivesItsLastVersion: a publish that read the old key
// and committed with a time later than the rotation's (its clock was
// read before the rotation committed) still verifies: the key expires
// after the last version it signed.
func TestRetiredKeyOutlivesItsLastVersion(t *testing.T) {
	e := newEnv(t)
	s := e.mustService("")
	v := e.version("1.0.0")
	v.PublishedAt = e.clock.Now().Add(time.Minute)
	sig := e.publish(s, v)
	retired, _, err := s.Rotate(t.Context(), "operator")
	if err != nil {
		t.Fatal(err)
	}
	if !retired.Expires.After(v.PublishedAt) {
		t.Fatalf("retired key expires %v, not after the version it signed (%v)", retired.Expires, v.PublishedAt)
	}
	if err := signing.VerifyPublished(e.keys(s), e.pkg.Name, "1.0.0", v.Integrity, sig, v.PublishedAt); err != nil {
		t.Fatal(err)
	}
}

// TestOperatorKeyFile: the operator's key file is the current key;
// another file retires it at the next start; a retired key's file is
// refused; rotation from the console is refused with what to do; a file
// others may read is refused.
func TestOperatorKeyFile(t *testing.T) {
	e := newEnv(t)
	first := signingtest.KeyFile(t)
	s := e.mustService(first)
	if _, _, err := s.Rotate(t.Context(), "operator"); err == nil || !strings.Contains(err.Error(), "key_file") {
		t.Fatalf("rotate with a key file: %v, want a refusal naming key_file", err)
	}
	e.clock.Advance(time.Hour)
	// The operator stops naming the file: the data folder has no private
	// key for the current key, so a new key of its own replaces it.
	e.mustService("")
	keys := e.keys(s)
	if len(keys) != 2 || keys[0].Current() || !keys[1].Current() {
		t.Fatalf("keys %+v, want the key file's retired and a new one current", keys)
	}
	if evs := e.events(core.EventSigningKeyRotate); len(evs) != 2 || evs[0].(event.SigningKeyRotate).Why != "key file" || evs[1].(event.SigningKeyRotate).Why != "key missing" {
		t.Fatalf("rotation events %+v", evs)
	}
	again, _ := e.service(first)
	if err := again.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("start with a retired key's file: %v, want a refusal", err)
	}
	loose := filepath.Join(t.TempDir(), "loose.pem")
	if err := os.WriteFile(loose, []byte(signingtest.KeyPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.service(loose); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key file others may read: %v, want a refusal", err)
	}
	notKey := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notKey, []byte("hello"), 0o600)
	if _, err := e.service(notKey); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Fatalf("a file with no key: %v, want a refusal", err)
	}
}

// TestBackfill: versions published before the registry signed are
// signed once, with the current key, each package's documents marked
// changed, with an event; a second run signs nothing.
func TestBackfill(t *testing.T) {
	e := newEnv(t)
	var vs []*core.Version
	err := e.st.Update(t.Context(), func(tx store.Tx) error {
		for _, n := range []string{"1.0.0", "1.1.0", "2.0.0"} {
			v := e.version(n)
			vs = append(vs, v)
			if err := tx.InsertVersion(v); err != nil {
				return err
			}
		}
		return tx.AppendEvent(event.Publish{}.At(e.clock.Now(), "alice", e.pkg.Name, "1.0.0"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s := e.mustService("")
	var changed []string
	mark := func(tx store.Tx, ref core.PackageRef) error { changed = append(changed, ref.Name); return nil }
	n, err := s.Backfill(t.Context(), 2, mark)
	if err != nil || n != 3 {
		t.Fatalf("Backfill = %d, %v; want 3", n, err)
	}
	if len(changed) != 2 || changed[0] != e.pkg.Name {
		t.Errorf("packages marked changed: %q, want the package once per batch", changed)
	}
	keys := e.keys(s)
	err = e.st.View(t.Context(), func(tx store.Tx) error {
		sigs, err := tx.VersionSignatures(e.pkg.ID)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if err := signing.Verify(keys, e.pkg.Name, v.Version, v.Integrity, sigs[v.Version]); err != nil {
				t.Errorf("backfilled %s: %v", v.Version, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Backfill(t.Context(), 2, mark); err != nil || n != 0 {
		t.Fatalf("second Backfill = %d, %v; want 0", n, err)
	}
	evs := e.events(core.EventSigningBackfill)
	if len(evs) != 2 || evs[0].(event.SigningBackfill).Versions != 2 || evs[1].(event.SigningBackfill).Versions != 1 {
		t.Fatalf("backfill events %+v, want batches of 2 and 1", evs)
	}
}

// TestPublishAttestation: the publish attestation is npm's publish
// predicate about the tarball, signed with the registry key; another
// tarball's digest, another version or an unlisted key fail.
func TestPublishAttestation(t *testing.T) {
	e := newEnv(t)
	s := e.mustService("")
	v := e.version("1.0.0")
	e.publish(s, v)
	entry, err := s.PublishAttestation(t.Context(), e.pkg.ID, "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if entry.PredicateType != signing.PublishPredicate {
		t.Errorf("predicateType %s", entry.PredicateType)
	}
	keys := e.keys(s)
	st, err := signing.VerifyAttestation(keys, e.pkg.Name, "1.0.0", v.Digest, entry.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if st.Subject[0].Name != "pkg:npm/%40alice/pad@1.0.0" || st.Predicate.Registry != "https://registry.example/" {
		t.Errorf("statement %+v", st)
	}
	if _, err := signing.VerifyAttestation(keys, e.pkg.Name, "1.0.0", e.version("9").Digest, entry.Bundle); err == nil {
		t.Error("verified against another tarball's digest")
	}
	if _, err := signing.VerifyAttestation(keys, e.pkg.Name, "1.0.1", v.Digest, entry.Bundle); err == nil {
		t.Error("verified as another version")
	}
	if _, err := signing.VerifyAttestation(nil, e.pkg.Name, "1.0.0", v.Digest, entry.Bundle); !errors.Is(err, signing.ErrUnknownKey) {
		t.Errorf("with no keys: %v, want ErrUnknownKey", err)
	}
	tampered := strings.Replace(string(entry.Bundle), `"payload":"ey`, `"payload":"ez`, 1)
	if _, err := signing.VerifyAttestation(keys, e.pkg.Name, "1.0.0", v.Digest, []byte(tampered)); err == nil {
		t.Error("verified a tampered payload")
	}
	if _, err := s.PublishAttestation(t.Context(), e.pkg.ID, "9.9.9"); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("an unsigned version's attestation: %v, want ErrNotFound", err)
	}
}
