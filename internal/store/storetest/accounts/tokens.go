package accounts

import (
	"fmt"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
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

func testTokensCreateAndLookup(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	full := suite.NewToken(alice, "key-full", suite.At(time.Minute).In(time.FixedZone("PST", -8*3600)))
	full.Kind = core.TokenSession
	full.Actions = []core.TokenAction{core.TokenRead, core.TokenPublish, core.TokenManage}
	full.Packages = []string{"left-pad", "@acme/*"}
	full.CIDRs = []string{"10.0.0.0/8", "2001:db8::/32"}
	full.ExpiresAt = suite.At(30 * 24 * time.Hour)
	bare := suite.NewToken(alice, "key-bare", suite.At(2*time.Minute))
	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.CreateToken(full); err != nil {
			return err
		}
		return tx.CreateToken(bare)
	})
	if full.ID == 0 || bare.ID == 0 || full.ID == bare.ID {
		t.Fatalf("CreateToken set IDs %d and %d, want distinct non-zero IDs", full.ID, bare.ID)
	}
	for _, want := range []*core.Token{full, bare} {
		got := suite.Read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(want.Hash) })
		suite.CheckToken(t, "TokenByHash("+want.Hash+")", got, want)
	}
	suite.WantNotFound(t, s, "TokenByHash(unknown)", func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash("hash-unknown") })
}

func testTokensByUser(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	carol := suite.CreateUser(t, s, "carol")
	// Created out of order: newest first means by CreatedAt.
	t1 := suite.CreateToken(t, s, suite.NewToken(alice, "a1", suite.At(1*time.Hour)))
	t3 := suite.NewToken(alice, "a3", suite.At(3*time.Hour))
	t3.RevokedAt = suite.At(4 * time.Hour)
	suite.CreateToken(t, s, t3)
	t2 := suite.CreateToken(t, s, suite.NewToken(alice, "a2", suite.At(2*time.Hour)))
	b1 := suite.CreateToken(t, s, suite.NewToken(bob, "b1", suite.At(5*time.Hour)))

	got := suite.Read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(alice.ID) })
	want := []*core.Token{t3, t2, t1}
	if len(got) != len(want) {
		t.Fatalf("TokensByUser(alice) returned %d tokens, want %d", len(got), len(want))
	}
	for i := range want {
		suite.CheckToken(t, fmt.Sprintf("TokensByUser(alice)[%d]", i), &got[i], want[i])
	}
	got = suite.Read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(bob.ID) })
	if len(got) != 1 {
		t.Fatalf("TokensByUser(bob) returned %d tokens, want 1", len(got))
	}
	suite.CheckToken(t, "TokensByUser(bob)[0]", &got[0], b1)
	got = suite.Read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(carol.ID) })
	if len(got) != 0 {
		t.Fatalf("TokensByUser(carol) returned %d tokens, want none", len(got))
	}
}

func testTokensRevoke(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	a1 := suite.CreateToken(t, s, suite.NewToken(alice, "a1", suite.At(time.Hour)))
	a2 := suite.CreateToken(t, s, suite.NewToken(alice, "a2", suite.At(2*time.Hour)))

	first := suite.At(10 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.RevokeToken(alice.ID, a1.Key, first) })
	want := *a1
	want.RevokedAt = first
	got := suite.Read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a1.Hash) })
	suite.CheckToken(t, "token after RevokeToken", got, &want)

	suite.Write(t, s, func(tx store.Tx) error { return tx.RevokeToken(alice.ID, a1.Key, suite.At(20*time.Hour)) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a1.Hash) })
	suite.CheckToken(t, "token after a second RevokeToken (keeps the first time)", got, &want)

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeToken(alice.ID, "no-such-key", first) })
	suite.WantErr(t, err, core.ErrNotFound, "RevokeToken(unknown key)")

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RevokeToken(bob.ID, a2.Key, first) })
	suite.WantErr(t, err, core.ErrNotFound, "RevokeToken of another user's token")
	got = suite.Read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(a2.Hash) })
	suite.CheckToken(t, "token after another user tried to revoke it", got, a2)
}

func testTokensConflicts(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	orig := suite.CreateToken(t, s, suite.NewToken(alice, "key-1", suite.At(time.Hour)))

	dupHash := suite.NewToken(alice, "key-2", suite.At(2*time.Hour))
	dupHash.Hash = orig.Hash
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateToken(dupHash) })
	suite.WantErr(t, err, core.ErrConflict, "CreateToken with a taken hash")

	dupKey := suite.NewToken(alice, orig.Key, suite.At(3*time.Hour))
	dupKey.Hash = "hash-other"
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateToken(dupKey) })
	suite.WantErr(t, err, core.ErrConflict, "CreateToken with a taken key")

	got := suite.Read(t, s, func(tx store.Tx) ([]core.Token, error) { return tx.TokensByUser(alice.ID) })
	if len(got) != 1 {
		t.Fatalf("TokensByUser after conflicts returned %d tokens, want 1", len(got))
	}
	suite.CheckToken(t, "token after conflicts", &got[0], orig)
}

func testTokenMFA(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	tk := suite.NewToken(alice, "key-mfa", suite.At(time.Minute))
	tk.MFAVerifiedAt = suite.At(30 * time.Second)
	suite.CreateToken(t, s, tk)
	got := suite.Read(t, s, func(tx store.Tx) (*core.Token, error) { return tx.TokenByHash(tk.Hash) })
	suite.CheckToken(t, "TokenByHash", got, tk)
}
