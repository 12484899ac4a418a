package server

import (
	"context"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/registry"
	"github.com/rampart/rampart/internal/stage"
)

// openStage builds staged publishing over the registry's store (so that
// its writes reach the read caches) and hands it to the publish pipeline.
func openStage(reg *registry.Service, cfg config.Config, mailer mail.Mailer, opts Options) *stage.Service {
	st := stage.New(reg.Store(), reg.Blobs(), stage.Config{
		Expiry: cfg.Staging.Expiry.Duration, PublicURL: cfg.PublicURL, Mailer: mailer, Console: opts.Console,
		Hooks: stage.Hooks{Touch: reg.Touch, Refresh: reg.RefreshDocument, Signed: reg.Signed, Ecosystem: reg.Ecosystem()},
	}, opts.Now, opts.Log)
	reg.UseStaging(st)
	return st
}

// startStageJobs starts staged publishing's periodic jobs: the expiry of
// stages nobody decided (also applied whenever stages are read); its
// notices go out through the outbox's dispatcher (notices.go).
func startStageJobs(svc *Services) {
	bg := svc.Background
	bg.Go(bg.Context(), "staged version expiry", func(ctx context.Context) { svc.Stage.RunExpiry(ctx, time.Minute) })
}

// closeStage mails what the stage outbox still holds (stage.Close).
func (s *Services) closeStage(ctx context.Context) error {
	if s.Stage == nil {
		return nil
	}
	return s.Stage.Close(ctx)
}
