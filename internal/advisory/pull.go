package advisory

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/store"
)

// Fetch downloads the export at the configured URL into w, at most
// limits.MaxAdvisoryImportBytes, asking for it only if it changed since
// etag (a conditional GET); notModified says it did not, and w is then
// untouched. It is injected: the service imports no transport
// (internal/server has the HTTP one).
type Fetch func(ctx context.Context, etag string, w io.Writer) (newETag string, notModified bool, err error)

// metaETag keeps, per URL, the ETag of the last export imported.
const metaETag = "advisories.pull.etag "

// Pull downloads the export at url through fetch, unless it is unchanged
// since the last pull, and imports it. scratch is a folder for the
// download. It is bounded in time by limits.AdvisoryPullTimeout.
func (s *Service) Pull(ctx context.Context, url string, fetch Fetch, scratch string) (Summary, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, limits.AdvisoryPullTimeout)
	defer cancel()
	var etag string
	if err := s.st.View(ctx, func(tx store.Tx) error {
		v, err := tx.GetMeta(metaETag + url)
		if errors.Is(err, core.ErrNotFound) {
			return nil
		}
		etag = v
		return err
	}); err != nil {
		return Summary{}, false, err
	}
	f, err := os.CreateTemp(scratch, "advisories-*.zip")
	if err != nil {
		return Summary{}, false, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	newETag, notModified, err := fetch(ctx, etag, f)
	if err != nil {
		return Summary{}, false, err
	}
	if notModified {
		return Summary{}, false, nil
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return Summary{}, false, err
	}
	sum, err := s.ImportZip(ctx, "", url, f, size)
	if err != nil {
		return sum, true, err
	}
	// The ETag is kept only once the export is in: a failed import is
	// fetched whole again next time.
	if newETag != "" {
		err = s.st.Update(ctx, func(tx store.Tx) error { return tx.SetMeta(metaETag+url, newETag) })
	}
	return sum, true, err
}

// RunPull pulls url every interval until ctx ends, logging what each
// pull did; the first pull is at once.
func (s *Service) RunPull(ctx context.Context, url string, interval time.Duration, fetch Fetch, scratch string) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		sum, changed, err := s.Pull(ctx, url, fetch, scratch)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.ErrorContext(ctx, "pulling advisories failed; retrying at the next interval", "url", url, "err", err)
		case changed:
			s.log.InfoContext(ctx, "advisories pulled", "url", url, "summary", sum.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
