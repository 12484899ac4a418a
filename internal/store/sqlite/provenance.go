package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rampart/rampart/internal/core"
)

// ---- build provenance and continuity policies ----

const provenanceCols = `predicate_type, source_repository, commit_sha, source_ref, workflow_path, workflow_ref, builder, runner, build_trigger, run_url, issuer, log_index, integrated_at`

// provenanceColsOf is provenanceCols qualified by a table alias.
func provenanceColsOf(alias string) string {
	cols := strings.Split(provenanceCols, ", ")
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

func scanProvenance(sc interface{ Scan(...any) error }, extra ...any) (*core.Provenance, error) {
	var p core.Provenance
	var at int64
	dest := append([]any{&p.PredicateType, &p.SourceRepository, &p.Commit, &p.SourceRef, &p.WorkflowPath, &p.WorkflowRef,
		&p.Builder, &p.Runner, &p.Trigger, &p.RunURL, &p.Issuer, &p.LogIndex, &at}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	p.IntegratedAt = fromMS(at)
	return &p, nil
}

func (t *tx) PutVersionProvenance(packageID int64, version string, p *core.Provenance) error {
	_, err := t.exec(`INSERT INTO version_provenance (package_id, version, `+provenanceCols+`, seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			(SELECT COALESCE(MAX(seq), 0) + 1 FROM version_provenance WHERE package_id = ?))`,
		packageID, version, p.PredicateType, p.SourceRepository, p.Commit, p.SourceRef, p.WorkflowPath, p.WorkflowRef,
		p.Builder, p.Runner, p.Trigger, p.RunURL, p.Issuer, p.LogIndex, ms(p.IntegratedAt), packageID)
	if err != nil {
		return conflict(err, "provenance of version %s", version)
	}
	return nil
}

func (t *tx) VersionProvenance(packageID int64, version string) (*core.Provenance, error) {
	p, err := scanProvenance(t.row(`SELECT `+provenanceCols+` FROM version_provenance WHERE package_id = ? AND version = ?`, packageID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("provenance of version %s: %w", version, core.ErrNotFound)
	}
	return p, err
}

func (t *tx) PackageProvenance(packageID int64) (map[string]core.Provenance, error) {
	rows, err := t.query(`SELECT `+provenanceCols+`, version FROM version_provenance WHERE package_id = ?`, packageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]core.Provenance{}
	for rows.Next() {
		var v string
		p, err := scanProvenance(rows, &v)
		if err != nil {
			return nil, err
		}
		out[v] = *p
	}
	return out, rows.Err()
}

func (t *tx) LastProvenance(packageID int64) (*core.Provenance, error) {
	// Only a served version sets what continuity expects: a staged one
	// (perhaps the very break a maintainer has yet to approve), a
	// quarantined or a rejected one must not move it.
	p, err := scanProvenance(t.row(`SELECT `+provenanceColsOf("vp")+` FROM version_provenance vp
		JOIN versions v ON v.package_id = vp.package_id AND v.version = vp.version
		WHERE vp.package_id = ? AND v.state IN ('live', 'deprecated') ORDER BY vp.seq DESC LIMIT 1`, packageID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("provenance of package %d: %w", packageID, core.ErrNotFound)
	}
	return p, err
}

func (t *tx) ProvenancePolicy(packageID int64) (core.ProvenancePolicy, error) {
	var p core.ProvenancePolicy
	var continuity string
	var at int64
	err := t.row(`SELECT continuity, repository, updated_at, updated_by FROM provenance_policies WHERE package_id = ?`, packageID).
		Scan(&continuity, &p.Repository, &at, &p.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return core.ProvenancePolicy{}, nil
	}
	p.Continuity, p.UpdatedAt = core.ProvenanceContinuity(continuity), fromMS(at)
	return p, err
}

func (t *tx) SetProvenancePolicy(packageID int64, p core.ProvenancePolicy) error {
	_, err := t.exec(`INSERT INTO provenance_policies (package_id, continuity, repository, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (package_id) DO UPDATE SET continuity = excluded.continuity, repository = excluded.repository,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		packageID, string(p.Continuity), p.Repository, ms(p.UpdatedAt), p.UpdatedBy)
	return err
}
