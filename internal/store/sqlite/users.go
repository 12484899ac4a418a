package sqlite

import (
	"database/sql"
	"strings"

	"github.com/rampart/rampart/internal/core"
)

const userCols = `id, name, email, password_hash, email_verified, is_admin, disabled_at, created_at, password_compromised, is_moderator`

func scanUser(sc interface{ Scan(...any) error }) (*core.User, error) {
	var u core.User
	var verified, admin, compromised, moderator int
	var disabled, created int64
	if err := sc.Scan(&u.ID, &u.Name, &u.Email, &u.PasswordHash, &verified, &admin, &disabled, &created, &compromised, &moderator); err != nil {
		return nil, err
	}
	u.EmailVerified, u.Admin, u.PasswordCompromised, u.Moderator = verified == 1, admin == 1, compromised == 1, moderator == 1
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
	res, err := t.exec(`INSERT INTO users (name, email, email_lower, password_hash, email_verified, is_admin, disabled_at, created_at, password_compromised, is_moderator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.Email, emailKey(u.Email, u.Name, u.EmailVerified), u.PasswordHash, boolInt(u.EmailVerified), boolInt(u.Admin), ms(u.DisabledAt), ms(u.CreatedAt), boolInt(u.PasswordCompromised), boolInt(u.Moderator))
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
	res, err := t.exec(`UPDATE users SET email = ?, email_lower = CASE WHEN ? THEN ? ELSE ? || ' (unverified ' || name || ')' END, password_hash = ?, email_verified = ?, is_admin = ?, disabled_at = ?, password_compromised = ?, is_moderator = ? WHERE id = ?`,
		u.Email, u.EmailVerified, strings.ToLower(u.Email), strings.ToLower(u.Email), u.PasswordHash, boolInt(u.EmailVerified), boolInt(u.Admin), ms(u.DisabledAt), boolInt(u.PasswordCompromised), boolInt(u.Moderator), u.ID)
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

func (t *tx) SiteStaff() ([]core.User, error) {
	return t.users(t.query(`SELECT ` + userCols + ` FROM users WHERE (is_moderator = 1 OR is_admin = 1) AND disabled_at = 0 ORDER BY name`))
}

func (t *tx) SearchUsers(query, after string, limit int) ([]core.User, error) {
	q := likeEscape(query)
	return t.users(t.query(`SELECT `+userCols+` FROM users WHERE (lower(name) LIKE ? ESCAPE '\' OR lower(email) LIKE ? ESCAPE '\') AND name > ? ORDER BY name LIMIT ?`, q, q, after, limit))
}

func (t *tx) users(rows *sql.Rows, err error) ([]core.User, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []core.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}
