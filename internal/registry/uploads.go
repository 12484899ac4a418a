package registry

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/pkgnotices"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/trust"
)

// The publish path lives in internal/publish; this file is the
// registry's side of it: the hooks a publish calls into this service
// (the revision, the document and the limits on its growth, critical
// packages, the maintainers' notices) and the entry points front-ends
// and tests call.

// newPublisher builds the service's publisher on its (watched) store.
func (s *Service) newPublisher() *publish.Publisher {
	return publish.New(s.store, s.blobs, publish.Config{
		Format: s.cfg.Format, Limits: s.cfg.Limits, SecurityKeysURL: s.cfg.PublicURL + pkgnotices.PathSecurityKeys,
		Provenance: s.cfg.Provenance,
		Hooks: publish.Hooks{
			Touch: s.touch,
			Refresh: func(tx store.Tx, p *core.Package, v *core.Version) error {
				return s.refreshPublished(tx, p, v)
			},
			KeyRequiredFrom: s.critical.KeyRequiredFrom,
			Signed: func(p authz.Principal) (string, string) {
				return pkgnotices.Signed(p)
			},
			Wake:  func() { s.notices.Wake() },
			Sign:  s.cfg.Sign,
			Trust: trust.CheckPublish,
		},
		Leaks:   s.cfg.Leaks,
		Names:   s.cfg.Names,
		Malware: s.cfg.Malware,
	}, s.now, s.log)
}

// BeginUpload admits a PUT /<name> before its body is read
// (publish.Publisher.BeginUpload). Close the Upload when done.
func (s *Service) BeginUpload(ctx context.Context, p authz.Principal, name string, declared int64) (*publish.Upload, error) {
	return s.publisher.BeginUpload(ctx, p, name, declared)
}

// Publish runs the publish pipeline for a PUT /<name> body held in
// memory (tests, benchmarks, tools), with the same admission as a body
// that streams in.
func (s *Service) Publish(ctx context.Context, p authz.Principal, urlName string, body []byte) (*publish.Published, error) {
	return s.publisher.Publish(ctx, p, urlName, body)
}
