package quarantine

import (
	"bytes"
	"io"
	"strings"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/malscan"
)

// The evidence of a proxied version the scan held (internal/upstream
// evidence.go): its files, read with the same reader and bounds as a
// local version's (malscan.ReadTarGz, the scanner's unpacked bound), and
// each finding's excerpt shown in its file, a few lines either side.

// FindingContext is where a finding's excerpt stands in its file.
type FindingContext struct {
	Rule, File string
	// First is the line number of Lines[0] (from 1); Match the indexes
	// in Lines of the lines the excerpt covers.
	First int
	Lines []string
	Match []int
	// Note says why no lines are shown ("" when they are).
	Note string
}

// ProxiedEvidence reads an artifact for its evidence: its files and
// where each finding's excerpt stands in its file.
func (s *Scanner) ProxiedEvidence(r io.Reader, findings []core.ScanFinding) ([]EvidenceFile, []FindingContext, error) {
	in, err := malscan.ReadTarGz(r, s.maxUnpacked)
	if err != nil {
		return nil, nil, err
	}
	files := make([]EvidenceFile, 0, len(in.Files))
	byPath := map[string]*malscan.File{}
	for i, f := range in.Files {
		files = append(files, EvidenceFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256, Binary: binary(f.Data)})
		byPath[f.Path] = &in.Files[i]
	}
	var ctxs []FindingContext
	for _, fd := range findings {
		if fd.File == "" || fd.Excerpt == "" {
			continue
		}
		c := FindingContext{Rule: fd.Rule, File: fd.File}
		f := byPath[fd.File]
		switch {
		case f == nil:
			c.Note = "the file is not in the artifact"
		case f.Truncated || len(f.Data) > limits.MaxDiffFileBytes || binary(f.Data):
			c.Note = "binary or too large to show"
		default:
			inContext(&c, f.Data, fd.Excerpt)
		}
		ctxs = append(ctxs, c)
	}
	return files, ctxs, nil
}

// inContext fills c with the lines around excerpt in data.
func inContext(c *FindingContext, data []byte, excerpt string) {
	at, end := indexLoose(data, excerpt)
	if _, quoted, ok := strings.Cut(excerpt, ": "); at < 0 && ok {
		// A package.json finding quotes "<field>: <value>".
		at, end = indexLoose(data, quoted)
	}
	if at < 0 {
		c.Note = "the excerpt was not found in the file"
		return
	}
	n := end - at
	lines := splitLines(data)
	first := bytes.Count(data[:at], []byte("\n"))
	last := first + bytes.Count(data[at:at+n], []byte("\n"))
	from, to := max(0, first-limits.EvidenceContextLines), min(len(lines), last+limits.EvidenceContextLines+1)
	c.First = from + 1
	for i := from; i < to; i++ {
		l := lines[i]
		if len(l) > limits.MaxEvidenceLineBytes {
			l = strings.ToValidUTF8(l[:limits.MaxEvidenceLineBytes], "") + " …"
		}
		c.Lines = append(c.Lines, l)
		if i >= first && i <= last {
			c.Match = append(c.Match, i-from)
		}
	}
}

// indexLoose finds excerpt in data as the rules quote it (a run of white
// space, newlines included, may be one space): the byte range of its
// first occurrence, or -1.
func indexLoose(data []byte, excerpt string) (start, end int) {
	norm, _ := loose([]byte(excerpt))
	if len(norm) == 0 {
		return -1, -1
	}
	hay, hpos := loose(data)
	k := bytes.Index(hay, norm)
	if k < 0 {
		return -1, -1
	}
	return hpos[k], hpos[k+len(norm)-1] + 1
}

// loose collapses each run of white space in b to one space (none at
// either end), with the offset in b of each byte kept.
func loose(b []byte) ([]byte, []int) {
	out, pos := make([]byte, 0, len(b)), make([]int, 0, len(b))
	space := false
	for i, x := range b {
		if x == ' ' || x == '\t' || x == '\n' || x == '\r' {
			space = len(out) > 0
			continue
		}
		if space {
			out, pos = append(out, ' '), append(pos, i-1)
			space = false
		}
		out, pos = append(out, x), append(pos, i)
	}
	return out, pos
}
