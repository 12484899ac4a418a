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
// right password, until the wait is over.
func TestLoginThrottleOverHTTP(t *testing.T) {
	s, _ := startWithUser(t, "[login]\nfree_failures = 1\nmax_backoff = \"1m\"\n")
	attempt := func(pw string) reply {
		body, _ := json.Marshal(map[string]string{"name": testUser, "password": pw})
		return mustDo(t, http.MethodPut, s.URL+"-/user/org.couchdb.user:"+testUser, "", body)
	}
	for i := range 2 {
		if rep := attempt("wrong-password-guess"); rep.Status != http.StatusUnauthorized || rep.ErrorMsg() != "incorrect user name or password" {
			t.Fatalf("guess %d: %d %s, want 401", i+1, rep.Status, rep.Body)
		}
	}
	blockedAt := time.Now()
	rep := attempt(testPassword)
	if time.Since(blockedAt) > 900*time.Millisecond {
		t.Skip("the machine is too slow to hit a 1s block reliably")
	}
	if rep.Status != http.StatusTooManyRequests || rep.Header.Get("Retry-After") != "1" || !strings.Contains(rep.ErrorMsg(), "try again in 1 second") {
		t.Fatalf("right password while blocked: %d, Retry-After %q, %s; want 429, Retry-After 1", rep.Status, rep.Header.Get("Retry-After"), rep.Body)
	}
	time.Sleep(time.Until(blockedAt.Add(1100 * time.Millisecond)))
	if rep := attempt(testPassword); rep.Status != http.StatusCreated {
		t.Fatalf("right password after the wait: %d %s", rep.Status, rep.Body)
	}
}
