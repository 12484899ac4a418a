package sqlite

import (
	"fmt"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
)

const pkgCols = `id, ecosystem, name, created_at, modified_at, rev, access, description, keywords, unpublished_at, name_released_at`

func scanPackage(sc interface{ Scan(...any) error }) (*core.Package, error) {
	var p core.Package
	var created, modified, unpub, released int64
	if err := sc.Scan(&p.ID, &p.Ecosystem, &p.Name, &created, &modified, &p.Rev, &p.Access, &p.Description, &p.Keywords, &unpub, &released); err != nil {
		return nil, err
	}
	p.CreatedAt, p.ModifiedAt, p.UnpublishedAt, p.NameReleasedAt = fromMS(created), fromMS(modified), fromMS(unpub), fromMS(released)
	return &p, nil
}

func (t *tx) CreatePackage(p *core.Package) error {
	if p.Ecosystem == "" {
		return fmt.Errorf("creating package %s: no ecosystem", p.Name)
	}
	res, err := t.exec(`INSERT INTO packages (ecosystem, name, created_at, modified_at, rev, access, description, keywords, unpublished_at, name_released_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Ecosystem, p.Name, ms(p.CreatedAt), ms(p.ModifiedAt), p.Rev, p.Access, p.Description, p.Keywords, ms(p.UnpublishedAt), ms(p.NameReleasedAt))
	if err != nil {
		return conflict(err, "creating package %s", p.Name)
	}
	p.ID, err = res.LastInsertId()
	return err
}

func (t *tx) PackageByRef(ref core.PackageRef) (*core.Package, error) {
	p, err := scanPackage(t.row(`SELECT `+pkgCols+` FROM packages WHERE ecosystem = ? AND name = ?`, ref.Ecosystem, ref.Name))
	if err != nil {
		return nil, notFound(err, "package %s", ref.Name)
	}
	return p, nil
}

func (t *tx) UpdatePackage(p *core.Package) error {
	res, err := t.exec(`UPDATE packages SET modified_at = ?, rev = ?, access = ?, description = ?, keywords = ?, unpublished_at = ?, name_released_at = ? WHERE id = ?`,
		ms(p.ModifiedAt), p.Rev, p.Access, p.Description, p.Keywords, ms(p.UnpublishedAt), ms(p.NameReleasedAt), p.ID)
	if err != nil {
		return err
	}
	return mustAffect(res, "package %s", p.Name)
}

func (t *tx) UpdatePackageAt(p *core.Package, prevRev int64) error {
	res, err := t.exec(`UPDATE packages SET modified_at = ?, rev = ?, access = ?, description = ?, keywords = ?, unpublished_at = ?, name_released_at = ? WHERE id = ? AND rev = ?`,
		ms(p.ModifiedAt), p.Rev, p.Access, p.Description, p.Keywords, ms(p.UnpublishedAt), ms(p.NameReleasedAt), p.ID, prevRev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("package %s is no longer at revision %d: %w", p.Name, prevRev, core.ErrConflict)
	}
	return nil
}

func (t *tx) InsertVersion(v *core.Version) error {
	_, err := t.exec(`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated, unpublished_at, provenance_digest, state, provenance_predicate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.PackageID, v.Version, []byte(v.Manifest), v.Integrity, v.Shasum, v.Digest, v.Size, v.FileCount, v.UnpackedSize, v.PublisherID, ms(v.PublishedAt), v.Deprecated, ms(v.UnpublishedAt), v.Provenance, string(v.State()), v.ProvenancePredicate)
	if err != nil {
		return conflict(err, "version %s", v.Version)
	}
	for _, d := range v.Dependencies {
		if _, err := t.exec(`INSERT OR IGNORE INTO dependencies (package_id, version, dep_name) VALUES (?, ?, ?)`, v.PackageID, v.Version, d); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateVersion(v *core.Version) error {
	res, err := t.exec(`UPDATE versions SET deprecated = ?, unpublished_at = ?, state = ? WHERE package_id = ? AND version = ?`,
		v.Deprecated, ms(v.UnpublishedAt), string(v.State()), v.PackageID, v.Version)
	if err != nil {
		return err
	}
	return mustAffect(res, "version %s", v.Version)
}

const versionCols = `package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated, unpublished_at, provenance_digest, state, provenance_predicate`

// held is the hold a stored state names (core.Version.Held): the state
// column stores Version.State(), of which only a hold is not derived.
func held(state string) core.VersionState {
	switch s := core.VersionState(state); s {
	case core.StatePending, core.StateQuarantined:
		return s
	}
	return ""
}

func scanVersion(sc interface{ Scan(...any) error }) (*core.Version, error) {
	var v core.Version
	var manifest []byte
	var published, unpub int64
	var state string
	if err := sc.Scan(&v.PackageID, &v.Version, &manifest, &v.Integrity, &v.Shasum, &v.Digest, &v.Size, &v.FileCount, &v.UnpackedSize, &v.PublisherID, &published, &v.Deprecated, &unpub, &v.Provenance, &state, &v.ProvenancePredicate); err != nil {
		return nil, err
	}
	v.Manifest, v.Held = manifest, held(state)
	v.PublishedAt, v.UnpublishedAt = fromMS(published), fromMS(unpub)
	return &v, nil
}

func (t *tx) Versions(packageID int64) ([]core.Version, error) {
	rows, err := t.query(`SELECT `+versionCols+` FROM versions WHERE package_id = ? ORDER BY published_at, rowid`, packageID)
	return collect(rows, err, scanVersion)
}

func (t *tx) VersionFile(packageID int64, version string) (*core.Version, error) {
	v := core.Version{PackageID: packageID, Version: version}
	var published, unpub int64
	var state string
	err := t.row(`SELECT integrity, shasum, digest, size, published_at, unpublished_at, state FROM versions WHERE package_id = ? AND version = ?`, packageID, version).
		Scan(&v.Integrity, &v.Shasum, &v.Digest, &v.Size, &published, &unpub, &state)
	if err != nil {
		return nil, notFound(err, "version %s", version)
	}
	v.Held = held(state)
	v.PublishedAt, v.UnpublishedAt = fromMS(published), fromMS(unpub)
	return &v, nil
}

func (t *tx) Version(packageID int64, version string) (*core.Version, error) {
	v, err := scanVersion(t.row(`SELECT `+versionCols+` FROM versions WHERE package_id = ? AND version = ?`, packageID, version))
	if err != nil {
		return nil, notFound(err, "version %s", version)
	}
	return v, nil
}

func (t *tx) DistTags(packageID int64) (map[string]string, error) {
	rows, err := t.query(`SELECT tag, version FROM dist_tags WHERE package_id = ?`, packageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var tag, v string
		if err := rows.Scan(&tag, &v); err != nil {
			return nil, err
		}
		out[tag] = v
	}
	return out, rows.Err()
}

func (t *tx) SetDistTag(packageID int64, tag, version string) error {
	_, err := t.exec(`INSERT INTO dist_tags (package_id, tag, version) VALUES (?, ?, ?) ON CONFLICT (package_id, tag) DO UPDATE SET version = excluded.version`, packageID, tag, version)
	return err
}

func (t *tx) DeleteDistTag(packageID int64, tag string) error {
	res, err := t.exec(`DELETE FROM dist_tags WHERE package_id = ? AND tag = ?`, packageID, tag)
	if err != nil {
		return err
	}
	return mustAffect(res, "dist-tag %s", tag)
}

func (t *tx) Maintainers(packageID int64) ([]core.User, error) {
	rows, err := t.query(`SELECT `+prefixed("u.", userCols)+` FROM maintainers m JOIN users u ON u.id = m.user_id WHERE m.package_id = ? ORDER BY u.name`, packageID)
	return collect(rows, err, scanUser)
}

func (t *tx) AddMaintainer(packageID, userID int64, at time.Time) error {
	_, err := t.exec(`INSERT INTO maintainers (package_id, user_id, added_at) VALUES (?, ?, ?)`, packageID, userID, ms(at))
	if err != nil {
		return conflict(err, "adding maintainer")
	}
	return nil
}

func (t *tx) RemoveMaintainer(packageID, userID int64) error {
	res, err := t.exec(`DELETE FROM maintainers WHERE package_id = ? AND user_id = ?`, packageID, userID)
	if err != nil {
		return err
	}
	return mustAffect(res, "maintainer %d", userID)
}

func (t *tx) PackagesByMaintainer(userID int64) ([]core.Package, error) {
	rows, err := t.query(`SELECT `+prefixed("p.", pkgCols)+` FROM maintainers m JOIN packages p ON p.id = m.package_id WHERE m.user_id = ? ORDER BY p.name`, userID)
	return collect(rows, err, scanPackage)
}

func (t *tx) Dependents(packageName string) (int, error) {
	var n int
	err := t.row(`SELECT count(DISTINCT d.package_id) FROM dependencies d
		JOIN versions v ON v.package_id = d.package_id AND v.version = d.version AND v.unpublished_at = 0
		JOIN packages p ON p.id = d.package_id
		WHERE d.dep_name = ? AND p.name <> ?`, packageName, packageName).Scan(&n)
	return n, err
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

func (t *tx) Search(terms []string, limit, offset int) ([]core.SearchHit, int, error) {
	where := []string{"p.unpublished_at = 0"}
	var args []any
	for _, term := range terms {
		where = append(where, `(lower(p.name) LIKE ? ESCAPE '\' OR lower(p.description) LIKE ? ESCAPE '\' OR lower(p.keywords) LIKE ? ESCAPE '\')`)
		l := likeEscape(term)
		args = append(args, l, l, l)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := t.row(`SELECT count(*) FROM packages p WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	exact := ""
	if len(terms) > 0 {
		exact = strings.ToLower(strings.Join(terms, " "))
	}
	q := `SELECT p.id, p.name, p.description, p.keywords, p.modified_at, COALESCE(dt.version, '')
		FROM packages p LEFT JOIN dist_tags dt ON dt.package_id = p.id AND dt.tag = 'latest'
		WHERE ` + cond + ` ORDER BY (lower(p.name) = ?) DESC, (lower(p.name) LIKE ? ESCAPE '\') DESC, p.name LIMIT ? OFFSET ?`
	qargs := append(args, exact, likeEscape(exact), limit, offset)
	if len(terms) == 0 {
		q = `SELECT p.id, p.name, p.description, p.keywords, p.modified_at, COALESCE(dt.version, '')
		FROM packages p LEFT JOIN dist_tags dt ON dt.package_id = p.id AND dt.tag = 'latest'
		WHERE ` + cond + ` ORDER BY p.modified_at DESC, p.name LIMIT ? OFFSET ?`
		qargs = append(args, limit, offset)
	}
	rows, err := t.query(q, qargs...)
	if err != nil {
		return nil, 0, err
	}
	type hitID struct {
		id  int64
		hit core.SearchHit
	}
	var hits []hitID
	for rows.Next() {
		var h hitID
		var modified int64
		if err := rows.Scan(&h.id, &h.hit.Name, &h.hit.Description, &h.hit.Keywords, &modified, &h.hit.Version); err != nil {
			rows.Close()
			return nil, 0, err
		}
		h.hit.Date = fromMS(modified)
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out := make([]core.SearchHit, len(hits))
	for i, h := range hits {
		ms, err := t.Maintainers(h.id)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range ms {
			h.hit.Maintainers = append(h.hit.Maintainers, m.Name)
		}
		if h.hit.Version != "" {
			var pub string
			err := t.row(`SELECT u.name FROM versions v JOIN users u ON u.id = v.publisher_id WHERE v.package_id = ? AND v.version = ?`, h.id, h.hit.Version).Scan(&pub)
			if err == nil {
				h.hit.Publisher = pub
			}
		}
		out[i] = h.hit
	}
	return out, total, nil
}

func (t *tx) AllPackageNames() ([]string, error) {
	rows, err := t.query(`SELECT name FROM packages ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
