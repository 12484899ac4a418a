package versionpages

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm/tarball"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/versionview"
)

// fileLists makes each tarball's list once per process at a time: views
// of the same new version wait for the one read instead of each
// decompressing the tarball.
type fileLists struct {
	mu      sync.Mutex
	pending map[string]*listing
}

type listing struct {
	done  chan struct{}
	files []store.TarballFile
	err   error
}

// files is the file list of vv's tarball: the one kept in the store, or
// read now from the tarball (through the registry, which checks its
// digest) within the publish limits, then kept.
func (g *Pages) files(ctx context.Context, p authz.Principal, vv *versionview.VersionView) ([]store.TarballFile, error) {
	digest := vv.Version.Digest
	files, err := g.views.TarballFiles(ctx, digest)
	if err == nil {
		return files, nil
	}
	if !errors.Is(err, core.ErrNotFound) && core.KindOf(err) != core.KindNotFound {
		return nil, err
	}
	g.lists.mu.Lock()
	if g.lists.pending == nil {
		g.lists.pending = map[string]*listing{}
	}
	l, running := g.lists.pending[digest]
	if !running {
		l = &listing{done: make(chan struct{})}
		g.lists.pending[digest] = l
	}
	g.lists.mu.Unlock()
	if running {
		select {
		case <-l.done:
			return l.files, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l.files, l.err = g.readFiles(ctx, p, vv)
	if l.err == nil {
		if err := g.views.KeepTarballFiles(ctx, digest, l.files); err != nil {
			// The page still shows the list; the next view reads again.
			g.log.Warn("keeping a tarball's file list failed", "digest", digest, "err", err)
		}
	}
	g.lists.mu.Lock()
	delete(g.lists.pending, digest)
	g.lists.mu.Unlock()
	close(l.done)
	return l.files, l.err
}

// readFiles lists the regular files of the tarball, with the strict
// reader a publish uses (internal/ecosystem/npm/tarball) and its bounds:
// compressed and unpacked bytes, entries, expansion ratio.
func (g *Pages) readFiles(ctx context.Context, p authz.Principal, vv *versionview.VersionView) ([]store.TarballFile, error) {
	name := vv.Package.Name
	bare := name[strings.LastIndex(name, "/")+1:]
	tb, err := g.reg.OpenTarball(ctx, p, name, bare+"-"+vv.Version.Version+".tgz")
	if err != nil {
		return nil, err
	}
	defer tb.Close()
	info, err := tarball.Inspect(ctxReader{ctx, tb}, g.lim)
	if err != nil {
		return nil, err
	}
	out := make([]store.TarballFile, len(info.Files))
	for i, f := range info.Files {
		out[i] = store.TarballFile{Path: f, Size: info.Sizes[i]}
	}
	return out, nil
}

// ctxReader stops a read when the request is gone.
type ctxReader struct {
	ctx context.Context
	r   interface{ Read([]byte) (int, error) }
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
