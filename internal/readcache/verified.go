package readcache

import (
	"sync"
	"time"
)

// maxVerified bounds how many verified files are remembered.
const maxVerified = 10000

// Verified remembers, per digest, when a file last hashed right, and the
// hash under way for each digest, so that a flood of requests for one
// file costs one hash (the registry's verifyFile says why).
type Verified struct {
	ttl      time.Duration
	mu       sync.Mutex
	at       map[string]time.Time
	inflight map[string]*Call
}

// NewVerified returns a cache that trusts a file for ttl after it hashed
// right.
func NewVerified(ttl time.Duration) *Verified { return &Verified{ttl: ttl} }

// Call is one hash under way; err is set before done is closed.
type Call struct {
	done chan struct{}
	err  error
}

// Done is closed when the hash has ended.
func (c *Call) Done() <-chan struct{} { return c.done }

// Err is the hash's result, once Done is closed.
func (c *Call) Err() error { return c.err }

// Join reports ok if digest hashed right within the TTL of now.
// Otherwise it returns the hash under way for digest, and leader is true
// if the caller must do it (and then call Finish).
func (f *Verified) Join(digest string, now time.Time) (call *Call, leader, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if at, seen := f.at[digest]; seen && now.Sub(at) < f.ttl && !now.Before(at) {
		return nil, false, true
	}
	if c, busy := f.inflight[digest]; busy {
		return c, false, false
	}
	if f.inflight == nil {
		f.inflight = map[string]*Call{}
	}
	c := &Call{done: make(chan struct{})}
	f.inflight[digest] = c
	return c, true, false
}

// Finish records the leader's result and wakes the requests waiting on it.
func (f *Verified) Finish(digest string, c *Call, err error, now time.Time) {
	f.mu.Lock()
	delete(f.inflight, digest)
	if err == nil {
		if f.at == nil || len(f.at) >= maxVerified {
			f.at = map[string]time.Time{} // forget all: each is one hash to redo
		}
		f.at[digest] = now
	} else {
		delete(f.at, digest)
	}
	f.mu.Unlock()
	c.err = err
	close(c.done)
}
