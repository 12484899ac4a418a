package eventcheck

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The trusted-publishing writes Methods calls Security.

func (c *checkedTx) CreateTrustedPublisher(tp *core.TrustedPublisher) error {
	c.try("CreateTrustedPublisher")
	return c.did(c.Tx.CreateTrustedPublisher(tp))
}

func (c *checkedTx) UpdateTrustedPublisher(tp *core.TrustedPublisher) error {
	c.try("UpdateTrustedPublisher")
	return c.did(c.Tx.UpdateTrustedPublisher(tp))
}

func (c *checkedTx) DeleteTrustedPublisher(id int64) error {
	c.try("DeleteTrustedPublisher")
	return c.did(c.Tx.DeleteTrustedPublisher(id))
}

func (c *checkedTx) SetTrustedOnly(ref core.PackageRef, on bool, at time.Time) error {
	c.try("SetTrustedOnly")
	return c.did(c.Tx.SetTrustedOnly(ref, on, at))
}
