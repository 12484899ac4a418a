package registry_test

import (
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/testpeers/sigstore"
)

// A publish with a provenance attachment (npm publish --provenance)
// keeps the bundle once it verified: stored as a blob, its digest on the
// version, and a file ref so that scrub checks it and gc keeps it.
func TestPublishKeepsProvenance(t *testing.T) {
	pe := newProvEnv(t)
	e := pe.policyEnv
	body, bundle := pe.provBody("@alice/signed", "1.0.0", "https://github.com/alice/signed", sigstore.Options{})
	if _, err := e.svc.Registry.Publish(e.ctx, e.alice, "@alice/signed", body); err != nil {
		t.Fatal(err)
	}
	// A version published without one has none (the policy allows it).
	if err := e.svc.Registry.ProvenancePolicy().Set(e.ctx, e.alice, "@alice/signed", core.ContinuityOff, ""); err != nil {
		t.Fatal(err)
	}
	e.publish(e.alice, "@alice/signed", "1.0.1", "latest", nil)

	sum := sha512.Sum512([]byte(bundle))
	want := hex.EncodeToString(sum[:])
	var with, without *core.Version
	var refs []core.FileRef
	if err := e.svc.Store.View(e.ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(core.NPM("@alice/signed"))
		if err != nil {
			return err
		}
		if with, err = tx.Version(p.ID, "1.0.0"); err != nil {
			return err
		}
		if without, err = tx.Version(p.ID, "1.0.1"); err != nil {
			return err
		}
		refs, err = tx.FileRefs()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if with.Provenance != want {
		t.Fatalf("1.0.0's provenance = %q, want the bundle's digest %s", with.Provenance, want)
	}
	if without.Provenance != "" {
		t.Fatalf("1.0.1 was published without provenance but has %q", without.Provenance)
	}
	found := false
	for _, r := range refs {
		found = found || (r.Provenance && r.Digest == want && r.Version == "1.0.0")
	}
	if !found {
		t.Fatalf("no file ref for the provenance bundle in %+v", refs)
	}
	if got := findBlob(t, filepath.Join(e.data, "blobs"), want); got != bundle {
		t.Fatalf("the stored bundle = %q, want %q", got, bundle)
	}
}

// findBlob reads the blob whose file name is digest, under dir.
func findBlob(t *testing.T, dir, digest string) string {
	t.Helper()
	var found string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), digest) {
			found = path
		}
		return err
	})
	if err != nil || found == "" {
		t.Fatalf("no blob %s under %s (%v)", digest, dir, err)
	}
	b, err := os.ReadFile(found)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
