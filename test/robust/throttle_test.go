package robust

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLoginThrottleOverHTTP checks what npm sees when guessing is
// throttled: 429 with a Retry-After header and a message, even for the
// right password, until the wait is over. The server's clock is frozen,
// so the block is exactly 1s however slow the machine, and moved past it
// instead of waiting.
func TestLoginThrottleOverHTTP(t *testing.T) {
	t.Parallel()
	s, _ := startWithUser(t, "[login]\nfree_failures = 1\nmax_backoff = \"1m\"\n")
	s.Freeze(t, true)
	attempt := func(pw string) reply {
		body, _ := json.Marshal(map[string]string{"name": testUser, "password": pw})
		return mustDo(t, http.MethodPut, s.URL+"-/user/org.couchdb.user:"+testUser, "", body)
	}
	for i := range 2 {
		if rep := attempt("wrong-password-guess"); rep.Status != http.StatusUnauthorized || rep.ErrorMsg() != "incorrect user name or password" {
			t.Fatalf("guess %d: %d %s, want 401", i+1, rep.Status, rep.Body)
		}
	}
	rep := attempt(testPassword)
	if rep.Status != http.StatusTooManyRequests || rep.Header.Get("Retry-After") != "1" || !strings.Contains(rep.ErrorMsg(), "try again in 1 second") {
		t.Fatalf("right password while blocked: %d, Retry-After %q, %s; want 429, Retry-After 1", rep.Status, rep.Header.Get("Retry-After"), rep.Body)
	}
	// Still blocked just before the second is over.
	s.Advance(t, 900*time.Millisecond)
	if rep := attempt(testPassword); rep.Status != http.StatusTooManyRequests {
		t.Fatalf("right password 0.9s into a 1s block: %d %s, want 429", rep.Status, rep.Body)
	}
	s.Advance(t, 200*time.Millisecond)
	if rep := attempt(testPassword); rep.Status != http.StatusCreated {
		t.Fatalf("right password after the wait: %d %s", rep.Status, rep.Body)
	}
}
