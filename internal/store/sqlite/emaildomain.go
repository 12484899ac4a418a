package sqlite

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
)

// ---- email domain status ----

func (t *tx) PutEmailDomainStatus(s *core.EmailDomainStatus) error {
	reasons, err := json.Marshal(orEmptyStrings(s.Reasons))
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO email_domain_status (user_id, email_lower, domain, status, reasons, checked_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET email_lower = excluded.email_lower, domain = excluded.domain, status = excluded.status, reasons = excluded.reasons, checked_at = excluded.checked_at`,
		s.UserID, strings.ToLower(s.Email), s.Domain, s.Status, string(reasons), ms(s.CheckedAt))
	if err != nil {
		return conflict(err, "storing email domain status of user %d", s.UserID)
	}
	return nil
}

func (t *tx) EmailDomainStatus(userID int64) (*core.EmailDomainStatus, error) {
	s := core.EmailDomainStatus{UserID: userID}
	var reasons string
	var checked int64
	err := t.row(`SELECT email_lower, domain, status, reasons, checked_at FROM email_domain_status WHERE user_id = ?`, userID).
		Scan(&s.Email, &s.Domain, &s.Status, &reasons, &checked)
	if err != nil {
		return nil, notFound(err, "email domain status of user %d", userID)
	}
	if err := json.Unmarshal([]byte(reasons), &s.Reasons); err != nil {
		return nil, err
	}
	s.CheckedAt = fromMS(checked)
	return &s, nil
}

func (t *tx) UsersDueForDomainCheck(before time.Time, limit int) ([]core.User, error) {
	rows, err := t.query(`SELECT `+prefixed("u.", userCols)+` FROM users u LEFT JOIN email_domain_status s ON s.user_id = u.id
		WHERE u.email_verified = 1 AND u.disabled_at = 0
		  AND (s.user_id IS NULL OR s.checked_at < ? OR s.email_lower <> u.email_lower)
		ORDER BY CASE WHEN s.user_id IS NULL OR s.email_lower <> u.email_lower THEN 0 ELSE s.checked_at END, u.id LIMIT ?`, ms(before), limit)
	return collect(rows, err, scanUser)
}

func orEmptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
