package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// RunTokens runs the cases of store.Tokens: API tokens by hash, listing
// and revocation.
func RunTokens(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"CreateAndLookup", testTokensCreateAndLookup},
		{"ByUser", testTokensByUser},
		{"Revoke", testTokensRevoke},
		{"Conflicts", testTokensConflicts},
		{"MFA", testTokenMFA},
	})
}

func newToken(user *core.User, key string, created time.Time) *core.Token {
	return &core.Token{
		Key:       key,
		UserID:    user.ID,
		Hash:      "hash-" + key,
		Mask:      "rmp_" + key[:min(4, len(key))],
		Name:      "token " + key,
		Kind:      core.TokenAPI,
		CreatedAt: created,
	}
}

func createToken(t *testing.T, s store.Store, tk *core.Token) *core.Token {
	t.Helper()
	write(t, s, func(tx store.Tx) error { return tx.CreateToken(tk) })
	return tk
}

func testTokensCreateAndLookup(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	full := newToken(alice, "key-full", at(time.Minute).In(time.FixedZone("PST", -8*3600)))
	full.Kind = core.TokenSession
	full.Actions = []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	full.Packages = []string{"left-pad", "@acme/*"}
	full.CIDRs = []string{"10.0.0.0/8", "2001:db8::/32"}
	full.ExpiresAt = at(30 * 24 * time.Hour)
	bare := newToken(alice, "key-bare", at(2*time.Minute))
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateToken(full); err != nil {
			return err
		}
		return tx.CreateToken(bare)
	})
	if full.ID == 0 || bare.ID == 0 || full.ID == bare.ID {
		t.Fatalf("CreateToken set IDs %d and %d, want distinct non-zero IDs", full.ID, bare.ID)
	}
	for _, want := range []*core.Token{full, bare} {
		got := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(want.Hash) })
		checkToken(t, "TokenByHash("+want.Hash+")", got, want)
	}
	wantNotFound(t, s, "TokenByHash(unknown)", func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash("hash-unknown") })
}

func testTokensByUser(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	carol := createUser(t, s, "carol")
	// Created out of order: newest first means by CreatedAt.
	t1 := createToken(t, s, newToken(alice, "a1", at(1*time.Hour)))
	t3 := newToken(alice, "a3", at(3*time.Hour))
	t3.RevokedAt = at(4 * time.Hour)
	createToken(t, s, t3)
	t2 := createToken(t, s, newToken(alice, "a2", at(2*time.Hour)))
	b1 := createToken(t, s, newToken(bob, "b1", at(5*time.Hour)))

	got := read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(alice.ID) })
	want := []*core.Token{t3, t2, t1}
	if len(got) != len(want) {
		t.Fatalf("TokensByUser(alice) returned %d tokens, want %d", len(got), len(want))
	}
	for i := range want {
		checkToken(t, fmt.Sprintf("TokensByUser(alice)[%d]", i), &got[i], want[i])
	}
	got = read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(bob.ID) })
	if len(got) != 1 {
		t.Fatalf("TokensByUser(bob) returned %d tokens, want 1", len(got))
	}
	checkToken(t, "TokensByUser(bob)[0]", &got[0], b1)
	got = read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(carol.ID) })
	if len(got) != 0 {
		t.Fatalf("TokensByUser(carol) returned %d tokens, want none", len(got))
	}
}

func testTokensRevoke(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	bob := createUser(t, s, "bob")
	a1 := createToken(t, s, newToken(alice, "a1", at(time.Hour)))
	a2 := createToken(t, s, newToken(alice, "a2", at(2*time.Hour)))

	first := at(10 * time.Hour)
	write(t, s, func(tx store.Tx) error { return tx.RevokeToken(alice.ID, a1.Key, first) })
	want := *a1
	want.RevokedAt = first
	got := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a1.Hash) })
	checkToken(t, "token after RevokeToken", got, &want)

	write(t, s, func(tx store.Tx) error { return tx.RevokeToken(alice.ID, a1.Key, at(20*time.Hour)) })
	got = read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a1.Hash) })
	checkToken(t, "token after a second RevokeToken (keeps the first time)", got, &want)

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeToken(alice.ID, "no-such-key", first) })
	wantErr(t, err, core.ErrNotFound, "RevokeToken(unknown key)")

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeToken(bob.ID, a2.Key, first) })
	wantErr(t, err, core.ErrNotFound, "RevokeToken of another user's token")
	got = read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a2.Hash) })
	checkToken(t, "token after another user tried to revoke it", got, a2)
}

func testTokensConflicts(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	orig := createToken(t, s, newToken(alice, "key-1", at(time.Hour)))

	dupHash := newToken(alice, "key-2", at(2*time.Hour))
	dupHash.Hash = orig.Hash
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateToken(dupHash) })
	wantErr(t, err, core.ErrConflict, "CreateToken with a taken hash")

	dupKey := newToken(alice, orig.Key, at(3*time.Hour))
	dupKey.Hash = "hash-other"
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateToken(dupKey) })
	wantErr(t, err, core.ErrConflict, "CreateToken with a taken key")

	got := read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(alice.ID) })
	if len(got) != 1 {
		t.Fatalf("TokensByUser after conflicts returned %d tokens, want 1", len(got))
	}
	checkToken(t, "token after conflicts", &got[0], orig)
}

func testTokenMFA(t *testing.T, s store.Store) {
	alice := createUser(t, s, "alice")
	tk := newToken(alice, "key-mfa", at(time.Minute))
	tk.MFAVerifiedAt = at(30 * time.Second)
	createToken(t, s, tk)
	got := read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(tk.Hash) })
	checkToken(t, "TokenByHash", got, tk)
}
