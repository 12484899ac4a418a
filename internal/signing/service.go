package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
)

// Config is where the keys are.
type Config struct {
	// Dir is the folder of the registry's own keys (the data folder's
	// signing/), one owner-only PEM file per key.
	Dir string
	// KeyFile, when set, names the operator's key file ([signing]
	// key_file): its key is the current one, and rotation is replacing
	// the file.
	KeyFile string
	// Registry is the registry's public URL, named in publish
	// attestations.
	Registry string
}

// Service signs versions and keeps the keys.
type Service struct {
	store store.Store
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
	// operator is the key of cfg.KeyFile, nil without one.
	operator   *ecdsa.PrivateKey
	operatorID string
	// private holds the private keys read so far, by id: an id names one
	// key forever, so a key read once stays right.
	mu      sync.Mutex
	private map[string]*ecdsa.PrivateKey
}

// New returns the signing service over st. An operator's key file that
// cannot be read or is not a P-256 key fails here, at start-up.
func New(st store.Store, cfg Config, now func() time.Time, log *slog.Logger) (*Service, error) {
	s := &Service{store: st, cfg: cfg, now: now, log: log, private: map[string]*ecdsa.PrivateKey{}}
	if cfg.KeyFile != "" {
		k, id, err := readKey(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("[signing] key_file: %w", err)
		}
		s.operator, s.operatorID = k, id
		s.private[id] = k
	}
	return s, nil
}

// UseStore makes s read and write through st (the registry's watched
// store, so that its read caches see the backfill's changes).
func (s *Service) UseStore(st store.Store) { s.store = st }

// Why a key became current, as its event says.
const (
	whyFirst   = "first key"
	whyRotate  = "rotate"
	whyKeyFile = "key file"
	whyMissing = "key missing"
)

// Start makes sure there is a current key, on a server's start: the
// operator's key file's key, retiring the previous current key if it was
// another (rotation by replacing the file); else, on a new data folder,
// a new key. Without a key file, a current key whose private key is not
// in the signing folder (the operator stopped naming a key file, or
// restored a data folder without its signing/ folder) is retired for a
// new one: its public key stays listed, so what it signed still
// verifies.
func (s *Service) Start(ctx context.Context) error {
	keys, err := s.Keys(ctx)
	if err != nil {
		return err
	}
	cur := current(keys)
	switch {
	case s.operator != nil:
		if cur != nil && cur.KeyID == s.operatorID {
			return nil
		}
		for _, k := range keys {
			if k.KeyID == s.operatorID {
				return fmt.Errorf("[signing] key_file holds key %s, which this registry retired on %s: a retired key is never used again; generate a new key (docs/signatures.md)",
					k.KeyID, k.Expires.UTC().Format(time.RFC3339))
			}
		}
		_, _, err := s.makeCurrent(ctx, s.operator, s.operatorID, "operator", whyKeyFile)
		return err
	case cur == nil:
		_, _, err := s.rotate(ctx, "operator", whyFirst)
		return err
	}
	if _, err := s.privateKey(cur.KeyID); err != nil {
		s.log.Warn("the current signing key's private key is missing: retiring it for a new key", "keyid", cur.KeyID, "err", err)
		_, _, err := s.rotate(ctx, "operator", whyMissing)
		return err
	}
	return nil
}

// Rotate makes a new key current and retires the current one, which
// stays listed with its expiry: versions signed with it keep verifying.
// It returns the retired key (nil if there was none) and the new one.
func (s *Service) Rotate(ctx context.Context, actor string) (retired, cur *core.SigningKey, err error) {
	if s.operator != nil {
		return nil, nil, core.Errorf(core.KindConflict, "the signing key is the one in [signing] key_file (%s): to rotate, put a new key in that file and restart the server, which retires the old one", s.cfg.KeyFile)
	}
	return s.rotate(ctx, actor, whyRotate)
}

func (s *Service) rotate(ctx context.Context, actor, why string) (retired, cur *core.SigningKey, err error) {
	k, id, err := newKey(s.cfg.Dir)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.private[id] = k
	s.mu.Unlock()
	return s.makeCurrent(ctx, k, id, actor, why)
}

// makeCurrent lists k (id) as the current key and retires the one before
// it, with the event, in one transaction. The retired key expires now,
// or just after the last version it signed if a publish that read it
// committed with a later time: npm refuses a version published at or
// after its key's expiry.
func (s *Service) makeCurrent(ctx context.Context, k *ecdsa.PrivateKey, id, actor, why string) (retired, cur *core.SigningKey, err error) {
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		retired, cur = nil, nil
		keys, err := tx.SigningKeys()
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		ev := event.SigningKeyRotate{KeyID: id, Why: why}
		if old := current(keys); old != nil {
			expires := now
			last, err := tx.LastSignedWith(old.KeyID)
			if err != nil {
				return err
			}
			if !last.Before(expires) {
				expires = last.Add(time.Millisecond)
			}
			if err := tx.RetireSigningKey(old.KeyID, expires); err != nil {
				return err
			}
			r := *old
			r.Expires = expires
			retired = &r
			ev.Retired, ev.RetiredExpires = old.KeyID, expires
		}
		cur = &core.SigningKey{KeyID: id, Public: spki, Created: now}
		if err := tx.InsertSigningKey(cur); err != nil {
			if errors.Is(err, core.ErrConflict) {
				return core.Errorf(core.KindConflict, "signing key %s is already listed: a key is never used twice", id)
			}
			return err
		}
		return tx.AppendEvent(ev.At(now, actor))
	})
	if err != nil {
		return nil, nil, err
	}
	s.log.Info("a new signing key is current", "keyid", id, "retired", keyIDOf(retired), "why", why)
	return retired, cur, nil
}

