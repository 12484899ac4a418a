package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
	"github.com/rampart/rampart/internal/testserver"
)

// TestStopDuringANoticeBacklog: a SIGTERM while the outbox holds 10,000
// notices for a slow relay stops the real server within its budget
// ([shutdown] drain, then the 10 s close budget, each stage with its
// share) with exit status 0; the notifier stops at an event boundary
// with its cursor saved, and after a restart every notice reaches the
// relay exactly once.
func TestStopDuringANoticeBacklog(t *testing.T) {
	t.Parallel()
	relay := smtpd.StartWith(t, smtpd.Options{Delay: 10 * time.Millisecond})
	s := testserver.Start(t, testserver.Options{MailServer: relay, Config: "[shutdown]\ndrain = \"2s\"\n"})
	s.Stop()

	// The backlog: one account notice (a password change, mailed to the
	// address its event names) per event, each to its own address, so
	// the relay can count each notice.
	const backlog = 10000
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(s.Data, "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		for i := range backlog {
			e := event.PasswordChange{User: "alice", IP: "192.0.2.1", NoticeTo: []string{backlogAddr(i)}}.At(time.Now(), "alice")
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	s = s.Restart(t)
	// Stop mid-backlog, once the notifier is well under way.
	deadline := time.Now().Add(5 * time.Minute)
	for len(relay.Messages()) < 100 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d notices after 5 minutes\n%s", len(relay.Messages()), s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopAt := time.Now()
	s.Signal(t, syscall.SIGTERM)
	// The budget: the drain (2 s, nothing in flight) and the close
	// budget (10 s), with room for a loaded machine.
	if code := s.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("exit status %d for a stop during a notice backlog, want 0\n%s", code, s.Log())
	}
	took := time.Since(stopAt)
	sentBefore := len(relay.Messages())
	if sentBefore >= backlog {
		t.Fatalf("all %d notices went out before the stop ended: the test did not stop mid-backlog", backlog)
	}
	t.Logf("stopped in %v with %d of %d notices sent", took, sentBefore, backlog)
	if took > 20*time.Second {
		t.Errorf("the stop took %v, beyond the 2 s drain and the 10 s close budget", took)
	}
	if strings.Contains(s.Log(), "stopped waiting for background tasks") {
		t.Errorf("the stop gave up on background tasks:\n%s", s.Log())
	}

	// The rest goes out after a restart, each notice exactly once.
	relay.SetDelay(0)
	s = s.Restart(t)
	deadline = time.Now().Add(10 * time.Minute)
	for len(relay.Messages()) < backlog {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d notices 10 minutes after the restart\n%s", len(relay.Messages()), backlog, s.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.Stop()
	count := map[string]int{}
	for _, m := range relay.Messages() {
		for _, to := range m.To {
			count[to]++
		}
	}
	for i := range backlog {
		if n := count[backlogAddr(i)]; n != 1 {
			t.Errorf("%s got %d notices, want exactly 1", backlogAddr(i), n)
		}
	}
	if n := len(relay.Messages()); n != backlog {
		t.Errorf("the relay got %d messages for %d notices", n, backlog)
	}
}

func backlogAddr(i int) string { return fmt.Sprintf("user%d@example.com", i) }
