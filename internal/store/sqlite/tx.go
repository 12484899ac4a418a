package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

type tx struct {
	ctx context.Context
	tx  *sql.Tx
}

var _ store.Tx = (*tx)(nil)

// ms stores a time as Unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, q, args...)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *tx) row(q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ---- users ----

const userCols = `id, name, email, password_hash, email_verified, is_admin, disabled_at, created_at, password_compromised`

func scanUser(sc interface{ Scan(...any) error }) (*core.User, error) {
	var u core.User
	var verified, admin, compromised int
	var disabled, created int64
	if err := sc.Scan(&u.ID, &u.Name, &u.Email, &u.PasswordHash, &verified, &admin, &disabled, &created, &compromised); err != nil {
		return nil, err
	}
	u.EmailVerified, u.Admin, u.PasswordCompromised = verified == 1, admin == 1, compromised == 1
	u.DisabledAt, u.CreatedAt = fromMS(disabled), fromMS(created)
	return &u, nil
}

// emailKey is what the unique column users.email_lower holds: the address
// in lower case once verified, and while unverified the address followed
// by the user's name, which no address can end in (a domain has no
// spaces), so that unverified claims never collide with each other or
// with a verified address (store.Users). Migration 0017 rewrote the rows
// from before.
func emailKey(email, name string, verified bool) string {
	if verified {
		return strings.ToLower(email)
	}
	return strings.ToLower(email) + unverifiedKeySuffix(name)
}

func unverifiedKeySuffix(name string) string { return " (unverified " + name + ")" }

func (t *tx) CreateUser(u *core.User) error {
	res, err := t.exec(`INSERT INTO users (name, email, email_lower, password_hash, email_verified, is_admin, disabled_at, created_at, password_compromised) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.Email, emailKey(u.Email, u.Name, u.EmailVerified), u.PasswordHash, boolInt(u.EmailVerified), boolInt(u.Admin), ms(u.DisabledAt), ms(u.CreatedAt), boolInt(u.PasswordCompromised))
	if err != nil {
		return conflict(err, "creating user %s", u.Name)
	}
	u.ID, err = res.LastInsertId()
	return err
}

func (t *tx) UserByID(id int64) (*core.User, error) {
	u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "user %d", id)
	}
	return u, nil
}

func (t *tx) UserByName(name string) (*core.User, error) {
	u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE name = ?`, name))
	if err != nil {
		return nil, notFound(err, "user %s", name)
	}
	return u, nil
}

func (t *tx) UserByEmail(email string) (*core.User, error) {
	u, err := scanUser(t.row(`SELECT `+userCols+` FROM users WHERE email_lower = ?`, strings.ToLower(email)))
	if err != nil {
		return nil, notFound(err, "user with email %s", email)
	}
	return u, nil
}

func (t *tx) UpdateUser(u *core.User) error {
	// The name is not updatable: the key's suffix takes the stored one.
	res, err := t.exec(`UPDATE users SET email = ?, email_lower = CASE WHEN ? THEN ? ELSE ? || ' (unverified ' || name || ')' END, password_hash = ?, email_verified = ?, is_admin = ?, disabled_at = ?, password_compromised = ? WHERE id = ?`,
		u.Email, u.EmailVerified, strings.ToLower(u.Email), strings.ToLower(u.Email), u.PasswordHash, boolInt(u.EmailVerified), boolInt(u.Admin), ms(u.DisabledAt), boolInt(u.PasswordCompromised), u.ID)
	if err != nil {
		return conflict(err, "updating user %s", u.Name)
	}
	return mustAffect(res, "user %d", u.ID)
}

