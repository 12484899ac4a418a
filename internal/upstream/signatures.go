package upstream

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/signing"
)

// Upstream registry signatures. Where an upstream publishes its keys
// (npm's /-/npm/v1/keys format) and the operator set verify_signatures,
// every proxied version's dist.signatures must verify with them (ECDSA
// P-256 over "name@version:integrity", npm's own check) or the version is
// left out and the refusal recorded (upstream.signature). The verified
// signatures and the attestation links are passed to clients unchanged,
// and the upstream's keys are listed at this registry's /-/npm/v1/keys
// beside its own (Keys), so that `npm audit signatures`, which asks the
// registry it installed from, verifies proxied versions as it does local
// ones.

// keysRefetch is the least time between two fetches of an upstream's keys
// (a signature naming a key not listed asks again, but a made-up key id
// must not make this registry hammer the upstream); keysMaxAge how long a
// fetched list is used.
const (
	keysRefetch = time.Minute
	keysMaxAge  = 24 * time.Hour
)

// keyList is one upstream's keys as last fetched.
type keyList struct {
	keys    []core.SigningKey
	fetched time.Time // when keys were read (zero: never)
	tried   time.Time // the last attempt
}

// npmKeys is npm's key list (npm-protocol.md §8.1).
type npmKeys struct {
	Keys []struct {
		Expires *string `json:"expires"`
		KeyID   string  `json:"keyid"`
		KeyType string  `json:"keytype"`
		Scheme  string  `json:"scheme"`
		Key     string  `json:"key"`
	} `json:"keys"`
}

// Keys returns the keys of every upstream that verifies signatures, to be
// listed beside this registry's own: fetched if not yet, else as last
// fetched (an upstream down keeps its last list).
func (s *Service) Keys(ctx context.Context) []core.SigningKey {
	if s == nil {
		return nil
	}
	var all []core.SigningKey
	for i := range s.d.Upstreams {
		u := &s.d.Upstreams[i]
		if !u.VerifySignatures {
			continue
		}
		keys, _ := s.keysOf(ctx, u, "")
		all = append(all, keys...)
	}
	return all
}

// keysOf returns u's keys, fetching them when none were read yet, when
// they are older than keysMaxAge, or when want names a key not among them
// (each at most once per keysRefetch).
func (s *Service) keysOf(ctx context.Context, u *config.Upstream, want string) ([]core.SigningKey, error) {
	s.mu.Lock()
	kl := s.keys[u.Name]
	if kl == nil {
		kl = &keyList{}
		s.keys[u.Name] = kl
	}
	now := s.d.Now()
	stale := kl.fetched.IsZero() || now.Sub(kl.fetched) >= keysMaxAge || (want != "" && !hasKey(kl.keys, want))
	if !stale || (!kl.tried.IsZero() && now.Sub(kl.tried) < keysRefetch) {
		keys := kl.keys
		s.mu.Unlock()
		return keys, nil
	}
	kl.tried = now
	s.mu.Unlock()
	keys, err := s.fetchKeys(ctx, u)
	if err != nil {
		s.d.Log.Warn("upstream: fetching the upstream's signing keys failed", "upstream", u.Name, "url", u.KeysURL, "err", err)
		s.mu.Lock()
		keys = kl.keys
		s.mu.Unlock()
		return keys, err
	}
	s.mu.Lock()
	kl.keys, kl.fetched = keys, now
	s.mu.Unlock()
	return keys, nil
}

func hasKey(keys []core.SigningKey, id string) bool {
	for _, k := range keys {
		if k.KeyID == id {
			return true
		}
	}
	return false
}

