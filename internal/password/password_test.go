package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

var ctx = context.Background()

func testHasher() *Hasher { return NewHasher(TestParams(), 0) }

func mustHash(t testing.TB, h *Hasher, pw string) string {
	t.Helper()
	phc, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatalf("Hash(%q): %v", pw, err)
	}
	return phc
}

func verify(t testing.TB, h *Hasher, phc, pw string) (ok, rehash bool) {
	t.Helper()
	ok, rehash, err := h.Verify(ctx, phc, pw)
	if err != nil {
		t.Fatalf("Verify(%q): %v", phc, err)
	}
	return ok, rehash
}

func TestRoundtrip(t *testing.T) {
	h := testHasher()
	for _, pw := range []string{
		"correct horse battery staple",
		"",
		"pässwörd ✓",
		"with\x00nul",
		strings.Repeat("x", limits.MaxPasswordBytes),
	} {
		phc := mustHash(t, h, pw)
		if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Errorf("Hash = %q, want a PHC string with the test parameters", phc)
		}
		ok, rehash := verify(t, h, phc, pw)
		if !ok || rehash {
			t.Errorf("Verify(Hash(%q)) = %v, %v; want true, false", pw, ok, rehash)
		}
	}
}

func TestSaltIsRandom(t *testing.T) {
	h := testHasher()
	a, b := mustHash(t, h, "same"), mustHash(t, h, "same")
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

func TestWrongPassword(t *testing.T) {
	h := testHasher()
	phc := mustHash(t, h, "hunter2")
	for _, pw := range []string{"hunter3", "Hunter2", "hunter2 ", " hunter2", "hunter", "", "hunter2\x00"} {
		if ok, rehash := verify(t, h, phc, pw); ok || rehash {
			t.Errorf("Verify with %q = %v, %v; want false, false", pw, ok, rehash)
		}
	}
}

// TestReferenceVectors verifies PHC strings made by the Argon2 reference
// implementation (phc-winner-argon2, src/test.c), password "password", salt
// "somesalt": this package reads what other implementations write.
func TestReferenceVectors(t *testing.T) {
	h := NewHasher(DefaultParams(), 1)
	for _, phc := range []string{
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	} {
		ok, rehash := verify(t, h, phc, "password")
		if !ok || !rehash {
			t.Errorf("Verify(%s, \"password\") = %v, %v; want true, true", phc, ok, rehash)
		}
		if ok, _ := verify(t, h, phc, "passwore"); ok {
			t.Errorf("Verify(%s, \"passwore\") = true", phc)
		}
		p, salt, key, err := parse(phc)
		if err != nil {
			t.Fatal(err)
		}
		if got := encode(p, salt, key); got != phc {
			t.Errorf("encode(parse(%s)) = %s", phc, got)
		}
	}
}

func TestTampered(t *testing.T) {
	h := testHasher()
	phc := mustHash(t, h, "hunter2")
	i := strings.LastIndexByte(phc, '$')
	salt := phc[strings.LastIndexByte(phc[:i], '$')+1 : i]
	hash := phc[i+1:]
	swap := func(s string, at int) string {
		c := byte('A')
		if s[at] == 'A' {
			c = 'B'
		}
		return s[:at] + string(c) + s[at+1:]
	}
	prefix := phc[:strings.LastIndexByte(phc[:i], '$')+1]
	for name, bad := range map[string]string{
		"hash first char": prefix + salt + "$" + swap(hash, 0),
		"hash mid char":   prefix + salt + "$" + swap(hash, 20),
		"salt char":       prefix + swap(salt, 3) + "$" + hash,
		"iterations":      strings.Replace(phc, "t=1", "t=2", 1),
		"memory":          strings.Replace(phc, "m=64", "m=72", 1),
	} {
		ok, _, err := h.Verify(ctx, bad, "hunter2")
		if err != nil {
			t.Errorf("%s: Verify error %v, want a plain mismatch", name, err)
		}
		if ok {
			t.Errorf("%s: tampered hash %q verified", name, bad)
		}
	}
}

func TestMalformed(t *testing.T) {
	h := testHasher()
	good := mustHash(t, h, "pw")
	fields := strings.Split(good, "$")
	salt, hash := fields[4], fields[5]
	rest := "$" + salt + "$" + hash
	for _, bad := range []string{
		"",
		"pw",
		"$",
		"$argon2id$",
		good + "$",
		"$" + good,
		good[1:],
		"x" + good,
		"$argon2i$v=19$m=64,t=1,p=1" + rest,
		"$argon2d$v=19$m=64,t=1,p=1" + rest,
		"$ARGON2ID$v=19$m=64,t=1,p=1" + rest,
		"$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012",
		"$argon2id$v=16$m=64,t=1,p=1" + rest,
		"$argon2id$v=019$m=64,t=1,p=1" + rest,
		"$argon2id$19$m=64,t=1,p=1" + rest,
		"$argon2id$m=64,t=1,p=1" + rest,
		"$argon2id$v=19$t=1,m=64,p=1" + rest,
		"$argon2id$v=19$m=64,t=1" + rest,
		"$argon2id$v=19$m=64,t=1,p=1,k=1" + rest,
		"$argon2id$v=19$m=064,t=1,p=1" + rest,
		"$argon2id$v=19$m=+64,t=1,p=1" + rest,
		"$argon2id$v=19$m=-64,t=1,p=1" + rest,
		"$argon2id$v=19$m= 64,t=1,p=1" + rest,
		"$argon2id$v=19$m=,t=1,p=1" + rest,
		"$argon2id$v=19$m=64,t=0,p=1" + rest,
		"$argon2id$v=19$m=64,t=1,p=0" + rest,
		"$argon2id$v=19$m=64,t=1,p=256" + rest,
		"$argon2id$v=19$m=7,t=1,p=1" + rest,                 // below 8 KiB per thread
		"$argon2id$v=19$m=64,t=1,p=9" + rest,                // 64 < 8*9
		"$argon2id$v=19$m=4294967295,t=1,p=1" + rest,        // 4 TiB
		"$argon2id$v=19$m=1048577,t=1,p=1" + rest,           // just over the bound
		"$argon2id$v=19$m=64,t=4294967295,p=1" + rest,       // forever
		"$argon2id$v=19$m=64,t=65,p=1" + rest,               // just over the bound
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + hash, // padded
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + hash + "=",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + hash[:len(hash)-1] + "!",
		"$argon2id$v=19$m=64,t=1,p=1$" + strings.ReplaceAll(salt, "A", "-") + "$" + hash + "-_", // URL alphabet
		"$argon2id$v=19$m=64,t=1,p=1$$" + hash,                                                  // no salt
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + hash,                                            // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",                                             // no hash
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$aGFzaA",                                       // 4-byte hash
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 200),                  // long hash
		"$argon2id$v=19$m=64,t=1,p=1" + rest + strings.Repeat("A", 300),
	} {
		ok, rehash, err := h.Verify(ctx, bad, "pw")
		if err == nil {
			t.Errorf("Verify(%q) = %v, %v, nil; want an error", bad, ok, rehash)
			continue
		}
		if ok || rehash {
			t.Errorf("Verify(%q) = %v, %v with error %v", bad, ok, rehash, err)
		}
		if k := core.KindOf(err); k != core.KindInternal {
			t.Errorf("Verify(%q) error kind %v, want internal", bad, k)
		}
	}
}

