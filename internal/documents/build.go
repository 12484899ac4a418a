// Package documents keeps the packages' documents (npm's packuments)
// up to date lazily: a change marks a document stale inside its own
// transaction, and the first read builds it from per-version fragments.
// The registry calls it from its write transactions (MarkChanged,
// Refresh) and on its read path (Load); the read caches in front of it
// and their invalidation are the registry's.
package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/store"
)

// A package's document is not rebuilt by the change that makes it out of
// date. Rebuilding every form of it inside every publish made a publish's
// cost grow with the package's history (re-encoding every version,
// compressing and writing the whole document twice over). Instead:
//
//   - each version's objects in the full and the abbreviated document are
//     rendered once, when the version is published or when what they show
//     changes (a deprecation), and stored as fragments (store.VersionDoc);
//   - a change marks the document stale, in the same transaction;
//   - the first read of a stale document assembles it from the fragments
//     (concatenation in the order encoding/json would write, so the bytes
//     are the same as marshalling the whole document), compresses it and
//     stores it over that generation only. Readers of one document share
//     one build (buildLazily).
//
// A reader never sees a document older than a write that was
// acknowledged before it asked: the stale mark is committed with the
// write, and a build is used only if it was made from a generation at
// least as new as the one the reader saw.

// Builder keeps the documents of one ecosystem's packages in a store.
type Builder struct {
	store     store.Store
	format    ecosystem.Format
	publicURL string
	log       *slog.Logger
	// builds lets the readers of a stale document share one build.
	builds docBuilds
}

// Reader is what building a package's documents reads: the package,
// its versions, tags and maintainers and their accounts.
type Reader interface {
	store.Packages
	store.Users
	store.Signing
	store.Signatures
}

// Writer is what marking a package's documents changed reads and
// writes: Reader, the stored documents and fragments, and their sums.
type Writer interface {
	store.Packages
	store.Users
	store.Documents
	store.Signing
	store.Signatures
	store.DocumentState
}

// New returns a Builder of format's documents in st, whose tarball links
// start with publicURL (ending in "/").
func New(st store.Store, format ecosystem.Format, publicURL string, log *slog.Logger) *Builder {
	return &Builder{store: st, format: format, publicURL: publicURL, log: log}
}

// UseStore makes b read and write through st from now on: the registry
// passes its own store wrapped, so that its read caches see the builds'
// writes.
func (s *Builder) UseStore(st store.Store) { s.store = st }

// ref names a package of the ecosystem b serves.
func (s *Builder) ref(name string) core.PackageRef {
	return ecosystem.Ref(s.format, name)
}

