package testserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/clockctl"
)

// Now is the server's clock reading: real time plus every Advance, or
// the frozen reading after Freeze. Compute anything time-based the
// server checks (a TOTP code, the end of a window) from it, not from
// time.Now.
func (s *Server) Now(t testing.TB) time.Time {
	t.Helper()
	return s.clock(t, http.MethodGet, nil).Now
}

// Advance moves the server's clock on by d, as if d had passed: a
// step-up window ends, a backoff passes, a mailed link expires. Admin
// commands run after it see the new time too.
func (s *Server) Advance(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	return s.clock(t, http.MethodPost, &clockctl.Move{Advance: d.String()}).Now
}

// Freeze stops the server's clock (on) at its reading, or lets it run
// on from there: a test that asserts exact waits (Retry-After: 1) freezes
// it, so that nothing depends on how fast the machine is.
func (s *Server) Freeze(t testing.TB, on bool) time.Time {
	t.Helper()
	return s.clock(t, http.MethodPost, &clockctl.Move{Freeze: &on}).Now
}

func (s *Server) clock(t testing.TB, method string, m *clockctl.Move) clockctl.Reading {
	t.Helper()
	for s.restarted != nil {
		s = s.restarted
	}
	var body bytes.Buffer
	if m != nil {
		json.NewEncoder(&body).Encode(m)
	}
	req, err := http.NewRequest(method, "http://"+s.Addr+clockctl.Path, &body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the server's clock: %v", err)
	}
	defer resp.Body.Close()
	var rd clockctl.Reading
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the server's clock: %s %s answered %s", method, clockctl.Path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&rd); err != nil {
		t.Fatalf("the server's clock: %v", err)
	}
	return rd
}
