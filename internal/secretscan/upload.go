package secretscan

import (
	"context"
	"fmt"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/quote"
	"github.com/rampart/rampart/internal/secretfind"
	"github.com/rampart/rampart/internal/store"
)

// CheckUpload decides what the credentials found inside an upload mean
// (publish's scan stage calls it; found is ecosystem.Publish.Secrets).
// Every live token of this registry among them is revoked at once, its
// event committed and its owner mailed, and the upload is refused: a
// published package would hand the token to everyone who installs it.
// Another registry's token (or a Rampart token not live here: perhaps
// another Rampart registry's) refuses the upload too, telling the
// publisher to remove and rotate it, unless the operator downgraded that
// to a warning (WarnForeignTokens): then CheckUpload returns the warning.
// Tokens already revoked or expired here are harmless and ignored.
func (s *Service) CheckUpload(ctx context.Context, actor string, ref core.PackageRef, version string, found []ecosystem.Secret) (warning string, err error) {
	if len(found) == 0 {
		return "", nil
	}
	now := s.now()
	var revoked []string // the files
	var foreign []ecosystem.Secret
	err = s.store.Update(ctx, func(tx store.Tx) error {
		revoked, foreign = nil, nil
		for _, f := range found {
			if f.Kind != secretfind.KindRampart {
				foreign = append(foreign, f)
				continue
			}
			leak := event.TokenLeaked{Scanner: ScannerPublish, Package: ref.Name, Version: version, File: f.File, Uploader: actor}
			ok, err := s.revokeLeaked(tx, "", f.Hash, leak, now)
			if err != nil {
				return err
			}
			if ok {
				revoked = append(revoked, f.File)
				continue
			}
			if _, err := tx.TokenByHash(f.Hash); err != nil {
				// Not one of ours at all: another Rampart registry's.
				f.Name = "an API token of another Rampart registry"
				f.Rotate = "the registry that issued it"
				foreign = append(foreign, f)
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(revoked) > 0 {
		s.notices.Wake()
		s.log.WarnContext(ctx, "an upload held live API tokens: revoked, upload refused", "package", ref.Name, "version", version, "user", actor, "tokens", len(revoked))
		return "", core.Errorf(core.KindInvalid,
			"%s in the package holds a live API token of this registry. The token has been revoked, since publishing the package would hand it to everyone who installs it, and its owner has been mailed. Remove the file from the package (list it in .npmignore, or leave it out of \"files\" in package.json), create a new token with `npm token create` where you need one, and publish again",
			files(revoked))
	}
	if len(foreign) == 0 {
		return "", nil
	}
	msg := foreignMessage(foreign)
	if s.cfg.WarnForeignTokens {
		return msg, nil
	}
	return "", core.Errorf(core.KindInvalid, "%s; publish again once it is gone (if it is a made-up example, not a real token, change its form so that it does not look like one)", msg)
}

// foreignMessage tells the publisher what was found where, and where to
// revoke it: it may already have been copied from wherever else it is.
func foreignMessage(found []ecosystem.Secret) string {
	var parts []string
	seen := map[string]bool{}
	for _, f := range found {
		line := fmt.Sprintf("%s holds what looks like %s (revoke and replace it at %s)", quote.Untrusted(f.File), f.Name, f.Rotate)
		if !seen[line] {
			seen[line] = true
			parts = append(parts, line)
		}
	}
	return "the package may leak credentials: " + strings.Join(parts, "; ") +
		". Anyone who installs the package could read them: remove them from the package, and revoke and replace them, since they may already have leaked"
}

// files lists the files, quoted, without repeats.
func files(fs []string) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, quote.Untrusted(f))
		}
	}
	return strings.Join(out, ", ")
}
