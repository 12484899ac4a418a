package tlog

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// A sealed leaf stands for an event about a package that was not
// publicly readable when the sequencer reached it (a restricted package,
// an organisation's private package, any event of a private registry):
//
//	{"commitment":"sha256:<hex>","seq":42,"type":"log.sealed"}
//
// The commitment is SHA-256(sealDomain ‖ salt ‖ plain), where plain is
// the bytes the event's plain entry would have had (Entry.Marshal, the
// same canonical encoding) and salt is 32 random bytes drawn for that one
// event and kept in the store (store.LogSeals). Without the salt the
// commitment says nothing about the entry (the salt is not guessable, so
// neither is a name, version or digest behind it); with the salt and the
// plain bytes (an Opening, given only to whoever may read the package),
// anyone recomputes the commitment and then proves the sealed leaf's
// inclusion as any other's. A salt opens one event only.
//
// docs/transparency-log.md ("Private packages") is the user's account.

// SealedType is the type of a sealed leaf.
const SealedType = "log.sealed"

// saltSize is the size of a seal's salt.
const saltSize = 32

// sealDomain separates a seal's hash from every other SHA-256 use.
var sealDomain = []byte("rampart transparency log seal v1\n")

// Sealed reports whether e is a sealed leaf.
func (e Entry) Sealed() bool { return e.Commitment != "" }

// commitment is the commitment to plain with salt.
func commitment(plain, salt []byte) string {
	h := sha256.New()
	h.Write(sealDomain)
	h.Write(salt)
	h.Write(plain)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Seal returns the sealed leaf that commits to plain with salt.
func Seal(plain Entry, salt []byte) Entry {
	return Entry{Commitment: commitment(plain.Marshal(), salt), Seq: plain.Seq, Type: SealedType}
}

// Opening is what opens a sealed leaf: its salt and the plain entry's
// bytes. Only a reader who may read the package is given it.
type Opening struct {
	Salt string `json:"salt"` // hex
	Leaf string `json:"leaf"` // the plain entry, byte for byte
}

// newOpening is the opening of plain's seal with salt.
func newOpening(plain Entry, salt []byte) *Opening {
	return &Opening{Salt: hex.EncodeToString(salt), Leaf: string(plain.Marshal())}
}

// Open checks that o opens sealed (the same event, and the commitment
// recomputes) and returns the plain entry.
func (o Opening) Open(sealed Entry) (Entry, error) {
	if !sealed.Sealed() {
		return Entry{}, errors.New("the leaf is not sealed: it needs no opening")
	}
	salt, err := hex.DecodeString(o.Salt)
	if err != nil || len(salt) != saltSize {
		return Entry{}, fmt.Errorf("the opening's salt is not %d bytes of hex", saltSize)
	}
	plain, err := ParseEntry([]byte(o.Leaf))
	if err != nil {
		return Entry{}, fmt.Errorf("the opening's entry: %w", err)
	}
	if plain.Sealed() {
		return Entry{}, errors.New("the opening's entry is itself sealed")
	}
	if plain.Seq != sealed.Seq {
		return Entry{}, fmt.Errorf("the opening is of event %d, not %d", plain.Seq, sealed.Seq)
	}
	if subtle.ConstantTimeCompare([]byte(commitment([]byte(o.Leaf), salt)), []byte(sealed.Commitment)) != 1 {
		return Entry{}, fmt.Errorf("the opening does not match leaf %d's commitment", sealed.Seq-1)
	}
	return plain, nil
}

// newSalt draws a seal's salt.
func newSalt() []byte {
	b := make([]byte, saltSize)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// Readable says whether anyone, without signing in, may read the package
// named name now; found is false when there is no such package.
type Readable func(tx store.Tx, name string) (readable, found bool, err error)

// SealPolicy is the usual Config.Seal. On a private registry (all) every
// event is sealed: its events name its users and packages, which it shows
// to no one anonymous. Elsewhere an event about a package is sealed when
// the package is not publicly readable; about a package that no longer
// (or not yet) exists, as its latest earlier decided event was, so a
// restricted package's deletion is sealed too. An event about no package
// is plain.
func SealPolicy(all bool, readable Readable) func(tx store.Tx, e *core.Event) (bool, error) {
	return func(tx store.Tx, e *core.Event) (bool, error) {
		if all {
			return true, nil
		}
		if e.Package == "" {
			return false, nil
		}
		ok, found, err := readable(tx, e.Package)
		if err != nil || found {
			return !ok, err
		}
		return sealedBefore(tx, e.Package, e.Seq)
	}
}

// sealedBefore reports whether the latest decided event about name
// before seq was sealed.
func sealedBefore(tx store.Tx, name string, seq int64) (bool, error) {
	s, ok, err := tx.LatestLogSeal(name, seq)
	return ok && s.Salt != nil, err
}

// seals returns the decisions of the events from to to, by seq.
func seals(tx store.Tx, from, to int64) (map[int64][]byte, error) {
	ss, err := tx.LogSeals(from, to)
	if err != nil {
		return nil, err
	}
	m := make(map[int64][]byte, len(ss))
	for _, s := range ss {
		m[s.Seq] = s.Salt
	}
	return m, nil
}
