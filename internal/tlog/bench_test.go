package tlog_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/tlog"
)

// BenchmarkAppend: events appended to the log per second (the goal is
// at least 1,000/s on the 2-core machine), from the outbox to integrated
// leaves, in batches of 1,000 committed events.
func BenchmarkAppend(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchmarkAppend(b, nil) })
	// Every leaf sealed (a private registry's log): one salt drawn and
	// one store row written per event, in one transaction per batch.
	b.Run("sealed", func(b *testing.B) {
		benchmarkAppend(b, func(store.Tx, *core.Event) (bool, error) { return true, nil })
	})
}

func benchmarkAppend(b *testing.B, seal func(store.Tx, *core.Event) (bool, error)) {
	dir := b.TempDir()
	st := openStore(b, dir)
	l, err := tlog.Open(context.Background(), st, tlog.Config{Dir: filepath.Join(dir, "tlog"), Origin: tlog.Origin("http://registry.test/"),
		CheckpointEvery: 100 * time.Millisecond, Seal: seal})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(context.Background())
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	events := 0
	var took time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		appendEvents(b, st, 1000, at.Add(time.Duration(i)*time.Second))
		b.StartTimer()
		start := time.Now()
		if err := l.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		events += 1000
	}
	b.ReportMetric(float64(events)/took.Seconds(), "events/s")
}

// BenchmarkIntegrationLag: from an event's commit to a signed
// checkpoint that covers it, one event at a time, with the server's
// settings (the sequencer polls every 200 ms or is woken; a checkpoint
// every 500 ms at most).
func BenchmarkIntegrationLag(b *testing.B) {
	dir := b.TempDir()
	st := openStore(b, dir)
	l := openLogWith(b, st, filepath.Join(dir, "tlog"), 500*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; l.Close(context.Background()) }()
	at := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	var worst, total time.Duration
	n := 0
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		appendEvents(b, st, 1, at.Add(time.Duration(i)*time.Second))
		waitCheckpoint(b, l, uint64(i+1))
		lag := time.Since(start)
		total += lag
		worst = max(worst, lag)
		n++
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms-mean-lag")
	b.ReportMetric(float64(worst.Milliseconds()), "ms-worst-lag")
}
