package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/signing"
	"github.com/rampart/rampart/internal/store"
)

// backfillBatch is how many old versions the signature backfill signs
// per transaction.
const backfillBatch = 500

// openSigning builds the signing service: its keys in the data folder's
// signing/ folder, or the operator's [signing] key_file.
func openSigning(st store.Store, cfg config.Config, opts Options) (*signing.Service, error) {
	return signing.New(st, signing.Config{Dir: filepath.Join(cfg.Data, "signing"), KeyFile: cfg.Signing.KeyFile, Registry: cfg.PublicURL}, opts.Now, opts.Log)
}

// signVersion is the publish hook that signs a new version
// (registry.Config.Sign).
func signVersion(sg *signing.Service) func(tx store.Tx, ref core.PackageRef, v *core.Version) error {
	return func(tx store.Tx, ref core.PackageRef, v *core.Version) error {
		sig, err := sg.SignVersion(tx, ref, v.PackageID, v.Version, v.Integrity, v.Digest)
		if err != nil {
			return fmt.Errorf("signing %s@%s: %w", ref.Name, v.Version, err)
		}
		v.Signatures = []core.Signature{sig}
		return nil
	}
}

// startSigning runs when a server opens its data folder (not for the
// admin commands run beside it), before it listens: it makes
// sure there is a current key (a new one on a new data folder; the
// operator's key file's, retiring the previous one if it changed), then
// signs, once, every version published before the registry signed.
// Doing that before listening means no document without signatures is
// served or cached once the registry signs; it costs one start-up's
// time, once.
func startSigning(ctx context.Context, svc *Services, log *slog.Logger) error {
	if err := svc.Signing.Start(ctx); err != nil {
		return err
	}
	n, err := svc.Signing.Backfill(ctx, backfillBatch, svc.Registry.SignaturesChanged)
	if err != nil {
		return fmt.Errorf("signing the versions published before the registry signed: %w", err)
	}
	if n > 0 {
		log.Info("signed the versions published before the registry signed", "versions", n)
	}
	return nil
}
