package quarantine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/blob"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/malscan"
	"github.com/rampart/rampart/internal/store"
)

// Evidence is what a moderator reads before deciding on a version: its
// files, the scan's findings, why it is held, and what changed since the
// previous version.
type Evidence struct {
	Package, Version string
	State            core.VersionState
	PublishedAt      time.Time
	Publisher        string
	Integrity        string
	Hold             *core.VersionHold // nil if none recorded
	Findings         []core.ScanFinding
	FalsePositives   []core.FalsePositive
	Files            []EvidenceFile
	// Previous is the version compared with ("" if none); Diff the
	// changed text files, at most limits.MaxDiffFiles.
	Previous string
	Diff     []FileDiff
	// Unreadable says why the files could not be listed, "" if they were.
	Unreadable string
}

// EvidenceFile is one file of the artifact.
type EvidenceFile struct {
	Path   string
	Size   int64
	SHA256 string
	Binary bool
}

// FileDiff is one changed file against the previous version.
type FileDiff struct {
	Path   string
	Status string // "added", "removed", "changed"
	// Lines are the diff's lines, each starting with " ", "+" or "-";
	// empty when the file is binary or too large to compare (Note says).
	Lines []string
	Note  string
}

// HeldVersions lists the held versions, newest hold first.
func (s *Service) HeldVersions(ctx context.Context, p authz.Principal, limit, offset int) ([]core.HeldVersion, int, error) {
	if err := authorize(p); err != nil {
		return nil, 0, err
	}
	var out []core.HeldVersion
	var total int
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		out, total, err = tx.HeldVersions(s.ref("").Ecosystem, limit, offset)
		return err
	})
	return out, total, err
}

// Evidence gathers the evidence of name@version.
func (s *Service) Evidence(ctx context.Context, p authz.Principal, name, version string) (*Evidence, error) {
	if err := authorize(p); err != nil {
		return nil, err
	}
	ev := &Evidence{Package: name, Version: version}
	var cur, prev *core.Version
	err := s.store.View(ctx, func(tx store.Tx) error {
		t, err := s.target(tx, name, version)
		if err != nil {
			return err
		}
		cur = t.v
		ev.State, ev.PublishedAt, ev.Integrity, ev.Hold = t.v.State(), t.v.PublishedAt, t.v.Integrity, t.hold
		if u, err := tx.UserByID(t.v.PublisherID); err == nil {
			ev.Publisher = u.Name
		}
		if ev.Findings, err = tx.ScanFindings(t.pkg.ID, version); err != nil {
			return err
		}
		if ev.FalsePositives, err = tx.FalsePositives(t.pkg.ID, version); err != nil {
			return err
		}
		vs, err := tx.Versions(t.pkg.ID)
		if err != nil {
			return err
		}
		// The previous version is the highest one below it.
		f := s.cfg.Hooks.Format
		var lower []string
		for _, v := range vs {
			if v.Version != version && f.Highest([]string{v.Version, version}) == version {
				lower = append(lower, v.Version)
			}
		}
		if h := f.Highest(lower); h != "" {
			for i := range vs {
				if vs[i].Version == h {
					prev = &vs[i]
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	in, err := s.read(ctx, cur)
	if err != nil {
		ev.Unreadable = err.Error()
		return ev, nil
	}
	for _, f := range in.Files {
		ev.Files = append(ev.Files, EvidenceFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Binary: binary(f.Data)})
	}
	if prev != nil {
		ev.Previous = prev.Version
		if old, err := s.read(ctx, prev); err == nil {
			ev.Diff = diffInputs(old, in)
		}
	}
	return ev, nil
}

func (s *Service) read(ctx context.Context, v *core.Version) (*malscan.Input, error) {
	r, _, err := s.blobs.Open(ctx, blob.Digest(v.Digest))
	if errors.Is(err, core.ErrNotFound) {
		return nil, fmt.Errorf("the artifact of %s is no longer stored", v.Version)
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return malscan.ReadTarGz(r, s.cfg.Scanner.maxUnpacked)
}

// binary reports whether data looks like something other than text.
func binary(data []byte) bool {
	head := data[:min(len(data), 8000)]
	return bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(trimRune(head))
}

func trimRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return b
}

// diffInputs compares two versions' files: package.json first, then the
// others in path order, at most limits.MaxDiffFiles.
func diffInputs(old, cur *malscan.Input) []FileDiff {
	olds := map[string]malscan.File{}
	for _, f := range old.Files {
		olds[f.Path] = f
	}
	var out []FileDiff
	add := func(d FileDiff) bool {
		if len(out) >= limits.MaxDiffFiles {
			return false
		}
		out = append(out, d)
		return true
	}
	ordered := append([]malscan.File(nil), cur.Files...)
	for i, f := range ordered {
		if f.Path == "package.json" && i > 0 {
			ordered[0], ordered[i] = ordered[i], ordered[0]
		}
	}
	seen := map[string]bool{}
	for _, f := range ordered {
		seen[f.Path] = true
		o, had := olds[f.Path]
		switch {
		case !had:
			if !add(fileDiff(f.Path, "added", nil, f)) {
				return out
			}
		case o.SHA256 != f.SHA256:
			if !add(fileDiff(f.Path, "changed", &o, f)) {
				return out
			}
		}
	}
	for _, o := range old.Files {
		if !seen[o.Path] {
			if !add(FileDiff{Path: o.Path, Status: "removed"}) {
				return out
			}
		}
	}
	return out
}

func fileDiff(path, status string, old *malscan.File, cur malscan.File) FileDiff {
	d := FileDiff{Path: path, Status: status}
	var a []byte
	if old != nil {
		a = old.Data
		if old.Truncated || len(a) > limits.MaxDiffFileBytes || binary(a) {
			d.Note = "binary or too large to compare"
			return d
		}
	}
	if cur.Truncated || len(cur.Data) > limits.MaxDiffFileBytes || binary(cur.Data) {
		d.Note = "binary or too large to compare"
		return d
	}
	d.Lines = lineDiff(splitLines(a), splitLines(cur.Data))
	if d.Lines == nil {
		d.Note = "too many changed lines to compare"
	}
	return d
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// maxDiffCells bounds the work of one line diff (old lines × new lines).
const maxDiffCells = 4 << 20

// lineDiff is a longest-common-subsequence diff of two texts, nil when
// they are too large to compare within maxDiffCells.
func lineDiff(a, b []string) []string {
	// Common head and tail cost nothing.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if (len(ma)+1)*(len(mb)+1) > maxDiffCells {
		return nil
	}
	// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
	w := len(mb) + 1
	lcs := make([]int32, (len(ma)+1)*w)
	for i := len(ma) - 1; i >= 0; i-- {
		for j := len(mb) - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	out := []string{}
	// Three lines of context around the changes.
	for _, l := range a[max(0, pre-3):pre] {
		out = append(out, " "+l)
	}
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		switch {
		case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
			out = append(out, " "+ma[i])
			i, j = i+1, j+1
		case j < len(mb) && (i == len(ma) || lcs[i*w+j+1] >= lcs[(i+1)*w+j]):
			out = append(out, "+"+mb[j])
			j++
		default:
			out = append(out, "-"+ma[i])
			i++
		}
	}
	for _, l := range a[len(a)-suf : min(len(a), len(a)-suf+3)] {
		out = append(out, " "+l)
	}
	return out
}
