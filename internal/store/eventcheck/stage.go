package eventcheck

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// The Security methods of store.Stages.

func (c *checkedTx) CreateStage(s *core.Stage) error {
	c.try("CreateStage")
	return c.did(c.Tx.CreateStage(s))
}

func (c *checkedTx) DecideStage(id string, status core.StageStatus, at time.Time, by string) error {
	c.try("DecideStage")
	return c.did(c.Tx.DecideStage(id, status, at, by))
}

func (c *checkedTx) SetStagePolicy(packageID int64, p core.StagePolicy) error {
	c.try("SetStagePolicy")
	return c.did(c.Tx.SetStagePolicy(packageID, p))
}
