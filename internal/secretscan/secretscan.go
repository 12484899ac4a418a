// Package secretscan makes leaked API tokens revoke themselves. It takes
// reports from secret scanners in GitHub's partner-programme format (a
// JSON array of {token, type, url, source}, signed with ECDSA P-256 over
// SHA-256 by a key the scanner publishes), and the credentials the
// publish pipeline finds inside an uploaded package (internal/secretfind).
// Every live token of this registry among them is revoked, idempotently,
// with a TokenLeaked event in the same transaction, and its owner is
// mailed from the event outbox where it was found and what to do.
//
// A report is checked before anything in it is read: its signature is
// verified over the raw body with the scanner's key (keys.go) before the
// JSON is decoded, and the same signed body is refused while its digest is
// remembered (store.ScanReports). Tokens are looked up by hash only; the
// reported values are never stored or logged.
package secretscan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/token"
)

// Labels of a match in the answer to a scanner, as GitHub's partner
// programme defines them (the only two values it accepts).
const (
	// LabelTruePositive: a live token of this registry, now revoked.
	LabelTruePositive = "true_positive"
	// LabelFalsePositive: not a token this registry issued, or one that
	// was already revoked or expired.
	LabelFalsePositive = "false_positive"
)

// ScannerPublish names the upload scan in TokenLeaked events.
const ScannerPublish = "publish"

// Scanner is one secret-scanning service that may report leaked tokens.
type Scanner struct {
	// Name is the last path element of its endpoint
	// (POST /-/secret-scanning/<name>).
	Name string
	// KeysURL serves its public keys in GitHub's format.
	KeysURL string
}

// Config is what the service needs besides its store.
type Config struct {
	// Reports turns the report endpoint on; off, every report is refused.
	Reports bool
	// Scanners are the services whose reports are accepted.
	Scanners []Scanner
	// ReplayWindow is how long a report's digest is kept: the same signed
	// body within it is refused.
	ReplayWindow time.Duration
	// WarnForeignTokens downgrades the refusal of an upload holding
	// another registry's token (or a Rampart token not live here) to a
	// warning the publisher sees.
	WarnForeignTokens bool
	// SecurityURL is the account security page, named in the notices.
	SecurityURL string
	// Fetch gets a scanner's key list.
	Fetch Fetch
}

// Service handles reports of leaked tokens.
type Service struct {
	store   store.Store
	cfg     Config
	rings   map[string]*keyring
	notices *notifier.Notifier
	now     func() time.Time
	log     *slog.Logger
}

// metaNoticeCursor is the store.Meta key of the leaked-token notices'
// outbox cursor (migration 0033 sets it for an existing registry).
const metaNoticeCursor = "notices.secretscan"

// New returns the service. Its notices go out through m once Run runs.
func New(st store.Store, m mail.Mailer, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	s := &Service{store: st, cfg: cfg, rings: map[string]*keyring{}, now: now, log: log}
	for _, sc := range cfg.Scanners {
		s.rings[sc.Name] = &keyring{url: sc.KeysURL, fetch: cfg.Fetch}
	}
	s.notices = notifier.New(st, m, metaNoticeCursor, s.noticesOf, log).Types(core.EventTokenLeaked)
	return s
}

// Notices is the leaked-token notifier, a subscriber the composition root adds
// to the outbox's one dispatcher (notifier.Dispatcher).
func (s *Service) Notices() *notifier.Notifier { return s.notices }

// Match is one entry of a report.
type Match struct {
	Token  string `json:"token"`
	Type   string `json:"type"`
	URL    string `json:"url"`
	Source string `json:"source"`
}

