package npm

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// AbbreviatedFields are the version fields of the abbreviated ("corgi")
// packument: what npm needs to resolve and install, nothing more.
var AbbreviatedFields = []string{
	"name", "version", "dependencies", "optionalDependencies", "devDependencies",
	"peerDependencies", "peerDependenciesMeta", "bundleDependencies", "bundledDependencies",
	"acceptDependencies", "bin", "directories", "engines", "os", "cpu", "libc",
	"deprecated", "_hasShrinkwrap", "hasInstallScript", "funding", "license", "dist",
}

// HoistedFields are copied from the latest version to the top of the full
// packument, as the npm registry does.
var HoistedFields = []string{"description", "homepage", "repository", "bugs", "keywords", "license", "author", "readmeFilename"}

// Rev formats a package revision the way npm expects "_rev": "<n>-<hex>".
func Rev(p *core.Package) string {
	h := sha256.Sum256([]byte(p.Name + "\x00" + strconv.FormatInt(p.Rev, 10)))
	return strconv.FormatInt(p.Rev, 10) + "-" + hex.EncodeToString(h[:8])
}

func buildDocument(st ecosystem.PackageState) (*core.Document, error) {
	p, versions, tags, maintainers, users := st.Package, st.Versions, st.Tags, st.Maintainers, st.Publishers
	full := map[string]any{}
	abbrevVersions := map[string]any{}
	fullVersions := map[string]any{}
	times := map[string]any{
		"created":  DocTime(p.CreatedAt),
		"modified": DocTime(p.ModifiedAt),
	}
	var latest map[string]any
	var readme string
	served := map[string]bool{}
	for _, v := range versions {
		// The shared document is what anyone may see (core.Servable).
		if !core.Servable(&v, p, core.ViewerAnyone) {
			continue
		}
		served[v.Version] = true
		var m map[string]any
		if err := json.Unmarshal(v.Manifest, &m); err != nil {
			return nil, fmt.Errorf("version %s manifest: %w", v.Version, err)
		}
		r, _ := m["readme"].(string)
		delete(m, "readme")
		dist, _ := m["dist"].(map[string]any)
		if dist == nil {
			dist = map[string]any{}
		}
		dist["tarball"] = st.ArtifactURL(v.Version)
		setAttestations(dist, p.Name, &v, st.ArtifactURL(v.Version))
		m["dist"] = dist
		putSignatures(dist, v.Signatures)
		if v.Deprecated != "" {
			m["deprecated"] = v.Deprecated
		}
		if u := users[v.PublisherID]; u != nil {
			m["_npmUser"] = map[string]any{"name": u.Name, "email": u.Email}
		}
		fullVersions[v.Version] = m
		abbrev := map[string]any{}
		for _, f := range AbbreviatedFields {
			if val, ok := m[f]; ok {
				abbrev[f] = val
			}
		}
		abbrevVersions[v.Version] = abbrev
		times[v.Version] = DocTime(v.PublishedAt)
		if tags["latest"] == v.Version {
			latest, readme = m, r
		}
	}
	if latest == nil {
		// No latest tag: hoist from the highest live version.
		if v := highestVersion(fullVersions); v != "" {
			latest = fullVersions[v].(map[string]any)
		}
	}
	ms := make([]map[string]any, 0, len(maintainers))
	for _, u := range maintainers {
		ms = append(ms, map[string]any{"name": u.Name, "email": u.Email})
	}
	full["_id"] = p.Name
	full["_rev"] = Rev(p)
	full["name"] = p.Name
	tags = core.ServableTags(tags, served)
	full["dist-tags"] = tags
	full["versions"] = fullVersions
	full["time"] = times
	full["maintainers"] = ms
	full["users"] = map[string]any{}
	full["readme"] = readme
	for _, f := range HoistedFields {
		if latest != nil {
			if val, ok := latest[f]; ok {
				full[f] = val
			}
		}
	}
	abbrev := map[string]any{
		"name":      p.Name,
		"modified":  DocTime(p.ModifiedAt),
		"dist-tags": tags,
		"versions":  abbrevVersions,
	}
	fullJSON, err := json.Marshal(full)
	if err != nil {
		return nil, err
	}
	abbrevJSON, err := json.Marshal(abbrev)
	if err != nil {
		return nil, err
	}
	fullGz, err := GzipBytes(fullJSON)
	if err != nil {
		return nil, err
	}
	abbrevGz, err := GzipBytes(abbrevJSON)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(fullJSON)
	h.Write(abbrevJSON)
	return &core.Document{
		Name:       p.Name,
		Restricted: p.Access == "restricted",
		ETag:       base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:15]),
		Full:       fullJSON,
		FullGz:     fullGz,
		Abbrev:     abbrevJSON,
		AbbrevGz:   abbrevGz,
	}, nil
}

// docTime formats a time for a packument at the store's precision
// (milliseconds, UTC), so that a document built right after a change and
// one built later from the stored rows are the same bytes: a client's
// copy of the document can then be compared with the current one.
func DocTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}

// GzipBytes compresses a document once, at the best ratio: it is sent
// many times.
func GzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// highestVersion returns the highest semver key, preferring releases
// over prereleases; "" if there are none.
func highestVersion[T any](versions map[string]T) string {
	var list []*semver.Version
	for k := range versions {
		if v, err := semver.StrictNewVersion(k); err == nil {
			list = append(list, v)
		}
	}
	if len(list) == 0 {
		return ""
	}
	sort.Slice(list, func(i, j int) bool {
		pi, pj := list[i].Prerelease() == "", list[j].Prerelease() == ""
		if pi != pj {
			return !pi // prereleases sort first, releases last
		}
		return list[i].LessThan(list[j])
	})
	return list[len(list)-1].Original()
}