// fetchKeys reads u's key list, bounded; only ECDSA P-256 keys are kept.
func (s *Service) fetchKeys(ctx context.Context, u *config.Upstream) ([]core.SigningKey, error) {
	resp, cancel, err := s.get(ctx, u, u.KeysURL, "application/json", "")
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the upstream answered %s", resp.Status)
	}
	b, err := readBounded(resp.Body, limits.MaxUpstreamKeysBytes, "the upstream's key list")
	if err != nil {
		return nil, err
	}
	var doc npmKeys
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("the upstream's key list is not npm's format: %v", err)
	}
	if len(doc.Keys) > limits.MaxUpstreamKeys {
		return nil, fmt.Errorf("the upstream lists %d keys, more than %d", len(doc.Keys), limits.MaxUpstreamKeys)
	}
	var keys []core.SigningKey
	for _, k := range doc.Keys {
		spki, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil || k.KeyID == "" || k.KeyType != "ecdsa-sha2-nistp256" {
			continue
		}
		if _, err := signing.PublicKey(spki); err != nil {
			continue
		}
		sk := core.SigningKey{KeyID: k.KeyID, Public: spki}
		if k.Expires != nil {
			t, err := time.Parse(time.RFC3339, *k.Expires)
			if err != nil {
				continue // an expiry not understood: not trusted
			}
			sk.Expires = t
		}
		keys = append(keys, sk)
	}
	if len(keys) == 0 {
		return nil, errors.New("the upstream lists no ECDSA P-256 key")
	}
	return keys, nil
}

// signatureRefusal is why a version's signatures do not verify, "" when
// one of them does; keyID names the key tried last.
type signatureRefusal struct {
	keyID, reason string
}

// checkSignatures verifies a version's dist.signatures over integrity
// (the upstream's offered one) with u's keys, asking the upstream again
// for a key not yet listed. A version passes when one signature by a
// listed key verifies.
// An error says the keys could not be read at all: nothing can be
// verified, so nothing is served rather than everything refused.
func (s *Service) checkSignatures(ctx context.Context, u *config.Upstream, name, version, integrity string, dist map[string]any, published time.Time) (*signatureRefusal, error) {
	raw, _ := dist["signatures"].([]any)
	if len(raw) == 0 {
		return &signatureRefusal{reason: "the upstream sent no signature for it"}, nil
	}
	// The key list is the registry's own cost, bounded by keysRefetch,
	// not the client's.
	ctx = context.WithValue(ctx, clientKey{}, nil)
	if len(raw) > limits.MaxUpstreamSignatures {
		raw = raw[:limits.MaxUpstreamSignatures]
	}
	last := &signatureRefusal{}
	for _, r := range raw {
		m, _ := r.(map[string]any)
		sig := core.Signature{KeyID: str(m["keyid"]), Sig: str(m["sig"])}
		keys, err := s.keysOf(ctx, u, sig.KeyID)
		if len(keys) == 0 {
			if err == nil {
				err = errors.New("none fetched yet")
			}
			return nil, core.Errorf(core.KindUpstream, "the upstream registry %q's signing keys (%s) could not be read, so its signatures cannot be verified: %v; try again later", u.Name, u.KeysURL, err)
		}
		err = signing.VerifyPublished(keys, name, version, integrity, sig, published)
		if err == nil {
			return nil, nil
		}
		last = &signatureRefusal{keyID: sig.KeyID, reason: err.Error()}
	}
	return last, nil
}

// signatureRefused logs a refused version and returns its event, once per
// upstream, version, integrity and reason (the packument is rebuilt on
// every revalidation).
func (s *Service) signatureRefused(u *config.Upstream, name, version, integrity string, r *signatureRefusal, now time.Time) *core.Event {
	if !s.firstReport("sig", u.Name, name, version, integrity, r.reason) {
		return nil
	}
	s.d.Log.Warn("upstream: a version whose registry signature does not verify is not served", "upstream", u.Name, "package", name, "version", version, "keyid", r.keyID, "reason", r.reason)
	return event.UpstreamSignature{Upstream: u.Name, Integrity: integrity, KeyID: r.keyID, Reason: r.reason}.At(now, name, version)
}