func TestRehash(t *testing.T) {
	old := NewHasher(TestParams(), 0)
	phc := mustHash(t, old, "pw")

	stronger := TestParams()
	stronger.MemoryKiB *= 2
	longerKey := TestParams()
	longerKey.KeyLen = 64
	moreThreads := TestParams()
	moreThreads.Threads = 2
	longerSalt := TestParams()
	longerSalt.SaltLen = 32
	moreIterations := TestParams()
	moreIterations.Iterations = 2
	for name, p := range map[string]Params{
		"memory": stronger, "key length": longerKey, "threads": moreThreads,
		"salt length": longerSalt, "iterations": moreIterations,
	} {
		h := NewHasher(p, 0)
		if ok, rehash := verify(t, h, phc, "pw"); !ok || !rehash {
			t.Errorf("%s changed: Verify = %v, %v; want true, true", name, ok, rehash)
		}
		if ok, rehash := verify(t, h, phc, "wrong"); ok || rehash {
			t.Errorf("%s changed, wrong password: Verify = %v, %v; want false, false", name, ok, rehash)
		}
		// After rehashing with the new parameters, no further rehash.
		fresh := mustHash(t, h, "pw")
		if ok, rehash := verify(t, h, fresh, "pw"); !ok || rehash {
			t.Errorf("%s: Verify(rehashed) = %v, %v; want true, false", name, ok, rehash)
		}
	}
	if ok, rehash := verify(t, old, phc, "pw"); !ok || rehash {
		t.Errorf("same parameters: Verify = %v, %v; want true, false", ok, rehash)
	}
}

