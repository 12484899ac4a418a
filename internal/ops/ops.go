// Package ops is what an operator watches the registry by
// (docs/operations.md): the Prometheus metrics and the access log of every
// request (Observe), the operator's endpoints (Mount: /-/readyz,
// /-/metrics and pprof behind the [metrics] token), the store and blob
// store wrapped to count their faults and to refuse writes without room
// (ObservedStore, WrapBlobs), the free space of the data folder
// (WatchSpace) and the notifiers' lag (WatchOutbox, per subscriber of the outbox's dispatcher). internal/server
// builds it first (New) and wires it; it knows no front-end.
package ops

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/diskspace"
	"github.com/rampart/rampart/internal/metrics"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
)

// Ops is what an operator watches the registry by (docs/operations.md):
// the Prometheus metrics, the readiness checks, the free space of the
// data folder. Open builds it first, so that the store and the blob store
// it wraps report their errors to it.
type Ops struct {
	Metrics *metrics.Registry

	requests   *metrics.Counter
	latency    *metrics.Histogram
	storeErrs  *metrics.Counter
	blobErrs   *metrics.Counter
	events     *metrics.Counter
	publishes  *metrics.Counter
	spaceRefus *metrics.Counter

	dataDir           string
	minFree, warnFree uint64
	free              func(dir string) (uint64, error)
	log               *slog.Logger

	inflight inflight

	spaceMu   sync.Mutex
	spaceLast spaceLevel // what the log last said of the free space

	readyMu   sync.Mutex
	readyAt   time.Time // real time of the last readiness probe
	readyLast readiness
}

// New builds the metrics for the data folder of cfg; free reads a
// folder's free bytes (nil: diskspace.Free, the tests give their own).
func New(cfg config.Config, free func(dir string) (uint64, error), log *slog.Logger) *Ops {
	m := metrics.New()
	o := &Ops{
		Metrics:    m,
		requests:   m.NewCounter("rampart_http_requests_total", "HTTP requests answered, by method, route pattern (never the raw path) and status code.", "method", "route", "code"),
		latency:    m.NewHistogram("rampart_http_request_duration_seconds", "Time from a request's headers to the end of its answer, by method and route pattern.", metrics.DefaultSeconds, "method", "route"),
		storeErrs:  m.NewCounter("rampart_store_errors_total", "Metadata store (database) operations that failed with a fault of the store, not a refusal, by operation.", "op"),
		blobErrs:   m.NewCounter("rampart_blob_errors_total", "Blob store operations that failed with a fault of the store (not a missing blob), by operation.", "op"),
		events:     m.NewCounter("rampart_events_total", "Security-relevant events committed (the event log), by type, since the start.", "type"),
		publishes:  m.NewCounter("rampart_publishes_total", "Package versions published (package.publish events committed) since the start."),
		spaceRefus: m.NewCounter("rampart_out_of_space_refusals_total", "Writes refused because the data folder's disk is full or below [disk] min_free."),
		dataDir:    cfg.Data,
		minFree:    cfg.Disk.MinFree.Bytes,
		warnFree:   cfg.Disk.WarnFree.Bytes,
		free:       free,
		log:        log,
	}
	if o.free == nil {
		o.free = diskspace.Free
	}
	// Every operation's series exists from the start, at 0, so that a
	// rate() over the first error is not empty.
	for _, op := range []string{"update", "view", "document"} {
		o.storeErrs.Add(0, op)
	}
	for _, op := range []string{"put", "open", "stat", "delete", "scratch"} {
		o.blobErrs.Add(0, op)
	}
	m.NewGaugeFunc("rampart_data_free_bytes", "Free bytes on the data folder's filesystem (what an unprivileged writer may still use).", nil, func(emit func(float64, ...string)) {
		if n, err := o.free(o.dataDir); err == nil {
			emit(float64(n))
		}
	})
	m.NewGaugeFunc("rampart_data_min_free_bytes", "[disk] min_free: below this free space writes are refused and /-/readyz fails.", nil, func(emit func(float64, ...string)) {
		emit(float64(o.minFree))
	})
	m.NewGaugeFunc("rampart_http_requests_in_flight", "Requests being answered now.", nil, func(emit func(float64, ...string)) {
		emit(float64(o.inflight.count()))
	})
	return o
}

