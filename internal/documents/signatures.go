package documents

import (
	"errors"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// versionsSigned is p's versions with the registry's signatures of each
// (internal/signing), which their fragments show (npm's dist.signatures).
// A version signed after its fragment was rendered (the one-time
// backfill) gets another stamp, so its fragment is rendered again.
func versionsSigned(tx Reader, p *core.Package) ([]core.Version, error) {
	all, err := tx.Versions(p.ID)
	if err != nil {
		return nil, err
	}
	sigs, err := tx.VersionSignatures(p.ID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if sig, ok := sigs[all[i].Version]; ok {
			all[i].Signatures = []core.Signature{sig}
		}
	}
	return all, nil
}

// withSignature fills in v's signature if the caller read v without it
// (tx.Version does not read them), so that the fragment MarkChanged
// renders, and the sums its length goes into, show it.
func withSignature(tx Reader, p *core.Package, v *core.Version) error {
	if len(v.Signatures) > 0 {
		return nil
	}
	sig, err := tx.ShownSignature(p.ID, v.Version)
	if errors.Is(err, core.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	v.Signatures = []core.Signature{sig}
	return nil
}

var _ Reader = store.Tx(nil)
