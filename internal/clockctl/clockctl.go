// Package clockctl is the settable clock of Rampart's test builds. A
// binary built with -tags rampart_testclock (internal/testserver builds
// one) takes all its time from a Clock that end-to-end tests move through
// POST /-/test/clock, so that a test shows a step-up window ending, a
// backoff passing or a new TOTP step without waiting for it in real time.
//
// Release builds never import this package: only files built with the
// rampart_testclock tag may (internal/archtest checks it), so a release
// binary has neither the settable clock nor its endpoint.
package clockctl

import (
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"time"
)

// Path is where Handler is mounted.
const Path = "/-/test/clock"

// EnvStart names the environment variable that starts a Clock at a given
// reading (RFC 3339): internal/testserver passes the server's reading to
// the admin commands it runs, so that they see the server's time.
const EnvStart = "RAMPART_TEST_CLOCK"

// Clock runs with real time, shifted by what tests moved it, unless it is
// frozen; then it shows one reading until moved or let run again.
type Clock struct {
	real func() time.Time

	mu     sync.Mutex
	offset time.Duration // added to real time while running
	frozen bool
	at     time.Time // the reading while frozen
}

// New returns a running clock that reads start now, or real time if
// start is zero.
func New(start time.Time) *Clock {
	c := &Clock{real: time.Now}
	if !start.IsZero() {
		c.offset = start.Sub(c.real())
	}
	return c
}

// FromEnv returns a clock started from getenv(EnvStart), if set.
func FromEnv(getenv func(string) string) (*Clock, error) {
	var start time.Time
	if v := getenv(EnvStart); v != "" {
		var err error
		if start, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, err
		}
	}
	return New(start), nil
}

// Now is the clock's reading; pass c.Now where the server takes its clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.frozen {
		return c.at
	}
	return c.real().Add(c.offset)
}

// Advance moves the clock on by d (a negative d is refused by Handler:
// time the server has handed out must not run backwards).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.at = c.at.Add(d)
	} else {
		c.offset += d
	}
}

// Freeze stops the clock at its current reading, or lets it run on from
// there when on is false.
func (c *Clock) Freeze(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on == c.frozen {
		return
	}
	now := c.nowLocked()
	c.frozen = on
	if on {
		c.at = now
	} else {
		c.offset = now.Sub(c.real())
	}
}

// Move is the body of a POST to Path: what to do, in this order.
type Move struct {
	// Freeze, when set, stops (true) or restarts (false) the clock.
	Freeze *bool `json:"freeze,omitempty"`
	// Advance moves the clock on, in time.ParseDuration's syntax.
	Advance string `json:"advance,omitempty"`
}

// Reading is the answer to GET and POST: the clock's reading after the
// move.
type Reading struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

// Handler answers GET (the reading) and POST (a Move, then the reading)
// on Path, to loopback clients only: anyone else gets 404, as from a
// release build.
func (c *Clock) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() || r.URL.Path != Path {
			http.NotFound(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet:
		case http.MethodPost:
			var m Move
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&m); err != nil {
				http.Error(w, "clock move: "+err.Error(), http.StatusBadRequest)
				return
			}
			var d time.Duration
			if m.Advance != "" {
				if d, err = time.ParseDuration(m.Advance); err != nil || d < 0 {
					http.Error(w, "clock move: advance wants a duration of zero or more", http.StatusBadRequest)
					return
				}
			}
			if m.Freeze != nil {
				c.Freeze(*m.Freeze)
			}
			c.Advance(d)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
			return
		}
		c.mu.Lock()
		rd := Reading{Now: c.nowLocked(), Frozen: c.frozen}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(rd)
	})
}

// Wrap sends requests for Path to the clock's Handler and everything
// else to next.
func (c *Clock) Wrap(next http.Handler) http.Handler {
	h := c.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == Path {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
