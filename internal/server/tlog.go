package server

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/logapi"
	"github.com/rampart/rampart/internal/tlog"
)

// tlogDir is the transparency log's folder in the data folder.
func tlogDir(cfg config.Config) string { return filepath.Join(cfg.Data, "tlog") }

// openTLog opens the transparency log (internal/tlog) for a server; an
// admin command beside a live server leaves it to the server (Tessera's
// POSIX driver takes the log's lock for appending).
func openTLog(ctx context.Context, svc *Services, cfg config.Config, opts Options) error {
	if opts.Console {
		return nil
	}
	ownerOnlyFiles()
	// A private registry seals every event; a public one those of the
	// packages anyone may not read (docs/transparency-log.md).
	seal := tlog.SealPolicy(cfg.Access.ReadPolicy().Private(), svc.Registry.PubliclyReadable)
	l, err := tlog.Open(ctx, svc.Store, tlog.Config{Dir: tlogDir(cfg), Origin: tlog.Origin(cfg.PublicURL), Log: opts.Log, Seal: seal})
	if err != nil {
		return err
	}
	h, err := logapi.New(l, tlog.LogDir(tlogDir(cfg)), logapi.Access{Authenticate: svc.Authn.Authenticate, Readable: svc.Registry.ReadableBy}, opts.Log)
	if err != nil {
		return errors.Join(err, l.Close(ctx))
	}
	svc.TLog, svc.tlogAPI = l, h
	return nil
}

// closeTLog waits for the appends under way to be integrated.
func (s *Services) closeTLog(ctx context.Context) error {
	if s.TLog == nil {
		return nil
	}
	return s.TLog.Close(ctx)
}

// startTLog runs the sequencer in the background group.
func startTLog(svc *Services) {
	if svc.TLog == nil {
		return
	}
	svc.Background.Go(svc.Background.Context(), "transparency log", svc.TLog.Run)
}

// mountTLog serves the log under /-/log/ (internal/logapi).
func mountTLog(mux *http.ServeMux, svc *Services) {
	if svc.tlogAPI != nil {
		mux.Handle(logapi.Prefix, svc.tlogAPI)
	}
}
