package eventcheck

import "github.com/rampart/rampart/internal/core"

// The advisory store's security-relevant writes (store.Advisories).

func (c *checkedTx) PutAdvisory(a *core.Advisory) error {
	c.try("PutAdvisory")
	return c.did(c.Tx.PutAdvisory(a))
}

func (c *checkedTx) NextMaliciousNumber(year int) (int, error) {
	c.try("NextMaliciousNumber")
	n, err := c.Tx.NextMaliciousNumber(year)
	return n, c.did(err)
}
