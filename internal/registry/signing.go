package registry

import (
	"context"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
)

// What the registry's signatures (internal/signing) need of the package
// service: marking a document changed when the backfill signs old
// versions, and whether a version may be shown to someone.

// SignaturesChanged marks ref's documents changed in tx, after versions
// of it were signed: their fragments are rendered again with the
// signatures on the next read.
func (s *Service) SignaturesChanged(tx store.Tx, ref core.PackageRef) error {
	pkg, err := tx.PackageByRef(ref)
	if err != nil {
		return err
	}
	return s.documents.Refresh(tx, pkg)
}

// ServableVersion is the id of name's package if p may see name@version
// (core.Servable, and read access to a restricted package); not found
// otherwise, in the same words as for its tarball.
func (s *Service) ServableVersion(ctx context.Context, p authz.Principal, name, version string) (int64, error) {
	f, err := s.servableFile(ctx, p, name, version)
	if err != nil {
		return 0, err
	}
	return f.PkgID, nil
}
