package server

import (
	"context"
	"time"

	"github.com/rampart/rampart/internal/notifier"
)

// noticeInterval is how often the outbox's dispatcher looks for events
// nobody woke it for (a change committed by an admin command beside the
// server); a change in this process wakes it at once.
const noticeInterval = 30 * time.Second

// openNotices makes the outbox's one dispatcher and adds every area's
// notifier to it (internal/notifier): one cursor per area, each area
// following the event log at its own pace. A new area's notifier is
// added here, and its cursor shows in the lag metrics by itself.
func openNotices(svc *Services, now func() time.Time) {
	d := notifier.NewDispatcher(svc.Store, now, nil)
	d.Add(svc.Registry.Notices(), svc.AccountNotices, svc.Trust.Notices, svc.Orgs.Notices(), svc.Scanning.Notices())
	if svc.Stage != nil {
		d.Add(svc.Stage.Notices())
	}
	if svc.Quarantine != nil {
		d.Add(svc.Quarantine.Notices())
	}
	if svc.Reports != nil {
		d.Add(svc.Reports.Notices())
	}
	if svc.Upstream != nil {
		d.Add(svc.Upstream.Notices())
	}
	svc.Notices = d
}

// startNotices runs the dispatcher in the background group (one task; it
// runs each area in its own goroutine and waits for them); it returns at
// an event boundary when the group stops.
func startNotices(svc *Services) {
	bg := svc.Background
	bg.Go(bg.Context(), "notices", func(ctx context.Context) { svc.Notices.Run(ctx, noticeInterval) })
}
