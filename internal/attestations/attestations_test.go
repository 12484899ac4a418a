package attestations_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/attestations"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/blob/fsblob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

const predicate = "https://slsa.dev/provenance/v1"

// env is a store holding widget, published by alice: 1.0.0 with a
// provenance bundle, 1.0.1 without, 1.0.2 with one but staged.
type env struct {
	ctx    context.Context
	svc    *attestations.Service
	blobs  string
	bundle []byte
	alice  authz.Principal
}

func newEnv(t *testing.T, access string) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := t.TempDir()
	blobs, err := fsblob.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	bundle := []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)
	d := blob.DigestOf(bundle)
	if err := blobs.Put(ctx, d, bytes.NewReader(bundle)); err != nil {
		t.Fatal(err)
	}
	alice := suite.CreateUser(t, st, "alice")
	p := suite.NewPackage("@alice/widget")
	p.Access = access
	suite.CreatePackage(t, st, p)
	suite.Write(t, st, func(tx store.Tx) error { return tx.AddMaintainer(p.ID, alice.ID, suite.T0) })
	for _, v := range []struct {
		version string
		prov    bool
		held    core.VersionState
	}{{"1.0.0", true, ""}, {"1.0.1", false, ""}, {"1.0.2", true, core.StatePending}} {
		nv := suite.NewVersion(p, v.version, alice.ID, suite.T0)
		if v.prov {
			nv.Provenance, nv.ProvenancePredicate = d.String(), predicate
		}
		nv.Held = v.held
		suite.InsertVersion(t, st, nv)
	}
	return &env{ctx: ctx, svc: attestations.New(st, blobs, npm.Format{}), blobs: dir, bundle: bundle, alice: authz.Principal{User: alice}}
}

// TestListServesTheStoredBundle: a version's provenance is served as
// stored, to anyone who may download the version; a version without one,
// or one that p may not see, has none.
func TestListServesTheStoredBundle(t *testing.T) {
	e := newEnv(t, "public")
	as, err := e.svc.List(e.ctx, authz.Principal{}, "@alice/widget", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].PredicateType != predicate || !bytes.Equal(as[0].Bundle, e.bundle) {
		t.Fatalf("List = %+v, want the stored bundle", as)
	}
	for _, c := range []struct {
		p       authz.Principal
		name, v string
	}{
		{authz.Principal{}, "@alice/widget", "1.0.1"},   // no provenance
		{authz.Principal{}, "@alice/widget", "1.0.2"},   // staged: maintainers only
		{authz.Principal{}, "@alice/widget", "9.9.9"},   // no such version
		{authz.Principal{}, "@alice/nonesuch", "1.0.0"}, // no such package
	} {
		if _, err := e.svc.List(e.ctx, c.p, c.name, c.v); core.KindOf(err) != core.KindNotFound || !strings.Contains(err.Error(), "has no attestations") {
			t.Errorf("%s@%s for %q: %v, want not found", c.name, c.v, c.p.Name(), err)
		}
	}
	if as, err := e.svc.List(e.ctx, e.alice, "@alice/widget", "1.0.2"); err != nil || len(as) != 1 {
		t.Errorf("the staged version for its maintainer: %d, %v", len(as), err)
	}
}

// TestListRestricted: a restricted package's attestations are for those
// who may read it.
func TestListRestricted(t *testing.T) {
	e := newEnv(t, "restricted")
	if _, err := e.svc.List(e.ctx, authz.Principal{}, "@alice/widget", "1.0.0"); err == nil {
		t.Fatal("anyone read a restricted package's attestations")
	}
	if _, err := e.svc.List(e.ctx, e.alice, "@alice/widget", "1.0.0"); err != nil {
		t.Fatalf("its maintainer: %v", err)
	}
}

// TestListRefusesADamagedBundle: bytes that no longer match their digest
// are never served; the error says the operators must restore them.
func TestListRefusesADamagedBundle(t *testing.T) {
	e := newEnv(t, "public")
	d := blob.DigestOf(e.bundle).String()
	var path string
	if err := filepath.WalkDir(e.blobs, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() && strings.Contains(de.Name(), d) {
			path = p
		}
		return err
	}); err != nil || path == "" {
		t.Fatalf("no blob file for %s (%v)", d, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Replace(e.bundle, []byte("sigstore"), []byte("evilcorp"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.List(e.ctx, authz.Principal{}, "@alice/widget", "1.0.0")
	if core.KindOf(err) != core.KindDataFault || !strings.Contains(err.Error(), "restore it from a backup") {
		t.Fatalf("a damaged bundle: %v", err)
	}
}
