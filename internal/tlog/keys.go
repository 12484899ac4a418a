package tlog

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// keyFile names a checkpoint key in the keys folder: its number, so the
// newest is the one with the highest number.
const keyExt = ".key"

// Key is one checkpoint signing key, as the keys folder holds it.
type Key struct {
	N        int    // its number in the folder; the highest is current
	Verifier string // the public key, in note's verifier-key form: <origin>+<hash>+<base64>
	signer   string // the private key, in note's signer-key form; never logged
}

// Current reports whether k signs new checkpoints alone or first.
func (k Key) Current(keys []Key) bool { return len(keys) > 0 && keys[len(keys)-1].N == k.N }

// Keys lists the checkpoint keys in dir (<data>/tlog/keys), oldest first.
func Keys(dir string) ([]Key, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []Key
	for _, e := range ents {
		num, ok := strings.CutSuffix(e.Name(), keyExt)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		skey := strings.TrimSpace(string(b))
		vkey, err := verifierOf(skey)
		if err != nil {
			return nil, fmt.Errorf("checkpoint key %s: %w", e.Name(), err)
		}
		keys = append(keys, Key{N: n, Verifier: vkey, signer: skey})
	}
	slices.SortFunc(keys, func(a, b Key) int { return a.N - b.N })
	return keys, nil
}

// verifierOf derives the verifier key of a signer key
// (PRIVATE+KEY+<name>+<hash>+<base64 of 0x01 and the Ed25519 seed>).
func verifierOf(skey string) (string, error) {
	if _, err := note.NewSigner(skey); err != nil {
		return "", err
	}
	parts := strings.SplitN(skey, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return "", errors.New("not an Ed25519 note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}

// RotateKey adds a new Ed25519 checkpoint key with the log's origin as
// its name and returns it. The new key signs first from the next start
// of the server; the previous one goes on co-signing, so that a client
// that pinned it keeps verifying and learns the new one (docs/transparency-log.md).
// A key file is written once, 0600, never overwritten.
func RotateKey(dir, origin string) (Key, error) {
	keys, err := Keys(dir)
	if err != nil {
		return Key{}, err
	}
	if len(keys) > 0 {
		// The origin never changes: a log's checkpoints all name one.
		origin = strings.SplitN(keys[len(keys)-1].Verifier, "+", 2)[0]
	}
	if origin == "" {
		return Key{}, errors.New("the log needs an origin to make a key")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return Key{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Key{}, err
	}
	n := 1
	if len(keys) > 0 {
		n = keys[len(keys)-1].N + 1
	}
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%04d%s", n, keyExt)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Key{}, err
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return Key{}, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return Key{}, err
	}
	if err := f.Close(); err != nil {
		return Key{}, err
	}
	return Key{N: n, Verifier: vkey, signer: skey}, nil
}

// signers returns the note signers of the current key and the one
// before it (which co-signs during a rotation).
func signers(keys []Key) (note.Signer, []note.Signer, error) {
	if len(keys) == 0 {
		return nil, nil, errors.New("no checkpoint key")
	}
	cur, err := note.NewSigner(keys[len(keys)-1].signer)
	if err != nil {
		return nil, nil, err
	}
	var more []note.Signer
	if len(keys) > 1 {
		prev, err := note.NewSigner(keys[len(keys)-2].signer)
		if err != nil {
			return nil, nil, err
		}
		more = append(more, prev)
	}
	return cur, more, nil
}
