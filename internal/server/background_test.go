package server

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// TestCloseWaitsForBackgroundTasks: shutdown (Services.Close) ends the
// periodic jobs and waits for a task under way, such as mail being sent,
// before it closes the store under it.
func TestCloseWaitsForBackgroundTasks(t *testing.T) {
	_, svc, _ := testHandler(t, nil)
	startJobs(svc, testConfig(t, nil), slog.New(slog.DiscardHandler))
	release := make(chan struct{})
	started := make(chan struct{})
	finished := make(chan struct{})
	if !svc.Background.Go(context.Background(), "slow mail", func(context.Context) {
		close(started)
		<-release
		close(finished)
	}) {
		t.Fatal("the task was refused")
	}
	<-started
	closed := make(chan error, 1)
	go func() { closed <- svc.Close(context.Background()) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a background task was running")
	case <-time.After(100 * time.Millisecond): // Close must still be waiting, however slow the machine
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	select {
	case <-finished:
	default:
		t.Fatal("Close returned before the task finished")
	}
}
