// Package malscan finds malware in a package's files: a rule engine over
// an unpacked artifact (its files and its manifest), pure Go and a leaf
// (it imports only limits). Rules are data: each has an ID, a severity
// and a description; the built-in ones (builtin.go) look for install
// scripts that download and run code, credential theft that sends what it
// read out, obfuscated eval of long encoded strings and binary droppers;
// operators add their own from rule files (rulefile.go), and a build with
// `-tags yara` adds real YARA rules (yara.go).
//
// The blocklist of known-bad digests is not here: it lives in the store,
// and the caller compares the digests an Input carries (Digests). A scan
// never decides what a hit means; internal/quarantine holds the version.
package malscan

import (
	"bytes"
	"sort"
	"strings"

	"github.com/rampart/rampart/internal/limits"
)

// Severity is how bad a rule's hit is. Every hit holds the version; the
// severity orders the evidence for a moderator.
type Severity string

const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

var severities = map[Severity]int{Low: 1, Medium: 2, High: 3, Critical: 4}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return severities[s] > 0 }

// Rule describes one rule: what a finding names and a moderator reads.
type Rule struct {
	ID          string   `json:"id"`
	Severity    Severity `json:"severity"`
	Description string   `json:"description"`
}

// Finding is one rule's hit in one file ("" for the manifest or the
// whole artifact), with an excerpt of what matched.
type Finding struct {
	Rule
	File    string `json:"file"`
	Excerpt string `json:"excerpt"`
}

// File is one regular file of the artifact. Data is its first
// limits.MaxScanFileBytes at most (Truncated says whether there was
// more); the digests cover every byte.
type File struct {
	Path      string // in the package, without the archive's top folder
	Size      int64
	SHA256    string // hex
	Data      []byte
	Truncated bool
}

// Input is an unpacked artifact: what the rules read.
type Input struct {
	// SHA256 and SHA512 are the whole artifact's digests, hex.
	SHA256, SHA512 string
	Files          []File
	// Manifest is the package's manifest as the artifact holds it
	// (package.json), nil if none; Scripts its install-time scripts by
	// name (preinstall, install, postinstall).
	Manifest []byte
	Scripts  map[string]string
}

// Digest kinds, as the blocklist names them.
const (
	DigestArtifact = "artifact" // the whole tarball, "sha512:<hex>"
	DigestFile     = "file"     // one file inside it, "sha256:<hex>"
)

// Digest is one digest of an input, as the blocklist keys it.
type Digest struct {
	Kind, Value, File string
}

// Digests lists the input's digests for the blocklist: the artifact's
// SHA-512 and SHA-256, and every file's SHA-256.
func (in *Input) Digests() []Digest {
	out := []Digest{}
	if in.SHA512 != "" {
		out = append(out, Digest{Kind: DigestArtifact, Value: "sha512:" + in.SHA512})
	}
	if in.SHA256 != "" {
		out = append(out, Digest{Kind: DigestArtifact, Value: "sha256:" + in.SHA256})
	}
	for _, f := range in.Files {
		out = append(out, Digest{Kind: DigestFile, Value: "sha256:" + f.SHA256, File: f.Path})
	}
	return out
}

// Matcher is one rule's logic: the findings in one input.
type Matcher interface {
	Rule() Rule
	Match(in *Input) []Finding
}

// Scanner runs a set of rules.
type Scanner struct {
	matchers []Matcher
}

// New returns a scanner with the built-in rules and extra (operator
// rules, YARA rules) after them.
func New(extra ...Matcher) *Scanner {
	return &Scanner{matchers: append(Builtin(), extra...)}
}

// Rules lists the rules the scanner runs.
func (s *Scanner) Rules() []Rule {
	out := make([]Rule, 0, len(s.matchers))
	for _, m := range s.matchers {
		out = append(out, m.Rule())
	}
	return out
}

// Scan runs every rule over in: at most limits.MaxScanFindings findings,
// the most severe first, at most one per rule and file.
func (s *Scanner) Scan(in *Input) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, m := range s.matchers {
		for _, f := range m.Match(in) {
			k := f.ID + "\x00" + f.File
			if seen[k] {
				continue
			}
			seen[k] = true
			f.Excerpt = clip(f.Excerpt)
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return severities[out[i].Severity] > severities[out[j].Severity] })
	if len(out) > limits.MaxScanFindings {
		out = out[:limits.MaxScanFindings]
	}
	return out
}

// clip keeps an excerpt short, printable and on one line.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > limits.MaxScanExcerptBytes {
		cut := limits.MaxScanExcerptBytes
		for cut > 0 && s[cut]&0xc0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// excerpt is the text around b[i:j].
func excerpt(b []byte, i, j int) string {
	from, to := max(0, i-40), min(len(b), j+40)
	if to-from > limits.MaxScanExcerptBytes {
		to = from + limits.MaxScanExcerptBytes
	}
	return string(bytes.ToValidUTF8(b[from:to], nil))
}
