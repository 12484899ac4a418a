// Package testclock is a clock a test moves by hand, for services that
// take their time from an injected func() time.Time (DESIGN: time is
// injected), so that waits, expiries and backoff are shown without sleeps.
package testclock

import (
	"sync"
	"time"
)

// Clock is safe for use by the service's goroutines and the test's.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock showing t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time; pass c.Now where a service takes its clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