func TestTooLong(t *testing.T) {
	h := testHasher()
	long := strings.Repeat("a", limits.MaxPasswordBytes+1)
	if _, err := h.Hash(ctx, long); core.KindOf(err) != core.KindInvalid {
		t.Errorf("Hash of a %d-byte password: %v, want an invalid error", len(long), err)
	}
	phc := mustHash(t, h, long[:limits.MaxPasswordBytes])
	ok, _, err := h.Verify(ctx, phc, long)
	if ok || core.KindOf(err) != core.KindInvalid {
		t.Errorf("Verify of a %d-byte password: %v, %v; want false and an invalid error", len(long), ok, err)
	}
	if msg := core.Message(err); !strings.Contains(msg, "1024") {
		t.Errorf("message %q does not give the limit", msg)
	}
}

func TestInvalidParams(t *testing.T) {
	bad := TestParams()
	bad.SaltLen = 4
	h := NewHasher(bad, 0)
	if _, err := h.Hash(ctx, "pw"); err == nil {
		t.Error("Hash with a 4-byte salt succeeded")
	}
	// Verify still works, and asks for no rehash it could not do.
	phc := mustHash(t, testHasher(), "pw")
	if ok, rehash := verify(t, h, phc, "pw"); !ok || rehash {
		t.Errorf("Verify with an invalid hasher = %v, %v; want true, false", ok, rehash)
	}
	for _, p := range []Params{
		{MemoryKiB: 64, Iterations: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{MemoryKiB: MaxMemoryKiB + 1, Iterations: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{MemoryKiB: 64, Iterations: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{MemoryKiB: 64, Iterations: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
	} {
		if p.Validate() == nil {
			t.Errorf("%+v.Validate() = nil", p)
		}
	}
	for _, p := range []Params{DefaultParams(), TestParams()} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v", p, err)
		}
	}
	if d := DefaultParams(); d != (Params{MemoryKiB: 19456, Iterations: 2, Threads: 1, SaltLen: 16, KeyLen: 32}) {
		t.Errorf("DefaultParams() = %+v, want OWASP's m=19456, t=2, p=1", d)
	}
}

// TestConcurrencyBound checks that no more than maxConcurrent hashes run
// at once, and that a caller waiting for a slot gives up when its context
// is done.
func TestConcurrencyBound(t *testing.T) {
	h := NewHasher(TestParams(), 2)
	if cap(h.sem) != 2 {
		t.Fatalf("semaphore capacity %d, want 2", cap(h.sem))
	}
	if cap(NewHasher(TestParams(), 0).sem) != DefaultMaxConcurrent {
		t.Fatalf("default bound is not DefaultMaxConcurrent")
	}

	// Fill every slot: new hashes must wait.
	h.sem <- struct{}{}
	h.sem <- struct{}{}
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(wctx, "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with every slot taken: %v, want context.DeadlineExceeded", err)
	}
	phc := mustHash(t, testHasher(), "pw")
	if _, _, err := h.Verify(wctx, phc, "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify with every slot taken: %v, want context.DeadlineExceeded", err)
	}

	// Free one slot: hashes proceed, one at a time.
	<-h.sem
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			release, err := h.acquire(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
			running.Add(-1)
			release()
		})
	}
	wg.Wait()
	if p := peak.Load(); p != 1 {
		t.Errorf("%d hashes ran at once with one free slot, want 1", p)
	}
	<-h.sem
	if _, err := h.Hash(ctx, "pw"); err != nil {
		t.Errorf("Hash after all slots were freed: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	h := testHasher()
	f.Add(mustHash(f, h, "pw"))
	f.Add("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHRzb21lc2FsdA")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaA")
	f.Add("$argon2id$v=19$m=064,t=1,p=1$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, phc string) {
		p, salt, key, err := parse(phc)
		if err != nil {
			if p != (Params{}) || salt != nil || key != nil {
				t.Fatalf("parse(%q) failed but returned values", phc)
			}
			return
		}
		// parse accepts only canonical strings, within bounds.
		if got := encode(p, salt, key); got != phc {
			t.Fatalf("encode(parse(%q)) = %q", phc, got)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parse(%q) accepted out-of-bounds parameters: %v", phc, err)
		}
		// Keep the fuzzer fast: only run the hash for cheap parameters.
		if p.MemoryKiB <= 1024 && p.Iterations <= 2 {
			if _, _, err := h.Verify(ctx, phc, "pw"); err != nil {
				t.Fatalf("Verify(%q) failed after parse succeeded: %v", phc, err)
			}
		}
	})
}
