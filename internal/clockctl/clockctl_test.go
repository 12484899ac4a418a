package clockctl

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fake returns a clock over a real time the test moves by hand.
func fake(start time.Time) (*Clock, *time.Time) {
	real := start
	c := New(time.Time{})
	c.real = func() time.Time { return real }
	c.offset = 0
	return c, &real
}

func TestClockRunsAdvancesAndFreezes(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	c, real := fake(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("new clock reads %v, want real time %v", got, t0)
	}
	c.Advance(time.Minute)
	*real = real.Add(time.Second)
	if got, want := c.Now(), t0.Add(time.Minute+time.Second); !got.Equal(want) {
		t.Fatalf("after Advance(1m) and 1s of real time: %v, want %v", got, want)
	}
	c.Freeze(true)
	frozen := c.Now()
	*real = real.Add(time.Hour)
	if got := c.Now(); !got.Equal(frozen) {
		t.Fatalf("a frozen clock moved with real time: %v, want %v", got, frozen)
	}
	c.Advance(2 * time.Second)
	if got, want := c.Now(), frozen.Add(2*time.Second); !got.Equal(want) {
		t.Fatalf("frozen clock after Advance(2s): %v, want %v", got, want)
	}
	c.Freeze(false)
	*real = real.Add(time.Second)
	if got, want := c.Now(), frozen.Add(3*time.Second); !got.Equal(want) {
		t.Fatalf("clock let run on: %v, want %v (on from its frozen reading)", got, want)
	}
}

func TestFromEnv(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := FromEnv(func(k string) string {
		if k == EnvStart {
			return start.Format(time.RFC3339Nano)
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); got.Before(start) || got.After(start.Add(time.Minute)) {
		t.Fatalf("clock from %s=%v reads %v", EnvStart, start, got)
	}
	if _, err := FromEnv(func(string) string { return "yesterday" }); err == nil {
		t.Fatal("a bad start time was accepted")
	}
}

func TestHandler(t *testing.T) {
	c, _ := fake(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "next", http.StatusTeapot) })
	h := c.Wrap(next)
	do := func(method, path, remote, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := do("POST", Path, "127.0.0.1:5000", `{"freeze":true,"advance":"90s"}`); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"now":"2026-12-05T12:01:30Z","frozen":true`) {
		t.Fatalf("POST freeze and advance: %d %s", w.Code, w.Body)
	}
	if w := do("GET", Path, "[::1]:5000", ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"now":"2026-12-05T12:01:30Z"`) {
		t.Fatalf("GET from ::1: %d %s", w.Code, w.Body)
	}
	// Not from loopback: as if there were no such endpoint.
	if w := do("POST", Path, "192.0.2.1:5000", `{"advance":"1h"}`); w.Code != http.StatusNotFound {
		t.Fatalf("POST from 192.0.2.1: %d %s, want 404", w.Code, w.Body)
	}
	if w := do("POST", Path, "127.0.0.1:5000", `{"advance":"-1h"}`); w.Code != http.StatusBadRequest {
		t.Fatalf("POST moving back: %d %s, want 400", w.Code, w.Body)
	}
	if w := do("DELETE", Path, "127.0.0.1:5000", ""); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE: %d, want 405", w.Code)
	}
	if got, want := c.Now(), time.Date(2026, 12, 5, 12, 1, 30, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("after refused moves the clock reads %v, want %v", got, want)
	}
	if w := do("GET", "/-/ping", "127.0.0.1:5000", ""); w.Code != http.StatusTeapot {
		t.Fatalf("other paths go to the wrapped handler: %d", w.Code)
	}
}
