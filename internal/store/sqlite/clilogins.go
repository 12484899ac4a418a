package sqlite

import (
	"fmt"
	"time"

	"github.com/rampart/rampart/internal/core"
)

const cliLoginCols = `done_hash, login_hash, addr, created_at, expires_at, user_id, approved_at, mfa_verified_at, phishing_resistant, collected_at, for_user_id`

func scanCLILogin(sc interface{ Scan(...any) error }) (*core.CLILogin, error) {
	var l core.CLILogin
	var created, expires, approved, mfa, collected int64
	if err := sc.Scan(&l.DoneHash, &l.LoginHash, &l.Addr, &created, &expires, &l.UserID, &approved, &mfa, &l.PhishingResistant, &collected, &l.ForUserID); err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt, l.ApprovedAt, l.MFAVerifiedAt, l.CollectedAt = fromMS(created), fromMS(expires), fromMS(approved), fromMS(mfa), fromMS(collected)
	return &l, nil
}

func (t *tx) CreateCLILogin(l *core.CLILogin) error {
	_, err := t.exec(`INSERT INTO cli_logins (`+cliLoginCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.DoneHash, l.LoginHash, l.Addr, ms(l.CreatedAt), ms(l.ExpiresAt), l.UserID, ms(l.ApprovedAt), ms(l.MFAVerifiedAt), boolInt(l.PhishingResistant), ms(l.CollectedAt), l.ForUserID)
	if err != nil {
		return conflict(err, "creating CLI login")
	}
	// Logins a day past expiry are of no use to anyone.
	_, err = t.exec(`DELETE FROM cli_logins WHERE expires_at < ?`, ms(l.CreatedAt.Add(-24*time.Hour)))
	return err
}

func (t *tx) CLILoginByDone(doneHash string) (*core.CLILogin, error) {
	l, err := scanCLILogin(t.row(`SELECT `+cliLoginCols+` FROM cli_logins WHERE done_hash = ?`, doneHash))
	if err != nil {
		return nil, notFound(err, "CLI login")
	}
	return l, nil
}

func (t *tx) CLILoginByLogin(loginHash string) (*core.CLILogin, error) {
	l, err := scanCLILogin(t.row(`SELECT `+cliLoginCols+` FROM cli_logins WHERE login_hash = ?`, loginHash))
	if err != nil {
		return nil, notFound(err, "CLI login")
	}
	return l, nil
}

func (t *tx) ApproveCLILogin(loginHash string, userID int64, at, mfaAt time.Time, phishingResistant bool) error {
	res, err := t.exec(`UPDATE cli_logins SET user_id = ?, approved_at = ?, mfa_verified_at = ?, phishing_resistant = ? WHERE login_hash = ? AND approved_at = 0`,
		userID, ms(at), ms(mfaAt), boolInt(phishingResistant), loginHash)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := t.CLILoginByLogin(loginHash); err != nil {
		return err
	}
	return fmt.Errorf("CLI login already approved: %w", core.ErrConflict)
}

func (t *tx) CollectCLILogin(doneHash string, at time.Time) error {
	res, err := t.exec(`UPDATE cli_logins SET collected_at = ? WHERE done_hash = ? AND approved_at <> 0 AND collected_at = 0`, ms(at), doneHash)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := t.CLILoginByDone(doneHash); err != nil {
		return err
	}
	return fmt.Errorf("CLI login not approved or already collected: %w", core.ErrConflict)
}

// ---- npm web OTP ----

func (t *tx) CreateWebOTP(valueHash string, userID int64, purpose core.WebOTPPurpose, expiresAt time.Time) error {
	if _, err := t.exec(`INSERT INTO web_otps (value_hash, user_id, purpose, expires_at) VALUES (?, ?, ?, ?)`, valueHash, userID, string(purpose), ms(expiresAt)); err != nil {
		return conflict(err, "creating web OTP")
	}
	// Values a day past expiry are of no use to anyone.
	_, err := t.exec(`DELETE FROM web_otps WHERE expires_at < ?`, ms(expiresAt.Add(-24*time.Hour)))
	return err
}

func (t *tx) SpendWebOTP(valueHash string, userID int64, purpose core.WebOTPPurpose, now time.Time) error {
	res, err := t.exec(`DELETE FROM web_otps WHERE value_hash = ? AND user_id = ? AND purpose = ? AND expires_at > ?`, valueHash, userID, string(purpose), ms(now))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return fmt.Errorf("web OTP: %w", core.ErrNotFound)
}

func (t *tx) DeleteCLILoginsByUser(userID int64) error {
	if _, err := t.exec(`DELETE FROM cli_logins WHERE user_id = ? OR for_user_id = ?`, userID, userID); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM web_otps WHERE user_id = ?`, userID); err != nil {
		return err
	}
	// user_id 0 marks a passkey sign-in, which belongs to nobody yet.
	_, err := t.exec(`DELETE FROM webauthn_ceremonies WHERE user_id = ? AND user_id <> 0`, userID)
	return err
}