// Label is the answer about one match, in the partner format: the token
// by its SHA-256 only.
type Label struct {
	TokenHash string `json:"token_hash"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
	URL       string `json:"url"`
}

// Report verifies and acts on one scanner's report: body is the raw
// request body, keyID and sig the Github-Public-Key-Identifier and
// Github-Public-Key-Signature headers. It answers one label per match.
func (s *Service) Report(ctx context.Context, scanner, keyID, sig string, body []byte) ([]Label, error) {
	if !s.cfg.Reports {
		return nil, core.Errorf(core.KindNotFound, "this registry does not take secret-scanning reports ([secret_scanning] reports = false)")
	}
	ring, ok := s.rings[scanner]
	if !ok {
		return nil, core.Errorf(core.KindNotFound, "no secret scanner named %s is configured on this registry ([[secret_scanning.scanners]])", quote.Untrusted(scanner))
	}
	if keyID == "" || sig == "" {
		return nil, core.Errorf(core.KindUnauthenticated, "a report must be signed: the Github-Public-Key-Identifier and Github-Public-Key-Signature headers are required")
	}
	now := s.now()
	pub, err := ring.key(ctx, scanner, keyID, now)
	if err != nil {
		return nil, err
	}
	if err := verify(pub, body, sig); err != nil {
		return nil, err
	}
	// Only now, with the body known to be the scanner's, is it decoded.
	matches, err := decodeReport(body)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(body)
	var labels []Label
	var revoked int
	err = s.store.Update(ctx, func(tx store.Tx) error {
		labels, revoked = nil, 0
		if err := tx.RememberScanReport(hex.EncodeToString(digest[:]), now, now.Add(s.cfg.ReplayWindow)); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "this report was received before (the same signed body): it is not acted on twice")
			}
			return err
		}
		seen := map[string]string{}
		for _, m := range matches {
			hash := token.Hash(m.Token)
			label, done := seen[hash]
			if !done {
				cut := func(s string) string { return quote.TruncateUTF8(s, limits.MaxScanReportFieldBytes) }
				leak := event.TokenLeaked{Scanner: scanner, TokenType: cut(m.Type), Source: cut(m.Source), URL: cut(m.URL)}
				ok, err := s.revokeLeaked(tx, m.Token, hash, leak, now)
				if err != nil {
					return err
				}
				label = LabelFalsePositive
				if ok {
					label, revoked = LabelTruePositive, revoked+1
				}
				seen[hash] = label
			}
			labels = append(labels, Label{TokenHash: hash, TokenType: m.Type, Label: label, URL: m.URL})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "secret-scanning report", "scanner", scanner, "matches", len(matches), "revoked", revoked)
	if revoked > 0 {
		s.notices.Wake()
	}
	return labels, nil
}

// decodeReport reads a verified report: a JSON array of matches, at most
// limits.MaxScanReportTokens.
func decodeReport(body []byte) ([]Match, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	var ms []Match
	if err := d.Decode(&ms); err != nil {
		return nil, core.Errorf(core.KindInvalid, "the report is not a JSON array of {token, type, url, source}: %w", err)
	}
	if d.More() {
		return nil, core.Errorf(core.KindInvalid, "the report has data after its JSON array")
	}
	if len(ms) > limits.MaxScanReportTokens {
		return nil, core.Errorf(core.KindTooLarge, "the report lists %d matches, more than %d; send them in several reports", len(ms), limits.MaxScanReportTokens)
	}
	return ms, nil
}

// revokeLeaked revokes the token whose hash is hash if it is live at now,
// recording leak (filled with the token and its owner, who is the event's
// actor: it shows in their account history) as its event.
// value, when given, is checked offline first: a value that is not a
// well-formed Rampart token is no token of ours. It reports whether it
// revoked one; a token already revoked or expired is left alone, so
// revoking is idempotent.
func (s *Service) revokeLeaked(tx store.Tx, value, hash string, leak event.TokenLeaked, now time.Time) (bool, error) {
	if value != "" && token.Check(value) != nil {
		return false, nil
	}
	t, err := tx.TokenByHash(hash)
	if errors.Is(err, core.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !t.RevokedAt.IsZero() || !now.Before(t.ExpiresAt) {
		return false, nil
	}
	u, err := tx.UserByID(t.UserID)
	if err != nil {
		return false, err
	}
	if err := tx.RevokeToken(t.UserID, t.Key, now); err != nil {
		return false, err
	}
	leak.User, leak.Key, leak.Notify = u.Name, t.Key, []string{u.Name}
	leak.Token = t.Mask
	if t.Name != "" {
		leak.Token = fmt.Sprintf("%s (%q)", t.Mask, t.Name)
	}
	return true, tx.AppendEvent(leak.At(now, u.Name))
}

// noticesOf is the notifier's Render: the owner's notice of a leaked
// token.
func (s *Service) noticesOf(e *core.Event) ([]notifier.Notice, error) {
	if e.Type != core.EventTokenLeaked {
		return nil, nil
	}
	p, err := event.Parse(e)
	if err != nil {
		return nil, err
	}
	l, ok := p.(event.TokenLeaked)
	if !ok || len(l.Notify) == 0 {
		return nil, nil
	}
	n := mail.Notice{When: e.At, TokenName: l.Token, FoundAt: foundAt(l), SecurityURL: s.cfg.SecurityURL}
	return []notifier.Notice{{Kind: mail.KindTokenLeaked, Notify: l.Notify, Notice: n}}, nil
}

// foundAt says where a leaked token was found, for its notice.
func foundAt(l event.TokenLeaked) string {
	if l.Scanner == ScannerPublish {
		return fmt.Sprintf("file %s of an upload of %s@%s (refused)", l.File, l.Package, l.Version)
	}
	where := l.URL
	if where == "" {
		where = "a place the scanner did not name"
	}
	if l.Source != "" {
		where += " (" + l.Source + ")"
	}
	return where + ", reported by secret scanner " + l.Scanner
}
