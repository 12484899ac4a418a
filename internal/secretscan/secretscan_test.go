package secretscan

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/secretfind"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/eventcheck"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testclock"
	"github.com/rampart/rampart/internal/token"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// keyServer is a scanner's key list in memory: fetch counts its requests.
type keyServer struct {
	mu      sync.Mutex
	keys    map[string]*ecdsa.PrivateKey
	fetches int
	down    bool
}

func (k *keyServer) add(t testing.TB, id string) *ecdsa.PrivateKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[string]*ecdsa.PrivateKey{}
	}
	k.keys[id] = priv
	return priv
}

func (k *keyServer) fetch(_ context.Context, url string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fetches++
	if k.down {
		return nil, errors.New("connection refused")
	}
	type pk struct {
		KeyIdentifier string `json:"key_identifier"`
		Key           string `json:"key"`
		IsCurrent     bool   `json:"is_current"`
	}
	var l struct {
		PublicKeys []pk `json:"public_keys"`
	}
	for id, priv := range k.keys {
		der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		l.PublicKeys = append(l.PublicKeys, pk{id, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), true})
	}
	return json.Marshal(l)
}

func sign(t *testing.T, priv *ecdsa.PrivateKey, body []byte) string {
	sum := sha256.Sum256(body)
	der, err := ecdsa.SignASN1(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

type sent struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (s *sent) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	return nil
}

type fixture struct {
	svc   *Service
	st    store.Store
	clock *testclock.Clock
	keys  *keyServer
	mails *sent
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := eventcheck.Wrap(t, db)
	f := &fixture{st: st, clock: testclock.New(t0), keys: &keyServer{}, mails: &sent{}}
	cfg.Reports = true
	cfg.Scanners = []Scanner{{Name: "github", KeysURL: "https://keys.example/secret_scanning"}}
	cfg.ReplayWindow = time.Hour
	cfg.SecurityURL = "https://registry.example/account"
	cfg.Fetch = f.keys.fetch
	f.svc = New(st, f.mails, cfg, f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return f
}

// token makes a live token for a new user and returns its value.
func (f *fixture) token(t *testing.T, user, name string) (string, *core.Token) {
	t.Helper()
	tok, err := token.Generate()
	if err != nil {
		t.Fatal(err)
	}
	ct := &core.Token{Key: user + "-key", Hash: token.Hash(tok), Mask: token.Mask(tok), Name: name, Kind: "api",
		Actions: []core.TokenAction{core.TokenPublish}, CreatedAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	err = f.st.Update(t.Context(), func(tx store.Tx) error {
		u := &core.User{Name: user, Email: user + "@example.com", EmailVerified: true, CreatedAt: t0, PasswordHash: "x"}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		ct.UserID = u.ID
		if err := tx.CreateToken(ct); err != nil {
			return err
		}
		return tx.AppendEvent(event.TokenCreate{Key: ct.Key}.At(t0, user))
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok, ct
}

func (f *fixture) revokedAt(t *testing.T, tok string) time.Time {
	t.Helper()
	var at time.Time
	err := f.st.View(t.Context(), func(tx store.Tx) error {
		ct, err := tx.TokenByHash(token.Hash(tok))
		if err == nil {
			at = ct.RevokedAt
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func (f *fixture) leakEvents(t *testing.T) []event.TokenLeaked {
	t.Helper()
	var out []event.TokenLeaked
	err := f.st.View(t.Context(), func(tx store.Tx) error {
		es, err := tx.EventsAfter(0, 1000)
		for i := range es {
			if es[i].Type != core.EventTokenLeaked {
				continue
			}
			p, err := event.Parse(&es[i])
			if err != nil {
				return err
			}
			out = append(out, p.(event.TokenLeaked))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func report(t *testing.T, ms ...Match) []byte {
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReportRevokesAndMails(t *testing.T) {
	f := newFixture(t, Config{})
	priv := f.keys.add(t, "k1")
	tok, ct := f.token(t, "alice", "laptop")
	body := report(t,
		Match{Token: tok, Type: "rampart_token", URL: "https://github.com/a/b/blob/c/.npmrc", Source: "commit"},
		Match{Token: tok, Type: "rampart_token", URL: "https://github.com/a/b/blob/d/.npmrc", Source: "commit"},
		Match{Token: "rmp_notatoken", Type: "rampart_token", URL: "u", Source: "commit"},
	)
	labels, err := f.svc.Report(t.Context(), "github", "k1", sign(t, priv, body), body)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{LabelTruePositive, LabelTruePositive, LabelFalsePositive}
	for i, l := range labels {
		if l.Label != want[i] || l.TokenType != "rampart_token" {
			t.Errorf("label %d = %+v, want %s", i, l, want[i])
		}
	}
	if labels[0].TokenHash != token.Hash(tok) {
		t.Errorf("token_hash = %s, want the token's SHA-256", labels[0].TokenHash)
	}
	if !f.revokedAt(t, tok).Equal(t0) {
		t.Fatalf("token revoked at %v, want %v", f.revokedAt(t, tok), t0)
	}
	evs := f.leakEvents(t)
	if len(evs) != 1 {
		t.Fatalf("%d leak events, want 1 (the same token twice in a report is one leak)", len(evs))
	}
	if e := evs[0]; e.User != "alice" || e.Key != ct.Key || e.Scanner != "github" || e.URL != "https://github.com/a/b/blob/c/.npmrc" ||
		e.Source != "commit" || e.TokenType != "rampart_token" || e.Token != ct.Mask+` ("laptop")` || len(e.Notify) != 1 || e.Notify[0] != "alice" {
		t.Fatalf("event = %+v", e)
	}
	if err := f.svc.notices.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(f.mails.msgs) != 1 || f.mails.msgs[0].To[0] != "alice@example.com" {
		t.Fatalf("mails = %+v", f.mails.msgs)
	}
	text := f.mails.msgs[0].Text
	for _, s := range []string{"https://github.com/a/b/blob/c/.npmrc (commit), reported by secret scanner github", ct.Mask, "has been revoked"} {
		if !strings.Contains(text, s) {
			t.Errorf("mail lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, tok) {
		t.Fatal("the mail holds the token")
	}

	// The same body again is a replay; within the window only.
	_, err = f.svc.Report(t.Context(), "github", "k1", sign(t, priv, body), body)
	if core.KindOf(err) != core.KindConflict {
		t.Fatalf("replay: %v, want a conflict", err)
	}
	f.clock.Advance(time.Hour)
	labels, err = f.svc.Report(t.Context(), "github", "k1", sign(t, priv, body), body)
	if err != nil || labels[0].Label != LabelFalsePositive {
		t.Fatalf("after the window: %+v %v; want false_positive (already revoked)", labels, err)
	}
	if n := len(f.leakEvents(t)); n != 1 {
		t.Fatalf("%d leak events after a second report, want 1", n)
	}
}

func TestReportRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	priv := f.keys.add(t, "k1")
	tok, _ := f.token(t, "alice", "")
	body := report(t, Match{Token: tok, Type: "t", URL: "u", Source: "s"})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, c := range []struct {
		name, scanner, id, sig string
		body                   []byte
		kind                   core.Kind
		says                   string
	}{
		{"unknown scanner", "gitlab", "k1", sign(t, priv, body), body, core.KindNotFound, "no secret scanner named"},
		{"unsigned", "github", "", "", body, core.KindUnauthenticated, "must be signed"},
		{"unknown key", "github", "k9", sign(t, priv, body), body, core.KindUnauthenticated, "not among the public keys"},
		{"another key", "github", "k1", sign(t, other, body), body, core.KindUnauthenticated, "does not verify"},
		{"tampered", "github", "k1", sign(t, priv, body), append([]byte(" "), body...), core.KindUnauthenticated, "does not verify"},
		{"not base64", "github", "k1", "%%%", body, core.KindUnauthenticated, "not base64"},
		{"not an array", "github", "k1", sign(t, priv, []byte(`{"token":"x"}`)), []byte(`{"token":"x"}`), core.KindInvalid, "JSON array"},
		{"trailing data", "github", "k1", sign(t, priv, []byte(`[] []`)), []byte(`[] []`), core.KindInvalid, "after its JSON array"},
	} {
		_, err := f.svc.Report(t.Context(), c.scanner, c.id, c.sig, c.body)
		if core.KindOf(err) != c.kind || !strings.Contains(core.Message(err), c.says) {
			t.Errorf("%s: %v (%v), want %v saying %q", c.name, err, core.KindOf(err), c.kind, c.says)
		}
	}
	if !f.revokedAt(t, tok).IsZero() {
		t.Fatal("a refused report revoked the token")
	}
	// Too many matches.
	many := make([]Match, 1001)
	big := report(t, many...)
	if _, err := f.svc.Report(t.Context(), "github", "k1", sign(t, priv, big), big); core.KindOf(err) != core.KindTooLarge {
		t.Fatalf("1001 matches: %v", err)
	}
	// Off: every report is refused.
	f.svc.cfg.Reports = false
	if _, err := f.svc.Report(t.Context(), "github", "k1", sign(t, priv, body), body); core.KindOf(err) != core.KindNotFound {
		t.Fatalf("reports off: %v", err)
	}
}

// Keys are fetched once, refetched for an unknown id at most once a
// minute, and refreshed once a day; a rotation is picked up; a key server
// that is down leaves the known keys trusted.
func TestKeyring(t *testing.T) {
	f := newFixture(t, Config{})
	k1 := f.keys.add(t, "k1")
	tok, _ := f.token(t, "alice", "")
	try := func(id string, priv *ecdsa.PrivateKey, n int) error {
		body := report(t, Match{Token: tok, Type: "t", URL: fmt.Sprint(n), Source: "s"})
		_, err := f.svc.Report(t.Context(), "github", id, sign(t, priv, body), body)
		return err
	}
	if err := try("k1", k1, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := try(fmt.Sprintf("forged-%d", i), k1, 2+i); core.KindOf(err) != core.KindUnauthenticated {
			t.Fatalf("forged key id: %v", err)
		}
	}
	if f.keys.fetches != 1 {
		t.Fatalf("%d fetches after 50 unknown key ids within a minute, want 1", f.keys.fetches)
	}
	k2 := f.keys.add(t, "k2") // rotation
	f.clock.Advance(61 * time.Second)
	if err := try("k2", k2, 100); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if f.keys.fetches != 2 {
		t.Fatalf("%d fetches, want 2", f.keys.fetches)
	}
	f.keys.down = true
	f.clock.Advance(25 * time.Hour) // the list is stale, and cannot be fetched
	if err := try("k1", k1, 101); err != nil {
		t.Fatalf("known key with the key server down: %v", err)
	}
	if err := try("k3", k1, 102); core.KindOf(err) != core.KindUnauthenticated {
		t.Fatalf("unknown key within a minute of the failed fetch: %v", err)
	}
	f.clock.Advance(61 * time.Second)
	if err := try("k3", k1, 103); err == nil || core.KindOf(err) != core.KindInternal {
		t.Fatalf("unknown key with the key server down: %v, want an internal error", err)
	}
}

func TestParseKeysRefusesOtherKeys(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"not JSON", `nope`},
		{"no keys", `{"public_keys":[]}`},
		{"no id", `{"public_keys":[{"key_identifier":"","key":"x"}]}`},
		{"not PEM", `{"public_keys":[{"key_identifier":"a","key":"x"}]}`},
	} {
		if _, err := parseKeys([]byte(c.body)); err == nil {
			t.Errorf("%s: parsed", c.name)
		}
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	b, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{{"key_identifier": "a", "key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}})
	if _, err := parseKeys(b); err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Fatalf("a P-384 key: %v", err)
	}
}

func TestCheckUpload(t *testing.T) {
	f := newFixture(t, Config{})
	tok, ct := f.token(t, "alice", "ci")
	other, err := token.Generate() // well-formed, not ours
	if err != nil {
		t.Fatal(err)
	}
	ref := core.NPM("leaky")
	found := []ecosystem.Secret{{File: "package/.npmrc", Kind: secretfind.KindRampart, Hash: token.Hash(tok)}}
	_, err = f.svc.CheckUpload(t.Context(), "bob", ref, "1.0.0", found)
	if core.KindOf(err) != core.KindInvalid || !strings.Contains(core.Message(err), `"package/.npmrc"`) || !strings.Contains(core.Message(err), "has been revoked") {
		t.Fatalf("live token: %v", err)
	}
	if !f.revokedAt(t, tok).Equal(t0) {
		t.Fatal("the live token was not revoked")
	}
	evs := f.leakEvents(t)
	if len(evs) != 1 || evs[0].Scanner != ScannerPublish || evs[0].Package != "leaky" || evs[0].Version != "1.0.0" || evs[0].File != "package/.npmrc" || evs[0].Key != ct.Key {
		t.Fatalf("events = %+v", evs)
	}
	if err := f.svc.notices.Deliver(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(f.mails.msgs) != 1 || !strings.Contains(f.mails.msgs[0].Text, "file package/.npmrc of an upload of leaky@1.0.0") {
		t.Fatalf("mails = %+v", f.mails.msgs)
	}

	// Already revoked: harmless, let through.
	if w, err := f.svc.CheckUpload(t.Context(), "bob", ref, "1.0.1", found); err != nil || w != "" {
		t.Fatalf("revoked token: %q %v", w, err)
	}
	// Another registry's token, or a Rampart token unknown here: refused,
	// or a warning when the operator says so.
	foreign := []ecosystem.Secret{
		{File: "package/a.js", Kind: "github", Name: "a GitHub personal access token", Rotate: "https://github.com/settings/tokens"},
		{File: "package/b.js", Kind: secretfind.KindRampart, Hash: token.Hash(other)},
	}
	_, err = f.svc.CheckUpload(t.Context(), "bob", ref, "1.0.2", foreign)
	if msg := core.Message(err); core.KindOf(err) != core.KindInvalid || !strings.Contains(msg, "GitHub personal access token") ||
		!strings.Contains(msg, "another Rampart registry") || !strings.Contains(msg, `"package/b.js"`) {
		t.Fatalf("foreign tokens: %v", err)
	}
	f.svc.cfg.WarnForeignTokens = true
	if w, err := f.svc.CheckUpload(t.Context(), "bob", ref, "1.0.2", foreign); err != nil || !strings.Contains(w, "GitHub personal access token") {
		t.Fatalf("foreign tokens, warn: %q %v", w, err)
	}
	if n := len(f.leakEvents(t)); n != 1 {
		t.Fatalf("%d leak events, want 1", n)
	}
}
