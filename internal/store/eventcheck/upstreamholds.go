package eventcheck

import "github.com/rampart/rampart/internal/core"

func (c *checkedTx) PutUpstreamHold(h core.UpstreamHold) error {
	c.try("PutUpstreamHold")
	return c.did(c.Tx.PutUpstreamHold(h))
}

func (c *checkedTx) DecideUpstreamHold(h core.UpstreamHold) error {
	c.try("DecideUpstreamHold")
	return c.did(c.Tx.DecideUpstreamHold(h))
}

func (c *checkedTx) PutUpstreamProvenance(p core.UpstreamProvenance) error {
	c.try("PutUpstreamProvenance")
	return c.did(c.Tx.PutUpstreamProvenance(p))
}
