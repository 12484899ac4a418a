package upstream

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/upstream/provrules"
)

// entry is one proxied packument: the upstream's bytes as fetched and the
// forms served from them.
type entry struct {
	raw     []byte    // the upstream's full document
	etag    string    // the upstream's ETag for raw
	fetched time.Time // when the upstream last confirmed raw
	served  *Document
}

// Document is a proxied packument as this registry serves it.
type Document struct {
	Full, Abbrev []byte
	ETag         string
	Modified     time.Time
	// files maps a tarball's file name to what fetching it needs.
	files map[string]file
	// Warning is the typosquatting flag's message, "" for none.
	Warning string
	// refused maps the file name of a version left out by the screening
	// (screen.go) to why, for the clear refusal of its tarball.
	refused map[string]error
	// prov is what is known of the versions' provenance (provenance.go).
	prov *provrules.Versions
}

// file is a served version's tarball.
type file struct {
	version   string
	integrity string // the pinned one
	from      string // the upstream's URL for it
	// attest is the upstream's URL of its attestations when it announces
	// build provenance and verify_provenance is on ("" otherwise);
	// published its publish time in the upstream's document.
	attest    string
	published time.Time
}

// Refused maps the file name of each version the screening left out to
// why (its pages say so).
func (d *Document) Refused() map[string]error { return d.refused }

// meta is what the cache file keeps beside the document.
type meta struct {
	ETag    string          `json:"etag"`
	Fetched time.Time       `json:"fetched"`
	Doc     json.RawMessage `json:"doc"`
}

