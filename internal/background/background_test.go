package background

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBoundHolds: with every slot taken a task is refused, not queued,
// and a slot freed is usable again.
func TestBoundHolds(t *testing.T) {
	g := New(2, slog.New(slog.DiscardHandler))
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	for range 2 {
		if !g.Go(t.Context(), "hold", func(context.Context) { started <- struct{}{}; <-release }) {
			t.Fatal("a task under the bound was refused")
		}
	}
	<-started
	<-started
	ran := false
	if g.Go(t.Context(), "third", func(context.Context) { ran = true }) {
		t.Fatal("a third task ran with a bound of 2")
	}
	close(release)
	if err := g.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the refused task ran")
	}
	done := make(chan struct{})
	if !g.Go(t.Context(), "after", func(context.Context) { close(done) }) {
		t.Fatal("a task was refused after the slots were freed")
	}
	<-done
}

// TestWaitWaitsForARunningTask: shutdown (Stop, then Wait) returns only
// once a task under way has finished, and a periodic job sees Context
// cancelled by Stop.
func TestWaitWaitsForARunningTask(t *testing.T) {
	g := New(4, slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	finished := false
	release := make(chan struct{})
	started := make(chan struct{})
	g.Go(context.Background(), "mail", func(context.Context) {
		close(started)
		<-release
		mu.Lock()
		finished = true
		mu.Unlock()
	})
	loopEnded := make(chan struct{})
	g.Go(g.Context(), "loop", func(ctx context.Context) {
		<-ctx.Done()
		close(loopEnded)
	})
	<-started
	g.Stop()
	<-loopEnded
	if g.Go(context.Background(), "late", func(context.Context) {}) {
		t.Fatal("a task started after Stop")
	}
	waited := make(chan error)
	go func() { waited <- g.Wait(context.Background()) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while a task was running")
	case <-time.After(50 * time.Millisecond): // not a timing assertion: Wait must still be blocked whatever the delay
	}
	close(release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !finished {
		t.Fatal("Wait returned before the task finished")
	}
}

// TestWaitGivesUpAtItsDeadline: a task that never ends does not hold
// shutdown past its deadline, and the log names it.
func TestWaitGivesUpAtItsDeadline(t *testing.T) {
	var logs bytes.Buffer
	g := New(1, slog.New(slog.NewTextHandler(&logs, nil)))
	release := make(chan struct{})
	defer close(release)
	g.Go(context.Background(), "stuck relay", func(context.Context) { <-release })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Wait(ctx); err == nil {
		t.Fatal("Wait with an ended context returned nil while a task ran")
	}
	if !strings.Contains(logs.String(), "stuck relay") {
		t.Fatalf("the log does not name the task left running:\n%s", logs.String())
	}
}

// TestPanicIsRecovered: a panicking task is logged by name, frees its
// slot, and does not end the process.
func TestPanicIsRecovered(t *testing.T) {
	var logs bytes.Buffer
	g := New(1, slog.New(slog.NewTextHandler(&logs, nil)))
	g.Go(context.Background(), "boom", func(context.Context) { panic("kaboom") })
	if err := g.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "task=boom") {
		t.Fatalf("the panic was not logged with its task:\n%s", logs.String())
	}
	done := make(chan struct{})
	if !g.Go(context.Background(), "next", func(context.Context) { close(done) }) {
		t.Fatal("the panicked task's slot was not freed")
	}
	<-done
}
