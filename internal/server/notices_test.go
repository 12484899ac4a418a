package server

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
)

// TestEveryNotifierIsOneSubscriber: every area's notifier is a subscriber
// of the one dispatcher, under its own cursor, declares the event types
// it renders (none it renders is left undeclared, so none is never
// handed to it), and shows in the lag metrics by its cursor.
func TestEveryNotifierIsOneSubscriber(t *testing.T) {
	ctx := context.Background()
	// An upstream proxy brings its moderators' notices (notices.upstream).
	withUpstream := func(c *config.Config) {
		c.Upstreams = []config.Upstream{{Name: "public", URL: "http://127.0.0.1:9/", Packages: []string{"*"}}}
	}
	svc, err := Open(ctx, testConfig(t, withUpstream), Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	want := []string{"notices.packages", "notices.accounts", "notices.trust", "notices.orgs", "notices.secretscan",
		"notices.stage", "notices.moderation", "notices.reports", "notices.upstream"}
	if got := svc.Notices.Names(); !slices.Equal(got, want) {
		t.Fatalf("subscribers %v, want %v", got, want)
	}
	for _, n := range svc.Notices.Subscribers() {
		if len(n.Declared()) == 0 {
			t.Errorf("%s declares no event types: it would be handed every event", n.Name())
		}
		if u := undeclared(n); len(u) > 0 {
			t.Errorf("%s renders notices for %v but did not declare them: they would never go out", n.Name(), u)
		}
	}

	// Caught up, then three events nobody has handled yet: each
	// subscriber is 3 behind.
	if err := svc.Notices.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	err = svc.Store.Update(ctx, func(tx store.Tx) error {
		for range 3 {
			if err := tx.AppendEvent(event.OwnerAdd{User: "bob", Via: "x"}.At(time.Now(), "alice", "left-pad", "")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := svc.Ops.Metrics.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		line := `rampart_notifier_lag_events{notifier="` + name + `"} 3`
		if !strings.Contains(text.String(), line) {
			t.Errorf("metrics lack %q:\n%s", line, linesWith(text.String(), "rampart_notifier_lag_events"))
		}
	}
	if err := svc.Notices.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	text.Reset()
	if err := svc.Ops.Metrics.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if line := `rampart_notifier_lag_events{notifier="notices.reports"} 0`; !strings.Contains(text.String(), line) {
		t.Errorf("after a drain the metrics lack %q:\n%s", line, linesWith(text.String(), "rampart_notifier_lag_events"))
	}
}

// undeclared returns the event types (of those internal/event knows, at
// their current schema, with an empty payload, with and without a
// personal part) for which n's renderer returns a notice or an error
// every time although n did not declare them: types the dispatcher would
// never hand it, so notices that would never go out. A renderer that
// filters on the type passes them over quietly.
func undeclared(n *notifier.Notifier) []string {
	declared := map[string]bool{}
	for _, t := range n.Declared() {
		declared[t] = true
	}
	var out []string
	for _, t := range event.Types() {
		if declared[t] {
			continue
		}
		quiet := false
		for _, personal := range [][]byte{nil, []byte("{}")} {
			e := &core.Event{Seq: 1, Type: t, Schema: event.Schema(t), Data: []byte("{}"), Personal: personal}
			if ns, err := n.Render(e); err == nil && len(ns) == 0 {
				quiet = true
			}
		}
		if !quiet {
			out = append(out, t)
		}
	}
	return out
}

// linesWith returns the lines of text that contain s.
func linesWith(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