func (t *tx) CountUsers() (int, error) {
	var n int
	err := t.row(`SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// collect scans every row of a query with scan: the one loop behind the
// list methods.
func collect[T any](rows *sql.Rows, err error, scan func(interface{ Scan(...any) error }) (*T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

func mustAffect(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), core.ErrNotFound)
	}
	return nil
}

// ---- tokens ----

const tokenCols = `id, key, user_id, hash, mask, name, kind, actions, packages, cidrs, created_at, expires_at, revoked_at, mfa_verified_at, phishing_resistant_at`

func scanToken(sc interface{ Scan(...any) error }) (*core.Token, error) {
	var tk core.Token
	var actions, packages, cidrs string
	var created, expires, revoked, mfa, pr int64
	if err := sc.Scan(&tk.ID, &tk.Key, &tk.UserID, &tk.Hash, &tk.Mask, &tk.Name, &tk.Kind, &actions, &packages, &cidrs, &created, &expires, &revoked, &mfa, &pr); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(actions), &tk.Actions); err != nil {
		return nil, fmt.Errorf("token %d actions: %w", tk.ID, err)
	}
	if err := json.Unmarshal([]byte(packages), &tk.Packages); err != nil {
		return nil, fmt.Errorf("token %d packages: %w", tk.ID, err)
	}
	if err := json.Unmarshal([]byte(cidrs), &tk.CIDRs); err != nil {
		return nil, fmt.Errorf("token %d cidrs: %w", tk.ID, err)
	}
	tk.CreatedAt, tk.ExpiresAt, tk.RevokedAt, tk.MFAVerifiedAt = fromMS(created), fromMS(expires), fromMS(revoked), fromMS(mfa)
	tk.PhishingResistantAt = fromMS(pr)
	return &tk, nil
}

func jsonList[T any](v []T) string {
	if v == nil {
		v = []T{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *tx) CreateToken(tk *core.Token) error {
	res, err := t.exec(`INSERT INTO tokens (key, user_id, hash, mask, name, kind, actions, packages, cidrs, created_at, expires_at, revoked_at, mfa_verified_at, phishing_resistant_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tk.Key, tk.UserID, tk.Hash, tk.Mask, tk.Name, string(tk.Kind), jsonList(tk.Actions), jsonList(tk.Packages), jsonList(tk.CIDRs), ms(tk.CreatedAt), ms(tk.ExpiresAt), ms(tk.RevokedAt), ms(tk.MFAVerifiedAt), ms(tk.PhishingResistantAt))
	if err != nil {
		return conflict(err, "creating token")
	}
	tk.ID, err = res.LastInsertId()
	return err
}

func (t *tx) TokenByHash(hash string) (*core.Token, error) {
	tk, err := scanToken(t.row(`SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if err != nil {
		return nil, notFound(err, "token")
	}
	return tk, nil
}

func (t *tx) TokensByUser(userID int64) ([]core.Token, error) {
	rows, err := t.query(`SELECT `+tokenCols+` FROM tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`, userID)
	return collect(rows, err, scanToken)
}

func (t *tx) RevokeToken(userID int64, key string, at time.Time) error {
	res, err := t.exec(`UPDATE tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE revoked_at END WHERE user_id = ? AND key = ?`, ms(at), userID, key)
	if err != nil {
		return err
	}
	return mustAffect(res, "token %s", key)
}

// ---- packages ----

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
	_, err := t.exec(`INSERT INTO versions (package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated, unpublished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.PackageID, v.Version, []byte(v.Manifest), v.Integrity, v.Shasum, v.Digest, v.Size, v.FileCount, v.UnpackedSize, v.PublisherID, ms(v.PublishedAt), v.Deprecated, ms(v.UnpublishedAt))
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
	res, err := t.exec(`UPDATE versions SET deprecated = ?, unpublished_at = ? WHERE package_id = ? AND version = ?`,
		v.Deprecated, ms(v.UnpublishedAt), v.PackageID, v.Version)
	if err != nil {
		return err
	}
	return mustAffect(res, "version %s", v.Version)
}

const versionCols = `package_id, version, manifest, integrity, shasum, digest, size, file_count, unpacked_size, publisher_id, published_at, deprecated, unpublished_at`

func scanVersion(sc interface{ Scan(...any) error }) (*core.Version, error) {
	var v core.Version
	var manifest []byte
	var published, unpub int64
	if err := sc.Scan(&v.PackageID, &v.Version, &manifest, &v.Integrity, &v.Shasum, &v.Digest, &v.Size, &v.FileCount, &v.UnpackedSize, &v.PublisherID, &published, &v.Deprecated, &unpub); err != nil {
		return nil, err
	}
	v.Manifest = manifest
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
	err := t.row(`SELECT integrity, shasum, digest, size, published_at, unpublished_at FROM versions WHERE package_id = ? AND version = ?`, packageID, version).
		Scan(&v.Integrity, &v.Shasum, &v.Digest, &v.Size, &published, &unpub)
	if err != nil {
		return nil, notFound(err, "version %s", version)
	}
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

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
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

// ---- documents ----

func (t *tx) PutDocument(d *core.Document) error {
	_, err := t.exec(`INSERT INTO documents (name, etag, restricted, full, full_gz, abbrev, abbrev_gz) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, restricted = excluded.restricted, full = excluded.full, full_gz = excluded.full_gz, abbrev = excluded.abbrev, abbrev_gz = excluded.abbrev_gz`,
		d.Name, d.ETag, boolInt(d.Restricted), d.Full, d.FullGz, d.Abbrev, d.AbbrevGz)
	return err
}

func (t *tx) DeleteDocument(name string) error {
	_, err := t.exec(`DELETE FROM documents WHERE name = ?`, name)
	return err
}

// ---- events ----

func (t *tx) AppendEvent(e *core.Event) error {
	data := string(e.Data)
	if data == "" {
		data = "{}"
	}
	res, err := t.exec(`INSERT INTO events (at, type, actor, package, version, data) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(e.At), e.Type, e.Actor, e.Package, e.Version, data)
	if err != nil {
		return err
	}
	e.Seq, err = res.LastInsertId()
	return err
}

func (t *tx) scanEvents(rows *sql.Rows, err error) ([]core.Event, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.Event
	for rows.Next() {
		var e core.Event
		var at int64
		var data string
		if err := rows.Scan(&e.Seq, &at, &e.Type, &e.Actor, &e.Package, &e.Version, &data); err != nil {
			return nil, err
		}
		e.At, e.Data = fromMS(at), json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *tx) EventsAfter(seq int64, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(`SELECT seq, at, type, actor, package, version, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit))
}

func (t *tx) EventsFor(packageName string, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(`SELECT seq, at, type, actor, package, version, data FROM events WHERE package = ? ORDER BY seq DESC LIMIT ?`, packageName, limit))
}

func (t *tx) EventsByActor(actor string, limit int) ([]core.Event, error) {
	return t.scanEvents(t.query(`SELECT seq, at, type, actor, package, version, data FROM events WHERE actor = ? ORDER BY seq DESC LIMIT ?`, actor, limit))
}

// ---- downloads ----

func unixDay(t time.Time) int64 { return t.UTC().Unix() / 86400 }

func (t *tx) AddDownloads(packageID int64, day time.Time, n int64) error {
	_, err := t.exec(`INSERT INTO downloads (package_id, day, count) VALUES (?, ?, ?) ON CONFLICT (package_id, day) DO UPDATE SET count = count + excluded.count`,
		packageID, unixDay(day), n)
	return err
}

func (t *tx) CountDownload(packageID int64, day time.Time, source string) (bool, error) {
	d := unixDay(day)
	res, err := t.exec(`INSERT INTO download_sources (package_id, day, source) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, packageID, d, source)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = t.exec(`INSERT INTO downloads (package_id, day, count) VALUES (?, ?, 1) ON CONFLICT (package_id, day) DO UPDATE SET count = count + 1`, packageID, d)
	return err == nil, err
}

func (t *tx) SweepDownloadSources(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM download_sources WHERE day < ?`, unixDay(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) DownloadsSince(packageID int64, since time.Time) (int64, error) {
	var n int64
	err := t.row(`SELECT COALESCE(sum(count), 0) FROM downloads WHERE package_id = ? AND day >= ?`, packageID, unixDay(since)).Scan(&n)
	return n, err
}

// ---- throttles ----

func (t *tx) Throttle(key string) (*core.Throttle, error) {
	th := core.Throttle{Key: key}
	var last, until int64
	err := t.row(`SELECT failures, last_failure, blocked_until FROM throttles WHERE key = ?`, key).Scan(&th.Failures, &last, &until)
	if err != nil {
		return nil, notFound(err, "throttle")
	}
	th.LastFailure, th.BlockedUntil = fromMS(last), fromMS(until)
	return &th, nil
}

func (t *tx) PutThrottle(th *core.Throttle) error {
	_, err := t.exec(`INSERT INTO throttles (key, failures, last_failure, blocked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure, blocked_until = excluded.blocked_until`,
		th.Key, th.Failures, ms(th.LastFailure), ms(th.BlockedUntil))
	return err
}

func (t *tx) DeleteThrottle(key string) error {
	_, err := t.exec(`DELETE FROM throttles WHERE key = ?`, key)
	return err
}

// ---- housekeeping ----

func (t *tx) Sweep(now, idleSince time.Time) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM web_sessions WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM webauthn_ceremonies WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM cli_logins WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM web_otps WHERE expires_at <= ?`, []any{ms(now)}},
		{`DELETE FROM email_tokens WHERE expires_at < ?`, []any{ms(idleSince)}},
		{`DELETE FROM throttles WHERE last_failure < ? AND blocked_until <= ?`, []any{ms(idleSince), ms(now)}},
	} {
		res, err := t.exec(q.sql, q.args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// ---- web sessions ----

func (t *tx) CreateWebSession(s *core.WebSession) error {
	signedIn := s.SignedInAt
	if signedIn.IsZero() {
		signedIn = s.CreatedAt
	}
	_, err := t.exec(`INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at, mfa_verified_at, pending, phishing_resistant, signed_in_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, ms(s.CreatedAt), ms(s.ExpiresAt), ms(s.MFAVerifiedAt), boolInt(s.Pending), boolInt(s.PhishingResistant), ms(signedIn))
	if err != nil {
		return conflict(err, "creating session")
	}
	return nil
}

func (t *tx) WebSession(idHash string) (*core.WebSession, error) {
	s := core.WebSession{IDHash: idHash}
	var created, expires, mfa, signedIn int64
	err := t.row(`SELECT user_id, created_at, expires_at, mfa_verified_at, pending, phishing_resistant, signed_in_at FROM web_sessions WHERE id_hash = ?`, idHash).Scan(&s.UserID, &created, &expires, &mfa, &s.Pending, &s.PhishingResistant, &signedIn)
	if err != nil {
		return nil, notFound(err, "session")
	}
	s.CreatedAt, s.ExpiresAt, s.MFAVerifiedAt, s.SignedInAt = fromMS(created), fromMS(expires), fromMS(mfa), signedInAt(signedIn, created)
	return &s, nil
}

func (t *tx) DeleteWebSession(idHash string) error {
	_, err := t.exec(`DELETE FROM web_sessions WHERE id_hash = ?`, idHash)
	return err
}

func (t *tx) DeleteWebSessionsByUser(userID int64) error {
	_, err := t.exec(`DELETE FROM web_sessions WHERE user_id = ?`, userID)
	return err
}

func (t *tx) SetWebSessionMFA(idHash string, at time.Time, phishingResistant bool) error {
	res, err := t.exec(`UPDATE web_sessions SET mfa_verified_at = ?, phishing_resistant = ? WHERE id_hash = ?`, ms(at), boolInt(phishingResistant), idHash)
	if err != nil {
		return err
	}
	return mustAffect(res, "session")
}

// ---- second factors ----

func (t *tx) TOTP(userID int64) (*core.TOTP, error) {
	o := core.TOTP{UserID: userID}
	var created, confirmed int64
	err := t.row(`SELECT secret, created_at, confirmed_at, last_step FROM totp WHERE user_id = ?`, userID).Scan(&o.Secret, &created, &confirmed, &o.LastStep)
	if err != nil {
		return nil, notFound(err, "TOTP of user %d", userID)
	}
	o.CreatedAt, o.ConfirmedAt = fromMS(created), fromMS(confirmed)
	return &o, nil
}

func (t *tx) PutTOTP(o *core.TOTP) error {
	_, err := t.exec(`INSERT INTO totp (user_id, secret, created_at, confirmed_at, last_step) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, confirmed_at = excluded.confirmed_at, last_step = excluded.last_step`,
		o.UserID, o.Secret, ms(o.CreatedAt), ms(o.ConfirmedAt), o.LastStep)
	return err
}

func (t *tx) DeleteTOTP(userID int64) error {
	_, err := t.exec(`DELETE FROM totp WHERE user_id = ?`, userID)
	return err
}

func (t *tx) AdvanceTOTPStep(userID, prev, next int64) error {
	res, err := t.exec(`UPDATE totp SET last_step = ? WHERE user_id = ? AND last_step = ?`, next, userID, prev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := t.TOTP(userID); err != nil {
		return err
	}
	return fmt.Errorf("TOTP step of user %d moved on: %w", userID, core.ErrConflict)
}

func (t *tx) RecoveryCodes(userID int64) ([]string, error) {
	rows, err := t.query(`SELECT hash FROM recovery_codes WHERE user_id = ? ORDER BY hash`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (t *tx) SetRecoveryCodes(userID int64, hashes []string, at time.Time) error {
	if _, err := t.exec(`DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := t.exec(`INSERT INTO recovery_codes (user_id, hash, created_at) VALUES (?, ?, ?)`, userID, h, ms(at)); err != nil {
			return conflict(err, "storing recovery code")
		}
	}
	return nil
}

func (t *tx) UseRecoveryCode(userID int64, hash string) error {
	res, err := t.exec(`DELETE FROM recovery_codes WHERE user_id = ? AND hash = ?`, userID, hash)
	if err != nil {
		return err
	}
	return mustAffect(res, "recovery code")
}

// ---- email tokens ----

func (t *tx) CreateEmailToken(et *core.EmailToken) error {
	_, err := t.exec(`INSERT INTO email_tokens (hash, user_id, purpose, email, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		et.Hash, et.UserID, string(et.Purpose), et.Email, ms(et.CreatedAt), ms(et.ExpiresAt), ms(et.UsedAt))
	if err != nil {
		return conflict(err, "creating email token")
	}
	return nil
}

func (t *tx) EmailToken(hash string) (*core.EmailToken, error) {
	et := core.EmailToken{Hash: hash}
	var purpose string
	var created, expires, used int64
	err := t.row(`SELECT user_id, purpose, email, created_at, expires_at, used_at FROM email_tokens WHERE hash = ?`, hash).
		Scan(&et.UserID, &purpose, &et.Email, &created, &expires, &used)
	if err != nil {
		return nil, notFound(err, "email token")
	}
	et.Purpose = core.EmailTokenPurpose(purpose)
	et.CreatedAt, et.ExpiresAt, et.UsedAt = fromMS(created), fromMS(expires), fromMS(used)
	return &et, nil
}

func (t *tx) UseEmailToken(hash string, at time.Time) error {
	res, err := t.exec(`UPDATE email_tokens SET used_at = ? WHERE hash = ? AND used_at = 0`, ms(at), hash)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := t.EmailToken(hash); err != nil {
		return err
	}
	return fmt.Errorf("email token already used: %w", core.ErrConflict)
}

func (t *tx) LiveEmailToken(userID int64, purpose core.EmailTokenPurpose, now time.Time) (*core.EmailToken, error) {
	var hash string
	err := t.row(`SELECT hash FROM email_tokens WHERE user_id = ? AND purpose = ? AND used_at = 0 AND expires_at > ?
		ORDER BY created_at DESC, hash LIMIT 1`, userID, string(purpose), ms(now)).Scan(&hash)
	if err != nil {
		return nil, notFound(err, "live email token")
	}
	return t.EmailToken(hash)
}

func (t *tx) ExpireEmailTokens(userID int64, purpose core.EmailTokenPurpose, at time.Time) error {
	_, err := t.exec(`UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at = 0`, ms(at), userID, string(purpose))
	return err
}

// ---- meta ----

func (t *tx) GetMeta(key string) (string, error) {
	var v string
	if err := t.row(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v); err != nil {
		return "", notFound(err, "meta %s", key)
	}
	return v, nil
}

func (t *tx) SetMeta(key, value string) error {
	_, err := t.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
