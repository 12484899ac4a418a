package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/core"
)

// ---- build provenance of proxied versions (store.UpstreamProvenance) ----

func (t *tx) PutUpstreamProvenance(p core.UpstreamProvenance) error {
	var facts []byte
	if p.Facts != nil {
		b, err := json.Marshal(p.Facts)
		if err != nil {
			return err
		}
		facts = b
	}
	_, err := t.exec(`INSERT INTO upstream_provenance (ecosystem, name, version, upstream, integrity, state, reason, facts, predicate_type, bundle, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Ref.Ecosystem, p.Ref.Name, p.Version, p.Upstream, p.Integrity, p.State, p.Reason, facts, p.PredicateType, p.Bundle, ms(p.At))
	if err != nil {
		return conflict(err, "the provenance of %s@%s was checked already", p.Ref.Name, p.Version)
	}
	return nil
}

const upstreamProvCols = `ecosystem, name, version, upstream, integrity, state, reason, facts, predicate_type, at`

func scanUpstreamProv(s interface{ Scan(...any) error }, bundle *[]byte) (core.UpstreamProvenance, error) {
	var p core.UpstreamProvenance
	var facts []byte
	var at int64
	dest := []any{&p.Ref.Ecosystem, &p.Ref.Name, &p.Version, &p.Upstream, &p.Integrity, &p.State, &p.Reason, &facts, &p.PredicateType, &at}
	if bundle != nil {
		dest = append(dest, bundle)
	}
	if err := s.Scan(dest...); err != nil {
		return p, err
	}
	p.At = fromMS(at)
	if len(facts) > 0 {
		p.Facts = new(core.Provenance)
		if err := json.Unmarshal(facts, p.Facts); err != nil {
			return p, fmt.Errorf("the stored provenance of %s@%s: %w", p.Ref.Name, p.Version, err)
		}
	}
	return p, nil
}

func (t *tx) UpstreamProvenanceOf(ref core.PackageRef, version string) (*core.UpstreamProvenance, error) {
	var bundle []byte
	p, err := scanUpstreamProv(t.row(`SELECT `+upstreamProvCols+`, bundle FROM upstream_provenance WHERE ecosystem = ? AND name = ? AND version = ?`, ref.Ecosystem, ref.Name, version), &bundle)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("provenance of %s@%s: %w", ref.Name, version, core.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	p.Bundle = bundle
	return &p, nil
}

func (t *tx) UpstreamProvenances(ref core.PackageRef) ([]core.UpstreamProvenance, error) {
	rows, err := t.query(`SELECT `+upstreamProvCols+` FROM upstream_provenance WHERE ecosystem = ? AND name = ? ORDER BY version`, ref.Ecosystem, ref.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.UpstreamProvenance
	for rows.Next() {
		p, err := scanUpstreamProv(rows, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
