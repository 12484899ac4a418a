// Package attestations lists the signed statements about a version that
// npm's attestations endpoint serves (/-/npm/v1/attestations/…): today
// the build provenance its publish carried, verified then
// (internal/provenance) and served as stored, its bytes checked against
// their digest first. The registry's own keyed publish attestation is
// served apart (internal/signing, /-/rampart/v1/attestations/…), since
// npm would check it against Sigstore's public-good keys.
package attestations

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/pkgfacts"
	"github.com/rampart/rampart/internal/store"
)

// Service lists the attestations of the packages of one format.
type Service struct {
	// OrgPrivate reads an organisation's packages like restricted ones
	// ([access] org_packages = "members"); the registry sets it.
	OrgPrivate bool

	store  store.Store
	blobs  blob.Store
	format ecosystem.Format
}

// New lists attestations from st (packages and versions) and blobs (the
// stored bundles) for packages of format.
func New(st store.Store, blobs blob.Store, format ecosystem.Format) *Service {
	return &Service{store: st, blobs: blobs, format: format}
}

// Attestation is one signed statement about a version, as npm's
// attestations endpoint lists it: its predicate type and the Sigstore
// bundle, served as it was verified.
type Attestation struct {
	PredicateType string
	Bundle        json.RawMessage
}

// attestationSource gives one kind of attestation of a servable version,
// ok false if the version has none of that kind.
type attestationSource func(ctx context.Context, v *core.Version) (a Attestation, ok bool, err error)

// attestationSources lists the kinds of attestation served, in the order
// npm lists them: the build provenance the publish carried. Only what npm
// can verify belongs here (the registry's own keyed attestation does not).
func (s *Service) attestationSources() []attestationSource {
	return []attestationSource{s.provenanceAttestation}
}

// List gives the attestations of name@version that p may see:
// none of a version p may not download (core.Servable), and not-found if
// the version has none.
func (s *Service) List(ctx context.Context, p authz.Principal, name, version string) ([]Attestation, error) {
	notFound := core.Errorf(core.KindNotFound, "%s@%s has no attestations: it was not found, or was published without provenance", name, version)
	var v *core.Version
	err := s.store.View(ctx, func(tx store.Tx) error {
		st, err := pkgfacts.Load(tx, ecosystem.Ref(s.format, name))
		if errors.Is(err, core.ErrNotFound) {
			return notFound
		}
		if err != nil {
			return err
		}
		read := st.Resource()
		read.OrgPrivate = s.OrgPrivate // [access] org_packages = "members"
		if err := authz.Authorize(p, authz.ReadPackage, read); err != nil {
			return err
		}
		if v, err = tx.Version(st.Package.ID, version); errors.Is(err, core.ErrNotFound) {
			return notFound
		} else if err != nil {
			return err
		}
		if !core.Servable(v, st.Package, st.Viewer(p)) {
			return notFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Attestation
	for _, src := range s.attestationSources() {
		a, ok, err := src(ctx, v)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, notFound
	}
	return out, nil
}

// provenanceAttestation is the version's build provenance: the bundle
// its publish carried, if it verified (a bundle stored before provenance
// was verified is not served). The bytes are checked against their
// digest before they are served.
func (s *Service) provenanceAttestation(ctx context.Context, v *core.Version) (Attestation, bool, error) {
	if v.ProvenancePredicate == "" || v.Provenance == "" {
		return Attestation{}, false, nil
	}
	r, size, err := s.blobs.Open(ctx, blob.Digest(v.Provenance))
	if err != nil {
		return Attestation{}, false, fmt.Errorf("opening the provenance of version %s: %w", v.Version, err)
	}
	defer r.Close()
	if size > limits.MaxProvenanceBytes {
		return Attestation{}, false, core.Errorf(core.KindDataFault, "the stored provenance of version %s is larger than any bundle accepted", v.Version)
	}
	b, err := io.ReadAll(io.LimitReader(r, limits.MaxProvenanceBytes+1))
	if err != nil {
		return Attestation{}, false, fmt.Errorf("reading the provenance of version %s: %w", v.Version, err)
	}
	if sum := sha512.Sum512(b); hex.EncodeToString(sum[:]) != v.Provenance {
		return Attestation{}, false, core.Errorf(core.KindDataFault, "the stored provenance of version %s is damaged; the registry's operators must restore it from a backup", v.Version)
	}
	if !json.Valid(b) {
		return Attestation{}, false, core.Errorf(core.KindDataFault, "the stored provenance of version %s is not JSON", v.Version)
	}
	return Attestation{PredicateType: v.ProvenancePredicate, Bundle: bytes.TrimSpace(b)}, true, nil
}