// versionStamp identifies what a version's fragments show besides its
// immutable manifest: a fragment stored under another stamp is rendered
// again. The public URL is in it because tarball links are.
func (s *Builder) versionStamp(v *core.Version, u *core.User) string {
	h := sha256.New()
	for _, f := range []string{s.publicURL, v.Deprecated} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	if u != nil {
		h.Write([]byte(u.Name + "\x00" + u.Email))
	}
	for _, sig := range v.Signatures {
		h.Write([]byte("\x00sig\x00" + sig.KeyID + "\x00" + sig.Sig))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// renderVersion renders the fragments of v (the format's RenderVersion),
// stamped with what they show.
func (s *Builder) renderVersion(p *core.Package, v *core.Version, u *core.User) (*core.VersionDoc, error) {
	full, ab, err := s.format.RenderVersion(p, v, u, s.TarballURL(p.Name, v.Version))
	if err != nil {
		return nil, err
	}
	n := int64(len(full))
	return &core.VersionDoc{Version: v.Version, Stamp: s.versionStamp(v, u), Full: full, Abbrev: ab, FullLen: n, Bytes: s.format.VersionBytes(v, n)}, nil
}

// state is what a package's documents are made from, read in one place
// for both the lazy build (loadParts) and the oracle (Current): every
// version (unpublished and held ones too), the dist-tags, the
// maintainers, and the accounts of the versions' publishers.
type state struct {
	versions    []core.Version
	tags        map[string]string
	maintainers []core.User
	publishers  map[int64]*core.User
}

// readState reads p's state in tx, with the publishers of the versions
// keep accepts (a nil keep: of every version).
func readState(tx Reader, p *core.Package, keep func(v *core.Version) bool) (*state, error) {
	var st state
	var err error
	if st.versions, err = versionsSigned(tx, p); err != nil {
		return nil, err
	}
	if st.tags, err = tx.DistTags(p.ID); err != nil {
		return nil, err
	}
	if st.maintainers, err = tx.Maintainers(p.ID); err != nil {
		return nil, err
	}
	st.publishers = map[int64]*core.User{}
	for i := range st.versions {
		v := &st.versions[i]
		if keep != nil && !keep(v) {
			continue
		}
		if _, ok := st.publishers[v.PublisherID]; !ok {
			u, err := tx.UserByID(v.PublisherID)
			if err != nil {
				return nil, err
			}
			st.publishers[v.PublisherID] = u
		}
	}
	return &st, nil
}

// Parts is what a document is assembled from.
type Parts struct {
	pkg      *core.Package
	tags     map[string]string
	versions []string // the live versions, sorted
	asm      ecosystem.Assembly
	// fresh are the fragments rendered now because none was stored under
	// the current stamp: the caller stores them.
	fresh []*core.VersionDoc
}

// loadParts reads what p's document is assembled from in tx, rendering
// the fragments that are missing or out of date. With bodies false the
// fragments' bodies are not read (enough for the document's size).
func (s *Builder) loadParts(tx Writer, p *core.Package, bodies bool) (*Parts, error) {
	// The shared document is what anyone may see (core.Servable).
	servable := func(v *core.Version) bool { return core.Servable(v, p, core.ViewerAnyone) }
	st, err := readState(tx, p, servable)
	if err != nil {
		return nil, err
	}
	frags, err := tx.VersionDocs(p.ID, bodies)
	if err != nil {
		return nil, err
	}
	d := &Parts{pkg: p}
	var live []*core.Version
	for i := range st.versions {
		v := &st.versions[i]
		if !servable(v) {
			continue
		}
		u := st.publishers[v.PublisherID]
		// A fragment stored before its Bytes were kept (-1) is rendered
		// again, so that the store's sums become whole (Size).
		if f, ok := frags[v.Version]; !ok || f.Stamp != s.versionStamp(v, u) || f.Bytes < 0 {
			vd, err := s.renderVersion(p, v, u)
			if err != nil {
				return nil, fmt.Errorf("building document of %s: %w", p.Name, err)
			}
			d.fresh = append(d.fresh, vd)
			frags[v.Version] = *vd
		}
		live = append(live, v)
	}
	slices.SortFunc(live, func(a, b *core.Version) int { return strings.Compare(a.Version, b.Version) })
	for _, v := range live {
		d.versions = append(d.versions, v.Version)
	}
	served := make(map[string]bool, len(live))
	for _, v := range live {
		served[v.Version] = true
	}
	tags := core.ServableTags(st.tags, served)
	d.tags = tags
	d.asm, err = s.format.Assemble(ecosystem.Parts{Package: p, Tags: tags, Maintainers: st.maintainers, Live: live, Frags: frags})
	if err != nil {
		return nil, fmt.Errorf("building document of %s: %w", p.Name, err)
	}
	return d, nil
}

// document assembles every form of the document; the fragments' bodies
// must have been read.
func (d *Parts) document() (*core.Document, error) {
	doc, err := d.asm.Document()
	if err != nil {
		return nil, fmt.Errorf("building document of %s: %w", d.pkg.Name, err)
	}
	return doc, nil
}

// MarkChanged is the write side of a change to p's document, inside the
// change's transaction: it stores the fragments of the changed versions
// that anyone may be served (on a publish, the new version's; on a
// deprecation, the deprecated ones') and marks the document stale. It
// reads nothing else, so a change costs the same however many versions
// the package has: fragments that are out of date for another reason (a
// publisher's new address) are rendered by the next build. The limits on
// the document's growth are checked with Size.
func (s *Builder) MarkChanged(tx Writer, p *core.Package, changed ...*core.Version) error {
	for _, v := range changed {
		if !core.Servable(v, p, core.ViewerAnyone) {
			continue
		}
		if err := withSignature(tx, p, v); err != nil {
			return err
		}
		u, err := tx.UserByID(v.PublisherID)
		if err != nil {
			return err
		}
		vd, err := s.renderVersion(p, v, u)
		if err != nil {
			return fmt.Errorf("building document of %s: %w", p.Name, err)
		}
		if err := tx.PutVersionDoc(p.ID, vd); err != nil {
			return err
		}
	}
	return tx.MarkDocumentStale(p.Name)
}

// MarkAllChanged is MarkChanged rendering every fragment that is out of
// date now rather than at the next build (the public URL changed, and
// with it every tarball link), so that the store's sums are exact again.
func (s *Builder) MarkAllChanged(tx Writer, p *core.Package) error {
	d, err := s.loadParts(tx, p, false)
	if err != nil {
		return err
	}
	for _, vd := range d.fresh {
		if err := tx.PutVersionDoc(p.ID, vd); err != nil {
			return err
		}
	}
	return tx.MarkDocumentStale(p.Name)
}

// Load is the read path's one call for a document: the stored
// one, or, if a change made it stale, one built now.
func (s *Builder) Load(ctx context.Context, name string, part store.DocPart) (*core.Document, error) {
	d, err := s.store.Document(ctx, name, part)
	if err != nil || !d.Stale {
		return d, err
	}
	built, err := s.buildLazily(ctx, name, d.Gen)
	if err != nil {
		return nil, err
	}
	out := &core.Document{Name: built.Name, ETag: built.ETag, Restricted: built.Restricted, Gen: built.Gen}
	switch part {
	case store.DocMeta:
	case store.DocAll:
		out.Full, out.FullGz, out.Abbrev, out.AbbrevGz = built.Full, built.FullGz, built.Abbrev, built.AbbrevGz
	default:
		*part.In(out) = *part.In(built)
	}
	return out, nil
}

// docBuilds lets the readers of one stale document share one build.
type docBuilds struct {
	mu sync.Mutex
	m  map[string]*docBuild
}

type docBuild struct {
	done chan struct{}
	doc  *core.Document // Gen is the generation it was built from
	err  error
}

// buildLazily returns name's document built from a generation no older
// than gen, joining a build under way when that one is recent enough.
func (s *Builder) buildLazily(ctx context.Context, name string, gen int64) (*core.Document, error) {
	for {
		s.builds.mu.Lock()
		b := s.builds.m[name]
		if b == nil {
			b = &docBuild{done: make(chan struct{})}
			if s.builds.m == nil {
				s.builds.m = map[string]*docBuild{}
			}
			s.builds.m[name] = b
			s.builds.mu.Unlock()
			// The build serves every reader waiting on it: one that
			// goes away must not fail it for the others.
			b.doc, b.err = s.buildAndStore(context.WithoutCancel(ctx), name)
			s.builds.mu.Lock()
			delete(s.builds.m, name)
			s.builds.mu.Unlock()
			close(b.done)
			return b.doc, b.err
		}
		s.builds.mu.Unlock()
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if b.err != nil {
			return nil, b.err
		}
		if b.doc.Gen >= gen {
			return b.doc, nil
		}
		// That build started before the change this reader saw: build
		// (or join a build) again.
	}
}

// buildAndStore builds name's document from one snapshot and stores it
// over the generation it was built from, unless a later change came
// first. A failure to store is logged, not returned: the document built
// is current for this reader all the same.
func (s *Builder) buildAndStore(ctx context.Context, name string) (*core.Document, error) {
	var parts *Parts
	var gen int64
	var stale bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		p, err := tx.PackageByRef(s.ref(name))
		if err != nil {
			return err
		}
		if p.Unpublished() {
			return fmt.Errorf("document of %s: %w", name, core.ErrNotFound)
		}
		if gen, stale, err = tx.DocumentGen(name); err != nil || !stale {
			return err
		}
		parts, err = s.loadParts(tx, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !stale {
		// A build that ended after this reader found the document stale
		// stored it: serve that one rather than build it again, unless
		// a change made it stale once more in between.
		d, err := s.store.Document(ctx, name, store.DocAll)
		if err != nil || !d.Stale {
			return d, err
		}
		return s.buildAndStore(ctx, name)
	}
	doc, err := parts.document()
	if err != nil {
		return nil, err
	}
	doc.Gen = gen
	err = s.store.Update(ctx, func(tx store.Tx) error {
		ok, err := tx.PutBuiltDocument(doc, gen)
		if err != nil || !ok {
			return err
		}
		// Unchanged generation: nothing changed since the snapshot, so
		// the fragments rendered from it are current.
		for _, vd := range parts.fresh {
			if err := tx.PutVersionDoc(parts.pkg.ID, vd); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("storing a built package document", "package", name, "err", err)
	}
	return doc, nil
}