func keyIDOf(k *core.SigningKey) string {
	if k == nil {
		return ""
	}
	return k.KeyID
}

// Keys lists every key, oldest first.
func (s *Service) Keys(ctx context.Context) ([]core.SigningKey, error) {
	var keys []core.SigningKey
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		keys, err = tx.SigningKeys()
		return err
	})
	return keys, err
}

func current(keys []core.SigningKey) *core.SigningKey {
	for i := range keys {
		if keys[i].Current() {
			return &keys[i]
		}
	}
	return nil
}

// privateKey is the private key of id: the operator's, or the file of
// that id in the signing folder.
func (s *Service) privateKey(id string) (*ecdsa.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.private[id]; k != nil {
		return k, nil
	}
	name, err := fileName(id)
	if err != nil {
		return nil, err
	}
	k, got, err := readKey(filepath.Join(s.cfg.Dir, name))
	if err != nil {
		return nil, fmt.Errorf("the current signing key %s: %w (restore the data folder's signing/ folder, or rotate: rampart admin keys rotate)", id, err)
	}
	if got != id {
		return nil, fmt.Errorf("the signing key file %s holds key %s, not %s", name, got, id)
	}
	s.private[id] = k
	return k, nil
}

// Tx is what signing a version reads and writes.
type Tx interface {
	store.Signing
}

// SignVersion signs name@version (integrity, and sha512Hex the tarball's
// digest) with the current key, inside the transaction that records it
// (the publish's), and stores the signature and the publish attestation.
// It returns the signature, which the version's documents show.
func (s *Service) SignVersion(tx Tx, ref core.PackageRef, pkgID int64, version, integrity, sha512Hex string) (core.Signature, error) {
	keys, err := tx.SigningKeys()
	if err != nil {
		return core.Signature{}, err
	}
	cur := current(keys)
	if cur == nil {
		return core.Signature{}, errors.New("the registry has no current signing key: start the server once, or run rampart admin keys rotate")
	}
	k, err := s.privateKey(cur.KeyID)
	if err != nil {
		return core.Signature{}, err
	}
	sum := sha256.Sum256(Message(ref.Name, version, integrity))
	der, err := k.Sign(nil, sum[:], crypto.SHA256)
	if err != nil {
		return core.Signature{}, err
	}
	att, err := attest(k, cur.KeyID, s.cfg.Registry, ref.Name, version, sha512Hex)
	if err != nil {
		return core.Signature{}, err
	}
	sig := core.Signature{KeyID: cur.KeyID, Sig: base64.StdEncoding.EncodeToString(der)}
	err = tx.PutVersionSignature(&core.VersionSignature{PackageID: pkgID, Version: version, KeyID: sig.KeyID, Sig: sig.Sig, Attestation: att, SignedAt: s.now()})
	return sig, err
}

// Backfill signs, with the current key, every version published before
// the registry signed (once: a signed version is never signed again), a
// batch per transaction with its event; changed is called in the same
// transaction for each package whose versions it signed (the registry
// marks its documents changed). It returns how many it signed.
func (s *Service) Backfill(ctx context.Context, batch int, changed func(tx store.Tx, ref core.PackageRef) error) (int, error) {
	total := 0
	for {
		n := 0
		err := s.store.Update(ctx, func(tx store.Tx) error {
			n = 0
			todo, err := tx.UnsignedVersions(batch)
			if err != nil || len(todo) == 0 {
				return err
			}
			seen := map[int64]bool{}
			var keyID string
			for _, u := range todo {
				sig, err := s.SignVersion(tx, u.Package, u.PackageID, u.Version, u.Integrity, u.Digest)
				if err != nil {
					return fmt.Errorf("signing %s@%s: %w", u.Package.Name, u.Version, err)
				}
				keyID = sig.KeyID
				if !seen[u.PackageID] {
					seen[u.PackageID] = true
					if err := changed(tx, u.Package); err != nil {
						return err
					}
				}
			}
			n = len(todo)
			return tx.AppendEvent(event.SigningBackfill{KeyID: keyID, Versions: n}.At(s.now(), "registry"))
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// PublishAttestation is the publish attestation of a package's version,
// as the attestations endpoint lists it; ErrNotFound if the version was
// never signed. The caller has checked that the asker may see it.
func (s *Service) PublishAttestation(ctx context.Context, pkgID int64, version string) (*Entry, error) {
	var e *Entry
	err := s.store.View(ctx, func(tx store.Tx) error {
		vs, err := tx.VersionSignature(pkgID, version)
		if err != nil {
			return err
		}
		e = &Entry{PredicateType: PublishPredicate, Bundle: vs.Attestation}
		return nil
	})
	return e, err
}
