package eventcheck

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The Security methods of store.Signing.

func (c *checkedTx) InsertSigningKey(k *core.SigningKey) error {
	c.try("InsertSigningKey")
	return c.did(c.Tx.InsertSigningKey(k))
}

func (c *checkedTx) RetireSigningKey(keyID string, expires time.Time) error {
	c.try("RetireSigningKey")
	return c.did(c.Tx.RetireSigningKey(keyID, expires))
}

func (c *checkedTx) PutVersionSignature(s *core.VersionSignature) error {
	c.try("PutVersionSignature")
	return c.did(c.Tx.PutVersionSignature(s))
}
