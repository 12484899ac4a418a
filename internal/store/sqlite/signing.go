package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- signing keys and version signatures ----

func (t *tx) SigningKeys() ([]core.SigningKey, error) {
	rows, err := t.query(`SELECT keyid, public_key, created_at, expires_at FROM signing_keys ORDER BY created_at, rowid`)
	return collect(rows, err, func(r interface{ Scan(...any) error }) (*core.SigningKey, error) {
		var k core.SigningKey
		var created, expires int64
		if err := r.Scan(&k.KeyID, &k.Public, &created, &expires); err != nil {
			return nil, err
		}
		k.Created, k.Expires = fromMS(created), fromMS(expires)
		return &k, nil
	})
}

func (t *tx) InsertSigningKey(k *core.SigningKey) error {
	_, err := t.exec(`INSERT INTO signing_keys (keyid, public_key, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		k.KeyID, k.Public, ms(k.Created), ms(k.Expires))
	if err != nil {
		return conflict(err, "adding signing key %s", k.KeyID)
	}
	return nil
}

func (t *tx) RetireSigningKey(keyID string, expires time.Time) error {
	if expires.IsZero() {
		// Zero is stored as 0, which marks the current key.
		return fmt.Errorf("retiring signing key %s: no expiry time", keyID)
	}
	res, err := t.exec(`UPDATE signing_keys SET expires_at = ? WHERE keyid = ? AND expires_at = 0`, ms(expires), keyID)
	if err != nil {
		return err
	}
	return mustAffect(res, "current signing key %s", keyID)
}

func (t *tx) LastSignedWith(keyID string) (time.Time, error) {
	var last int64
	err := t.row(`SELECT COALESCE(max(v.published_at), 0) FROM version_signatures s
		JOIN versions v ON v.package_id = s.package_id AND v.version = s.version WHERE s.keyid = ?`, keyID).Scan(&last)
	return fromMS(last), err
}

func (t *tx) PutVersionSignature(s *core.VersionSignature) error {
	_, err := t.exec(`INSERT INTO version_signatures (package_id, version, keyid, sig, attestation, signed_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.PackageID, s.Version, s.KeyID, s.Sig, s.Attestation, ms(s.SignedAt))
	if err != nil {
		return conflict(err, "signing %d@%s", s.PackageID, s.Version)
	}
	return nil
}

func (t *tx) VersionSignature(packageID int64, version string) (*core.VersionSignature, error) {
	s := core.VersionSignature{PackageID: packageID, Version: version}
	var at int64
	err := t.row(`SELECT keyid, sig, attestation, signed_at FROM version_signatures WHERE package_id = ? AND version = ?`, packageID, version).
		Scan(&s.KeyID, &s.Sig, &s.Attestation, &at)
	if err != nil {
		return nil, notFound(err, "signature of version %s", version)
	}
	s.SignedAt = fromMS(at)
	return &s, nil
}

func (t *tx) VersionSignatures(packageID int64) (map[string]core.Signature, error) {
	rows, err := t.query(`SELECT version, keyid, sig FROM version_signatures WHERE package_id = ?`, packageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]core.Signature{}
	for rows.Next() {
		var v string
		var s core.Signature
		if err := rows.Scan(&v, &s.KeyID, &s.Sig); err != nil {
			return nil, err
		}
		out[v] = s
	}
	return out, rows.Err()
}

func (t *tx) UnsignedVersions(limit int) ([]core.UnsignedVersion, error) {
	rows, err := t.query(`SELECT p.ecosystem, p.name, v.package_id, v.version, v.integrity, v.digest FROM versions v
		JOIN packages p ON p.id = v.package_id
		LEFT JOIN version_signatures s ON s.package_id = v.package_id AND s.version = v.version
		WHERE s.package_id IS NULL ORDER BY v.published_at, v.rowid LIMIT ?`, limit)
	return collect(rows, err, func(r interface{ Scan(...any) error }) (*core.UnsignedVersion, error) {
		var u core.UnsignedVersion
		var eco string
		if err := r.Scan(&eco, &u.Package.Name, &u.PackageID, &u.Version, &u.Integrity, &u.Digest); err != nil {
			return nil, err
		}
		u.Package.Ecosystem = core.Ecosystem(eco)
		return &u, nil
	})
}
