package npm

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// The packuments are assembled from per-version fragments by
// concatenation in the order encoding/json would write them, so that the
// bytes are the same as buildDocument's marshalling of the whole (the
// registry's tests compare the two byte for byte).

// RenderVersion renders v's objects in the full and the abbreviated
// packument, exactly as buildDocument encodes v inside them.
func (Format) RenderVersion(p *core.Package, v *core.Version, u *core.User, tarballURL string) (full, abbrev []byte, err error) {
	var m map[string]any
	if err := json.Unmarshal(v.Manifest, &m); err != nil {
		return nil, nil, fmt.Errorf("version %s manifest: %w", v.Version, err)
	}
	delete(m, "readme")
	dist, _ := m["dist"].(map[string]any)
	if dist == nil {
		dist = map[string]any{}
	}
	dist["tarball"] = tarballURL
	setAttestations(dist, p.Name, v, tarballURL)
	m["dist"] = dist
	putSignatures(dist, v.Signatures)
	if v.Deprecated != "" {
		m["deprecated"] = v.Deprecated
	}
	if u != nil {
		m["_npmUser"] = map[string]any{"name": u.Name, "email": u.Email}
	}
	ab := map[string]any{}
	for _, f := range AbbreviatedFields {
		if val, ok := m[f]; ok {
			ab[f] = val
		}
	}
	if full, err = json.Marshal(m); err != nil {
		return nil, nil, err
	}
	if abbrev, err = json.Marshal(ab); err != nil {
		return nil, nil, err
	}
	return full, abbrev, nil
}

// assembly is npm's ecosystem.Assembly: the packuments' top levels,
// encoded, and the fragments to put between them.
type assembly struct {
	st       ecosystem.Parts
	top      []byte // the full document's fields but time, users and versions, encoded, without its closing brace
	times    []byte // the full document's time object
	versions []string
}

// Assemble encodes the top level of the packuments; the fragments are
// put in by Document.
func (Format) Assemble(st ecosystem.Parts) (ecosystem.Assembly, error) {
	a := &assembly{st: st}
	p := st.Package
	live := map[string]*core.Version{}
	times := map[string]string{"created": DocTime(p.CreatedAt), "modified": DocTime(p.ModifiedAt)}
	for _, v := range st.Live {
		live[v.Version] = v
		if st.Counted == nil {
			a.versions = append(a.versions, v.Version)
			times[v.Version] = DocTime(v.PublishedAt)
		}
	}
	// The top level hoists fields from the latest version, as
	// buildDocument does: the version tagged latest (and its readme), or
	// else the highest live version (and no readme).
	var latest map[string]any
	var readme string
	lv, tagged := live[st.Tags["latest"]]
	if !tagged {
		lv = live[highestVersion(live)]
	}
	if lv != nil {
		if err := json.Unmarshal(lv.Manifest, &latest); err != nil {
			return nil, fmt.Errorf("version %s manifest: %w", lv.Version, err)
		}
		if tagged {
			readme, _ = latest["readme"].(string)
		}
	}
	ms := make([]map[string]any, 0, len(st.Maintainers))
	for _, u := range st.Maintainers {
		ms = append(ms, map[string]any{"name": u.Name, "email": u.Email})
	}
	top := map[string]any{
		"_id":         p.Name,
		"_rev":        Rev(p),
		"name":        p.Name,
		"dist-tags":   st.Tags,
		"maintainers": ms,
		"readme":      readme,
	}
	for _, f := range HoistedFields {
		if val, ok := latest[f]; ok {
			top[f] = val
		}
	}
	var err error
	if a.top, err = json.Marshal(top); err != nil {
		return nil, err
	}
	// "time", "users" and "versions" sort after every other top-level
	// field, so they are appended after the encoded rest.
	a.top = a.top[:len(a.top)-1]
	if a.times, err = json.Marshal(times); err != nil {
		return nil, err
	}
	return a, nil
}

// VersionBytes is what v adds to the full packument: its key and
// fragment in "versions" and its key and time in "time", with a comma
// each (the one comma too many is taken off in Size).
func (Format) VersionBytes(v *core.Version, fullLen int64) int64 {
	k, _ := json.Marshal(v.Version)
	t, _ := json.Marshal(DocTime(v.PublishedAt))
	return 2*int64(len(k)) + 1 + fullLen + 1 + 1 + int64(len(t)) + 1
}

// Size is the length of the full document, from the fragments' lengths,
// or from their sum (Parts.Counted).
func (a *assembly) Size() int64 {
	n := int64(len(a.top)) + int64(len(`,"time":`)+len(a.times)+len(`,"users":{},"versions":{`)+len(`}}`))
	if c := a.st.Counted; c != nil {
		if c.Live > 0 {
			n += c.Bytes - 1 // no comma after the last version
		}
		return n
	}
	for i, v := range a.versions {
		k, _ := json.Marshal(v)
		n += int64(len(k)) + 1 + a.st.Frags[v].FullLen
		if i > 0 {
			n++
		}
	}
	return n
}

// Document assembles every form of the packuments; the fragments' bodies
// must have been read.
func (a *assembly) Document() (*core.Document, error) {
	p := a.st.Package
	if a.st.Counted != nil {
		return nil, fmt.Errorf("the document of %s was prepared from its sums, for its size alone", p.Name)
	}
	var full, abbrev bytes.Buffer
	full.Grow(int(a.Size()))
	full.Write(a.top)
	full.WriteString(`,"time":`)
	full.Write(a.times)
	full.WriteString(`,"users":{},"versions":{`)
	head, err := json.Marshal(map[string]any{"dist-tags": a.st.Tags, "modified": DocTime(p.ModifiedAt), "name": p.Name})
	if err != nil {
		return nil, err
	}
	abbrev.Write(head[:len(head)-1])
	abbrev.WriteString(`,"versions":{`)
	for i, v := range a.versions {
		f := a.st.Frags[v]
		if f.Full == nil || f.Abbrev == nil {
			return nil, fmt.Errorf("the fragments of %s were not read", v)
		}
		k, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			full.WriteByte(',')
			abbrev.WriteByte(',')
		}
		full.Write(k)
		full.WriteByte(':')
		full.Write(f.Full)
		abbrev.Write(k)
		abbrev.WriteByte(':')
		abbrev.Write(f.Abbrev)
	}
	full.WriteString(`}}`)
	abbrev.WriteString(`}}`)
	fullGz, err := GzipBytes(full.Bytes())
	if err != nil {
		return nil, err
	}
	abbrevGz, err := GzipBytes(abbrev.Bytes())
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(full.Bytes())
	h.Write(abbrev.Bytes())
	return &core.Document{
		Name:       p.Name,
		Restricted: p.Access == "restricted",
		ETag:       base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:15]),
		Full:       full.Bytes(),
		FullGz:     fullGz,
		Abbrev:     abbrev.Bytes(),
		AbbrevGz:   abbrevGz,
	}, nil
}
