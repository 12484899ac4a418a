package registry

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/store"
)

// BeginMetadataUpdate admits a PUT /<pkg>/-rev/<rev> before its body is
// read, as BeginUpload admits a publish. The body is a whole packument
// (up to limits.document_bytes), decoded whole at several times its size,
// and it can only change a package that exists, for one of its
// maintainers: so a name that does not exist (or whose package was
// unpublished), a stranger, or a declared size over the limit is refused
// here, before any of it is read, rather than after. BeginUpload's rule
// for a new name (anyone who may create it) does not apply: a revision
// update creates nothing. Close the Upload when done.
func (s *Service) BeginMetadataUpdate(ctx context.Context, p authz.Principal, name string, declared int64) (*publish.Upload, error) {
	if declared > s.cfg.Limits.DocumentBytes && !p.Anonymous() {
		return nil, MetadataTooLarge(s.cfg.Limits)
	}
	return s.publisher.Admit(ctx, p, name, s.mayUpdateMetadata)
}

// MetadataTooLarge is the answer to a PUT /<pkg>/-rev/<rev> body over
// limits.document_bytes, declared or read.
func MetadataTooLarge(lim limits.Limits) error {
	return core.Errorf(core.KindTooLarge, "the document sent is larger than the largest package document this registry keeps (%d MiB, limits.document_bytes); read the package again and send back only what changed", lim.DocumentBytes/limits.MiB)
}

// mayUpdateMetadata is whether p may change anything of name through its
// document: read it (a stranger gets the not-found of a missing name for
// a restricted package), and deprecate, change owners or unpublish. What
// the body actually changes is authorized again once it is read.
func (s *Service) mayUpdateMetadata(ctx context.Context, p authz.Principal, name string) error {
	return authz.Settle(p, func() error { return s.mayUpdateMetadataIn(ctx, p, name) })
}

// mayUpdateMetadataIn is mayUpdateMetadata's decision in a read
// transaction, which may answer that a one-time password is needed
// (Settle spends it).
func (s *Service) mayUpdateMetadataIn(ctx context.Context, p authz.Principal, name string) error {
	return s.store.View(ctx, func(tx store.Tx) error {
		st, err := loadPackage(tx, s.ref(name))
		if err != nil {
			return err
		}
		if err := authz.Authorize(p, authz.ReadPackage, s.readResource(st)); err != nil {
			return err
		}
		var first error
		for _, a := range []authz.Action{authz.Deprecate, authz.ChangeOwners, authz.Unpublish} {
			err := authz.Authorize(p, a, st.resource())
			if err == nil {
				return nil
			}
			if first == nil {
				first = err
			}
		}
		return first
	})
}
