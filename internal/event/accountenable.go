package event

import (
	"time"

	"github.com/rampart/rampart/internal/core"
)

// AccountEnable: an admin re-enabled a disabled account
// (EventAccountEnable). Its tokens stay revoked: disabling revoked them.
type AccountEnable struct {
	User string `event:"user"`
}

func init() { register(AccountEnable{}, 1).by(Staff) }

// Type is the event type.
func (AccountEnable) Type() string { return core.EventAccountEnable }

// At is the event of p by actor.
func (p AccountEnable) At(at time.Time, actor string) *core.Event {
	return newEvent(p, at, actor, "", "")
}