// WatchOutbox adds the notifiers' lag (internal/notifier: every
// subscriber of the outbox's dispatcher, by its cursor key): how many
// events each has yet to handle, and the age of the oldest of them (0
// when it is caught up). A few indexed reads per notifier at each scrape.
func (o *Ops) WatchOutbox(st store.Store, d *notifier.Dispatcher, now func() time.Time) {
	lags := func() []notifier.Lag {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ls, _ := d.Lags(ctx)
		return ls
	}
	o.Metrics.NewGaugeFunc("rampart_notifier_lag_events", "Events a notifier has yet to handle (0: caught up), by notifier cursor: one that fails (its relay?) falls behind while the others go on.", []string{"notifier"}, func(emit func(float64, ...string)) {
		for _, l := range lags() {
			emit(float64(l.Behind), l.Name)
		}
	})
	o.Metrics.NewGaugeFunc("rampart_outbox_lag_seconds", "Age of the oldest event a notifier has not mailed yet (0: caught up), by notifier cursor; a growing value means notices are stuck (the mail relay?).", []string{"notifier"}, func(emit func(float64, ...string)) {
		ls := lags()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = st.View(ctx, func(tx store.Tx) error {
			for _, l := range ls {
				lag := 0.0
				if l.Behind > 0 {
					evs, err := tx.EventsAfter(l.Cursor, 1)
					if err != nil {
						return err
					}
					if len(evs) > 0 {
						lag = max(0, now().Sub(evs[0].At).Seconds())
					}
				}
				emit(lag, l.Name)
			}
			return nil
		})
	})
}

// storeFailed counts a store operation's error if it is the store's fault:
// not a refusal a closure returned (a kind), not a missing row, not a
// cancelled request.
func (o *Ops) storeFailed(op string, err error) {
	if faultOf(err) {
		o.storeErrs.Inc(op)
	}
}

func (o *Ops) blobFailed(op string, err error) {
	if faultOf(err) {
		o.blobErrs.Inc(op)
	}
}

func faultOf(err error) bool {
	if err == nil || errors.Is(err, core.ErrNotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	k := core.KindOf(err)
	return k == core.KindInternal || k == core.KindDataFault
}

// roomToWrite refuses a write when the data folder's disk has no room, or
// less than [disk] min_free: with an error wrapping diskspace.ErrFull,
// which the front-ends answer with 507. A disk whose free space cannot be
// read is let through (the write itself will tell).
func (o *Ops) roomToWrite() error {
	level, free := o.checkSpace()
	if level == spaceFull {
		o.spaceRefus.Inc()
		return diskspace.Below(free, o.minFree)
	}
	return nil
}

// spaceLevel is how full the disk is, for the warnings.
type spaceLevel int

const (
	spaceOK spaceLevel = iota
	spaceLow
	spaceFull
	spaceUnknown
)

// checkSpace reads the free space, says what it means, and logs it when
// that changed since the last reading (noteSpace).
func (o *Ops) checkSpace() (spaceLevel, uint64) {
	free, err := o.free(o.dataDir)
	level := spaceOK
	switch {
	case err != nil:
		level, free = spaceUnknown, 0
	case free == 0 || free < o.minFree:
		level = spaceFull
	case free < o.warnFree:
		level = spaceLow
	}
	o.noteSpace(level, free)
	return level, free
}

// WatchSpace reads the free space every interval, so that the log warns
// of a filling disk even when nothing is written (checkSpace). It runs
// until ctx ends.
func (o *Ops) WatchSpace(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		o.checkSpace()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// noteSpace logs a change in how full the data folder's disk is: a
// warning below [disk] warn_free, before writes are refused; an error
// below min_free; and once when there is room again.
func (o *Ops) noteSpace(level spaceLevel, free uint64) {
	o.spaceMu.Lock()
	defer o.spaceMu.Unlock()
	if level == o.spaceLast {
		return
	}
	o.spaceLast = level
	mib := func(n uint64) uint64 { return n >> 20 }
	switch level {
	case spaceLow:
		o.log.Warn("the data folder's disk is filling up: free space in it before writes are refused ([disk] min_free)", "data", o.dataDir, "free_mib", mib(free), "warn_free_mib", mib(o.warnFree), "min_free_mib", mib(o.minFree))
	case spaceFull:
		o.log.Error("the data folder's disk is full: publishes and uploads are refused with \"registry out of space\" (507) and /-/readyz fails until space is freed", "data", o.dataDir, "free_mib", mib(free), "min_free_mib", mib(o.minFree))
	case spaceOK:
		o.log.Info("the data folder's disk has room again", "data", o.dataDir, "free_mib", mib(free))
	case spaceUnknown:
		o.log.Warn("the free space of the data folder cannot be read", "data", o.dataDir)
	}
}
