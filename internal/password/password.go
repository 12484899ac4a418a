// Package password hashes and verifies account passwords with Argon2id,
// storing them as PHC strings:
//
//	$argon2id$v=19$m=<memory KiB>,t=<iterations>,p=<threads>$<salt>$<hash>
//
// where salt and hash are standard base64 without padding. The string
// carries its own parameters, so raising them later needs no migration:
// Verify reports needsRehash for a password hashed with other parameters,
// and the login path stores a fresh hash while it still has the password.
//
// Argon2id is memory-hard on purpose, which makes each hash expensive for
// the server too. A Hasher therefore bounds how many hashes run at once, so
// a burst of logins queues instead of exhausting memory, and passwords are
// limited to limits.MaxPasswordBytes so that no one can make a single hash
// arbitrarily slow.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// Params are the Argon2id cost parameters.
type Params struct {
	MemoryKiB  uint32 // memory per hash, in KiB
	Iterations uint32 // passes over the memory
	Threads    uint8  // lanes (degree of parallelism)
	SaltLen    uint32 // bytes of random salt
	KeyLen     uint32 // bytes of derived hash
}

// DefaultParams returns the parameters Rampart hashes new passwords with:
// OWASP's recommended Argon2id configuration, 19 MiB of memory, 2
// iterations, 1 thread, with a 16-byte salt and a 32-byte hash. A hash takes
// some tens of milliseconds on a current server core.
func DefaultParams() Params {
	return Params{MemoryKiB: 19 * 1024, Iterations: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// TestParams returns tiny parameters that make hashing fast in tests. They
// give no protection and must never be used in production.
func TestParams() Params {
	return Params{MemoryKiB: 64, Iterations: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters, both for a Hasher's own and for those read back
// from a stored PHC string. Verify refuses a string outside them rather
// than spend unbounded memory or time on a corrupted or planted row.
const (
	MaxMemoryKiB  = 1 << 20 // 1 GiB
	MaxIterations = 64
	MinSaltLen    = 8 // the PHC string format's minimum
	MaxSaltLen    = 64
	MinKeyLen     = 16
	MaxKeyLen     = 64
)

// Validate reports parameters that are out of bounds.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1:
		return fmt.Errorf("argon2id threads must be at least 1, got %d", p.Threads)
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > MaxMemoryKiB:
		return fmt.Errorf("argon2id memory must be between 8 KiB per thread (%d) and %d KiB, got %d", 8*uint32(p.Threads), MaxMemoryKiB, p.MemoryKiB)
	case p.Iterations < 1 || p.Iterations > MaxIterations:
		return fmt.Errorf("argon2id iterations must be between 1 and %d, got %d", MaxIterations, p.Iterations)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return fmt.Errorf("argon2id salt length must be between %d and %d bytes, got %d", MinSaltLen, MaxSaltLen, p.SaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return fmt.Errorf("argon2id key length must be between %d and %d bytes, got %d", MinKeyLen, MaxKeyLen, p.KeyLen)
	}
	return nil
}

// DefaultMaxConcurrent is how many hashes a Hasher runs at once when
// NewHasher is given no positive bound. With DefaultParams that caps
// password hashing at about 76 MiB of memory.
const DefaultMaxConcurrent = 4

// Hasher hashes and verifies passwords with fixed parameters. It is safe
// for concurrent use; at most maxConcurrent hashes (Hash and Verify
// together) run at once, and the others wait their turn or until their
// context is done.
type Hasher struct {
	params Params
	err    error         // params.Validate(), returned by Hash
	sem    chan struct{} // one token per running hash
}

// NewHasher returns a Hasher that hashes new passwords with p, running at
// most maxConcurrent hashes at once (DefaultMaxConcurrent if
// maxConcurrent <= 0). If p is invalid (see Params.Validate), Hash fails
// with that error; Verify still works, and never asks for a rehash that
// Hash could not do.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if maxConcurrent <= 0 {
		maxConcurrent = DefaultMaxConcurrent
	}
	var err error
	if verr := p.Validate(); verr != nil {
		err = core.Errorf(core.KindInternal, "password hasher: %w", verr)
	}
	return &Hasher{params: p, err: err, sem: make(chan struct{}, maxConcurrent)}
}

// Params returns the parameters h hashes new passwords with.
func (h *Hasher) Params() Params { return h.params }

func checkLength(pw string) error {
	if len(pw) > limits.MaxPasswordBytes {
		return core.Errorf(core.KindInvalid, "password is too long: at most %d bytes are accepted", limits.MaxPasswordBytes)
	}
	return nil
}

// acquire waits for a free hashing slot or for ctx to be done.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.sem <- struct{}{}:
		return func() { <-h.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hash returns the PHC string of pw with a fresh random salt. A password
// longer than limits.MaxPasswordBytes is refused with an error of kind
// core.KindInvalid. Hash waits for a free slot; if ctx is done first it
// returns ctx.Err().
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := checkLength(pw); err != nil {
		return "", err
	}
	if h.err != nil {
		return "", h.err
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	key := argon2.IDKey([]byte(pw), salt, h.params.Iterations, h.params.MemoryKiB, h.params.Threads, h.params.KeyLen)
	return encode(h.params, salt, key), nil
}

// Verify reports whether pw is the password phc was made from. The hash
// comparison takes constant time. When ok, needsRehash reports that phc was
// made with parameters other than h's, and the caller should store a new
// Hash of pw; when not ok, needsRehash is false.
//
// A phc that is not a well-formed Argon2id PHC string within the parameter
// bounds is an error (kind core.KindInternal: stored hashes are ours), not
// a mismatch, so that a corrupted row is noticed rather than locking its
// user out in silence. A password longer than limits.MaxPasswordBytes is
// refused with an error of kind core.KindInvalid before any hashing.
func (h *Hasher) Verify(ctx context.Context, phc, pw string) (ok, needsRehash bool, err error) {
	if err := checkLength(pw); err != nil {
		return false, false, err
	}
	p, salt, want, err := parse(phc)
	if err != nil {
		return false, false, core.Errorf(core.KindInternal, "stored password hash: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.MemoryKiB, p.Threads, p.KeyLen)
	release()
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.params && h.err == nil, nil
}

var b64 = base64.RawStdEncoding.Strict()

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Iterations, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parse reads a PHC string as encode writes it, and nothing else: the
// fields in this order, decimal numbers without sign or leading zeros,
// canonical unpadded base64. So parse(s) succeeding implies that encode
// of its result gives s back.
func parse(phc string) (p Params, salt, key []byte, err error) {
	// A well-formed string is short; do not split a huge one.
	if len(phc) > 256 {
		return p, nil, nil, fmt.Errorf("PHC string is %d bytes, longer than any Argon2id hash this package accepts", len(phc))
	}
	// encoding/base64 skips CR and LF even in strict mode, so a string with
	// line breaks would decode to the same salt and hash as one without:
	// refuse them so that only the canonical form parses.
	if strings.ContainsAny(phc, "\r\n") {
		return p, nil, nil, errors.New("PHC string contains a line break")
	}
	fields := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(fields) != 6 || fields[0] != "" {
		return p, nil, nil, errors.New("not a PHC string: want $argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>")
	}
	if fields[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("PHC string is for algorithm %q, want argon2id", truncate(fields[1]))
	}
	v, ok := strings.CutPrefix(fields[2], "v=")
	if !ok {
		return p, nil, nil, errors.New("PHC string has no version")
	}
	if n, err := parseUint(v, 32); err != nil || n != argon2.Version {
		return p, nil, nil, fmt.Errorf("PHC string has Argon2 version %q, want %d", truncate(v), argon2.Version)
	}
	params := strings.Split(fields[3], ",")
	if len(params) != 3 {
		return p, nil, nil, fmt.Errorf("PHC string parameters %q: want the form m=M,t=T,p=P", truncate(fields[3]))
	}
	var nums [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return p, nil, nil, fmt.Errorf("PHC string parameters %q: want the form m=M,t=T,p=P", truncate(fields[3]))
		}
		bits := 32
		if name == "p=" {
			bits = 8
		}
		if nums[i], err = parseUint(s, bits); err != nil {
			return p, nil, nil, fmt.Errorf("PHC string parameter %s%q: %w", name, truncate(s), err)
		}
	}
	if salt, err = b64.DecodeString(fields[4]); err != nil {
		return p, nil, nil, errors.New("PHC string salt is not unpadded base64")
	}
	if key, err = b64.DecodeString(fields[5]); err != nil {
		return p, nil, nil, errors.New("PHC string hash is not unpadded base64")
	}
	p = Params{
		MemoryKiB:  uint32(nums[0]),
		Iterations: uint32(nums[1]),
		Threads:    uint8(nums[2]),
		SaltLen:    uint32(len(salt)),
		KeyLen:     uint32(len(key)),
	}
	if err := p.Validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("PHC string: %w", err)
	}
	return p, salt, key, nil
}

// parseUint parses a canonical decimal: digits only, no leading zero.
func parseUint(s string, bits int) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, bits)
	if err != nil || strconv.FormatUint(n, 10) != s {
		return 0, fmt.Errorf("not a canonical decimal number of %d bits", bits)
	}
	return n, nil
}

// truncate keeps a fragment of a malformed string short in messages.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