// Packument returns name's document from upstream u, fetched, revalidated
// or from the cache, filtered (cooldown, pins) and with this registry's
// tarball links.
func (s *Service) Packument(ctx context.Context, u *config.Upstream, name string) (*Document, error) {
	key := u.Name + "\x00" + name
	for {
		s.mu.Lock()
		e := s.docs[key]
		if e != nil && s.d.Now().Sub(e.fetched) < u.Revalidate.Duration && e.served != nil {
			s.mu.Unlock()
			return e.served, nil
		}
		if e == nil && s.neg.missing(key, s.d.Now()) {
			s.mu.Unlock()
			return nil, notFound(u, name)
		}
		if wait, busy := s.inflight[key]; busy {
			s.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		s.inflight[key] = done
		s.mu.Unlock()
		doc, err := s.refresh(ctx, u, name, e)
		s.mu.Lock()
		if core.KindOf(err) == core.KindNotFound {
			// Remembered, so that asking again (or a flood of made-up
			// names asked twice) does not reach the upstream.
			s.neg.add(key, s.d.Now().Add(u.NegativeTTL.Duration))
		}
		delete(s.inflight, key)
		close(done)
		s.mu.Unlock()
		return doc, err
	}
}

// refresh fetches or revalidates name's document; on failure it serves
// the last copy (memory, then disk) if there is one.
func (s *Service) refresh(ctx context.Context, u *config.Upstream, name string, e *entry) (*Document, error) {
	if e == nil {
		e = s.loadCached(u, name)
	}
	raw, etag, err := s.fetchDoc(ctx, u, name, e)
	if err != nil {
		if core.KindOf(err) == core.KindNotFound || e == nil {
			return nil, err
		}
		s.d.Log.Warn("upstream: serving a stale packument", "upstream", u.Name, "package", name, "fetched", e.fetched, "err", err)
		if e.served == nil {
			if e.served, err = s.serve(ctx, u, name, e.raw); err != nil {
				return nil, err
			}
		}
		return e.served, nil
	}
	now := s.d.Now()
	if e != nil && raw == nil { // 304: the copy we have is current
		raw = e.raw
		etag = e.etag
	}
	doc, err := s.serve(ctx, u, name, raw)
	if err != nil {
		return nil, err
	}
	ne := &entry{raw: raw, etag: etag, fetched: now, served: doc}
	s.keep(u.Name+"\x00"+name, ne)
	if b, err := json.Marshal(meta{ETag: etag, Fetched: now, Doc: raw}); err == nil {
		if err := writeAtomic(s.cacheFile(u, name), b); err != nil {
			s.d.Log.Warn("upstream: caching a packument failed", "package", name, "err", err)
		}
	}
	return doc, nil
}

// keep puts e in the memory cache, dropping others (the map's order is
// random) while the cache holds more than maxCachedBytes.
func (s *Service) keep(key string, e *entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.docs[key]; old != nil {
		s.docBytes -= old.size()
	}
	for k, old := range s.docs {
		if s.docBytes+e.size() <= maxCachedBytes {
			break
		}
		if k != key {
			s.docBytes -= old.size()
			delete(s.docs, k)
		}
	}
	s.docs[key] = e
	s.docBytes += e.size()
}

func (e *entry) size() int64 {
	n := int64(len(e.raw))
	if e.served != nil {
		n += int64(len(e.served.Full) + len(e.served.Abbrev))
	}
	return n
}

// loadCached reads the disk copy of a packument, nil if none.
func (s *Service) loadCached(u *config.Upstream, name string) *entry {
	b, err := os.ReadFile(s.cacheFile(u, name))
	if err != nil {
		return nil
	}
	var m meta
	if json.Unmarshal(b, &m) != nil || len(m.Doc) == 0 {
		return nil
	}
	return &entry{raw: m.Doc, etag: m.ETag, fetched: m.Fetched}
}

// fetchDoc asks the upstream for name's full document (the full form
// carries each version's time, which the cooldown needs). A 304 returns
// nil bytes.
func (s *Service) fetchDoc(ctx context.Context, u *config.Upstream, name string, e *entry) ([]byte, string, error) {
	etag := ""
	if e != nil {
		etag = e.etag
	}
	resp, cancel, err := s.get(ctx, u, docURL(u, name), "application/json", etag)
	if err != nil {
		return nil, "", err
	}
	defer cancel()
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && e != nil:
		return nil, etag, nil
	case resp.StatusCode == http.StatusNotFound:
		return nil, "", notFound(u, name)
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("the upstream answered %s", resp.Status)
	}
	b, err := readBounded(resp.Body, s.d.MaxDocument, "the upstream's packument of "+name)
	if err != nil {
		return nil, "", err
	}
	return b, resp.Header.Get("ETag"), nil
}

// notFound is the answer for a name neither here nor upstream.
func notFound(u *config.Upstream, name string) error {
	return core.Errorf(core.KindNotFound, "package %s was not found here or on the upstream registry %q", name, u.Name)
}

// abbrevFields are the manifest fields of npm's abbreviated form.
var abbrevFields = []string{"name", "version", "deprecated", "dependencies", "optionalDependencies", "devDependencies",
	"bundleDependencies", "bundledDependencies", "peerDependencies", "peerDependenciesMeta", "acceptDependencies",
	"bin", "directories", "dist", "engines", "os", "cpu", "libc", "_hasShrinkwrap", "hasInstallScript", "funding", "license"}

