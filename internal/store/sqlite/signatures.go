package sqlite

import "github.com/rampart/rampart/internal/core"

func (t *tx) ShownSignature(packageID int64, version string) (core.Signature, error) {
	var s core.Signature
	err := t.row(`SELECT keyid, sig FROM version_signatures WHERE package_id = ? AND version = ?`, packageID, version).Scan(&s.KeyID, &s.Sig)
	if err != nil {
		return core.Signature{}, notFound(err, "signature of version %s", version)
	}
	return s, nil
}