// serve builds the served forms of an upstream document: versions in
// their cooldown left out, pins applied (first sight recorded), tarball
// links pointed here.
func (s *Service) serve(ctx context.Context, u *config.Upstream, name string, raw []byte) (*Document, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, core.Errorf(core.KindUpstream, "the upstream registry %q sent a packument of %s that is not JSON: %v", u.Name, name, err)
	}
	if got, _ := doc["name"].(string); got != name {
		return nil, core.Errorf(core.KindUpstream, "the upstream registry %q answered for %s with a packument of %q", u.Name, name, got)
	}
	versions, _ := doc["versions"].(map[string]any)
	times, _ := doc["time"].(map[string]any)
	ref := core.NPM(name)
	var pins []core.UpstreamPin
	var provs []core.UpstreamProvenance
	var sc *screening
	if err := s.d.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if pins, err = tx.UpstreamPins(ref); err != nil {
			return err
		}
		if u.VerifyProvenance {
			if provs, err = tx.UpstreamProvenances(ref); err != nil {
				return err
			}
		}
		sc, err = s.screen(ctx, tx, ref)
		return err
	}); err != nil {
		return nil, err
	}
	pinned := map[string]string{}
	for _, p := range pins {
		pinned[p.Version] = p.Integrity
	}
	now := s.d.Now()
	origin, _ := url.Parse(u.URL)
	var fresh []core.UpstreamPin
	var mismatches, refusals []*core.Event
	files, refused := map[string]file{}, map[string]error{}
	pv := provrules.New(versions, times, provs)
	kept := map[string]time.Time{}
	for v, mv := range versions {
		m, ok := mv.(map[string]any)
		dist, _ := m["dist"].(map[string]any)
		if !ok || dist == nil {
			delete(versions, v)
			continue
		}
		published, _ := time.Parse(time.RFC3339, str(times[v]))
		if u.Cooldown.Duration > 0 && !matchAnyName(u.CooldownAllow, name) && (published.IsZero() || now.Sub(published) < u.Cooldown.Duration) {
			delete(versions, v) // too young (or of unknown age) to trust yet
			continue
		}
		from := str(dist["tarball"])
		fu, err := url.Parse(from)
		if err != nil || fu.Scheme != origin.Scheme || fu.Host != origin.Host || !strings.HasSuffix(fu.Path, ".tgz") {
			s.d.Log.Warn("upstream: a tarball outside the upstream's origin is not fetched", "upstream", u.Name, "package", name, "version", v, "tarball", from)
			delete(versions, v)
			continue
		}
		offered := integrityOf(dist)
		if offered == "" {
			delete(versions, v)
			continue
		}
		integrity := offered
		if p, ok := pinned[v]; ok {
			if p != offered {
				if s.firstReport(u.Name, name, v, offered) {
					s.d.Log.Warn("upstream: other bytes offered for a pinned version; refused", "upstream", u.Name, "package", name, "version", v, "pinned", p, "offered", offered)
					mismatches = append(mismatches, event.UpstreamMismatch{Upstream: u.Name, Pinned: p, Offered: offered}.At(now, name, v))
				}
			}
			integrity = p
		} else {
			fresh = append(fresh, core.UpstreamPin{Ref: ref, Version: v, Upstream: u.Name, Integrity: offered, FirstSeen: now})
		}
		if u.VerifySignatures {
			refused, err := s.checkSignatures(ctx, u, name, v, str(dist["integrity"]), dist, published)
			if err != nil {
				return nil, err
			}
			if refused != nil {
				if e := s.signatureRefused(u, name, v, offered, refused, now); e != nil {
					refusals = append(refusals, e)
				}
				delete(versions, v)
				continue
			}
		}
		fileName := path.Base(fu.Path)
		if err := s.refusal(sc, u, name, v); err != nil {
			refused[fileName] = err
			delete(versions, v)
			continue
		}
		attest := ""
		if u.VerifyProvenance {
			if attest, err = s.provenanceAtServe(pv, u, name, v, integrity, dist, published, &refusals); err != nil {
				refused[fileName] = err
				delete(versions, v)
				continue
			}
		}
		// This registry's own link and the pinned integrity. The
		// upstream's signatures and attestation links go through only
		// when they were verified and are over the integrity served
		// (its keys are listed at /-/npm/v1/keys beside ours); else they
		// would not verify for clients.
		dist["tarball"] = s.d.PublicURL + name + "/-/" + fileName
		if !u.VerifySignatures || integrity != str(dist["integrity"]) {
			delete(dist, "signatures")
			if !u.VerifyProvenance {
				delete(dist, "attestations")
			}
		}
		dist["integrity"] = integrity
		if !strings.HasPrefix(integrity, "sha1-") {
			delete(dist, "shasum")
		}
		files[fileName] = file{version: v, integrity: integrity, from: from, attest: attest, published: published}
		kept[v] = published
	}
	if err := s.pin(ctx, fresh, append(mismatches, refusals...)); err != nil {
		return nil, err
	}
	fixTags(doc, kept)
	for k := range times {
		if _, ok := kept[k]; !ok && k != "created" && k != "modified" {
			delete(times, k)
		}
	}
	for _, k := range []string{"_rev", "_attachments", "_rampart"} {
		delete(doc, k)
	}
	warning, err := s.flagTyposquat(ctx, u.Name, name, doc)
	if err != nil {
		return nil, err
	}
	full, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	abbrev := map[string]any{"name": name, "dist-tags": doc["dist-tags"], "versions": map[string]any{}}
	if f, ok := doc["_rampart"]; ok {
		abbrev["_rampart"] = f
	}
	if mod := str(times["modified"]); mod != "" {
		abbrev["modified"] = mod
	}
	for v, mv := range versions {
		m := mv.(map[string]any)
		small := map[string]any{}
		for _, f := range abbrevFields {
			if x, ok := m[f]; ok {
				small[f] = x
			}
		}
		abbrev["versions"].(map[string]any)[v] = small
	}
	ab, err := json.Marshal(abbrev)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(full)
	modified, _ := time.Parse(time.RFC3339, str(times["modified"]))
	return &Document{Full: full, Abbrev: ab, ETag: "up-" + hex.EncodeToString(sum[:12]), Modified: modified, files: files, refused: refused, Warning: warning, prov: pv}, nil
}

// pin records first sightings and reported mismatches, each with its
// event, in one transaction. A pin another request wrote meanwhile is
// kept (the first stays); the next read applies it.
func (s *Service) pin(ctx context.Context, fresh []core.UpstreamPin, mismatches []*core.Event) error {
	if len(fresh) == 0 && len(mismatches) == 0 {
		return nil
	}
	return s.d.Store.Update(ctx, func(tx store.Tx) error {
		for _, p := range fresh {
			if err := tx.PinUpstream(p); err != nil {
				if errors.Is(err, core.ErrConflict) {
					continue
				}
				return err
			}
			if err := tx.AppendEvent(event.UpstreamPin{Upstream: p.Upstream, Integrity: p.Integrity}.At(p.FirstSeen, p.Ref.Name, p.Version)); err != nil {
				return err
			}
		}
		for _, e := range mismatches {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// fixTags drops dist-tags naming a version not served and, if latest
// went, points it at the newest stable version left.
func fixTags(doc map[string]any, kept map[string]time.Time) {
	tags, _ := doc["dist-tags"].(map[string]any)
	if tags == nil {
		tags = map[string]any{}
		doc["dist-tags"] = tags
	}
	for t, v := range tags {
		if _, ok := kept[str(v)]; !ok {
			delete(tags, t)
		}
	}
	if _, ok := tags["latest"]; ok || len(kept) == 0 {
		return
	}
	var stable []string
	for v := range kept {
		if !strings.Contains(v, "-") {
			stable = append(stable, v)
		}
	}
	sort.Slice(stable, func(i, j int) bool { return kept[stable[i]].After(kept[stable[j]]) })
	if len(stable) > 0 {
		tags["latest"] = stable[0]
	}
}

// integrityOf is a version's SRI integrity: dist.integrity (its sha512
// part when it lists several), else the sha1 shasum as SRI.
func integrityOf(dist map[string]any) string {
	for _, part := range strings.Fields(str(dist["integrity"])) {
		if strings.HasPrefix(part, "sha512-") {
			return part
		}
	}
	if sum, err := hex.DecodeString(str(dist["shasum"])); err == nil && len(sum) == 20 {
		return "sha1-" + base64.StdEncoding.EncodeToString(sum)
	}
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func matchAnyName(patterns []string, name string) bool {
	return config.Upstream{Packages: patterns}.Matches(name)
}
