// Package osv is the Open Source Vulnerability format (OSV schema 1.7,
// https://ossf.github.io/osv-schema/): the record, its strict and bounded
// parsing, and whether a package version falls in an affected range. It is
// pure: no storage, no transport, and it imports only the standard library
// and the semver library.
//
// The types are written by hand rather than generated (ossf/osv-schema's
// Go bindings need protobuf and protojson around every use): each field
// is the schema's, the JSON names are the schema's, and a test validates
// every record Rampart produces against the official JSON schema
// (testdata/schema.json), so a drift from the schema fails there.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// SchemaVersion is the OSV schema version the records Rampart writes
// follow.
const SchemaVersion = "1.7.0"

// EcosystemNPM is npm's name in OSV.
const EcosystemNPM = "npm"

// MaxRecordBytes bounds one OSV record. The largest records of OSV's npm
// export are a few hundred KiB (long details and version lists).
const MaxRecordBytes = 4 << 20

// MaxAffected bounds the affected packages of one record, and
// MaxVersions the versions listed for one of them.
const (
	MaxAffected = 1000
	MaxVersions = 20000
	MaxEvents   = 1000
)

// Vuln is one OSV record.
type Vuln struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a severity score: a CVSS vector, or Ubuntu's word.
type Severity struct {
	Type  string `json:"type"` // CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu
	Score string `json:"score"`
}

// Affected is one affected package and its versions.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package names a package in an ecosystem.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Purl      string `json:"purl,omitempty"`
}

// Range is a range of affected versions given by events.
type Range struct {
	Type             string          `json:"type"` // SEMVER, ECOSYSTEM, GIT
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one event of a range: exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit names someone credited.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// The range types.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// idPattern is the schema's home-database prefix rule, loosened to any
// upper-case prefix: a registry imports records of databases the schema
// lists later. The schema test holds Rampart's own records to the exact
// list.
var idPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*(-[A-Za-z0-9_.:]+)+$`)

var (
	severityTypes  = map[string]bool{"CVSS_V2": true, "CVSS_V3": true, "CVSS_V4": true, "Ubuntu": true}
	rangeTypes     = map[string]bool{RangeSemver: true, RangeEcosystem: true, RangeGit: true}
	referenceTypes = map[string]bool{"ADVISORY": true, "ARTICLE": true, "DETECTION": true, "DISCUSSION": true, "REPORT": true,
		"FIX": true, "INTRODUCED": true, "GIT": true, "PACKAGE": true, "EVIDENCE": true, "WEB": true}
	creditTypes = map[string]bool{"FINDER": true, "REPORTER": true, "ANALYST": true, "COORDINATOR": true, "REMEDIATION_DEVELOPER": true,
		"REMEDIATION_REVIEWER": true, "REMEDIATION_VERIFIER": true, "TOOL": true, "SPONSOR": true, "OTHER": true}
)

// Parse reads one OSV record strictly: at most MaxRecordBytes, one JSON
// object, no field the schema does not define, no duplicate keys, and
// the schema's rules (Validate).
func Parse(r io.Reader) (*Vuln, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxRecordBytes {
		return nil, fmt.Errorf("an OSV record is larger than %d bytes", MaxRecordBytes)
	}
	return ParseBytes(b)
}

// ParseBytes is Parse of a record in memory.
func ParseBytes(b []byte) (*Vuln, error) {
	if len(b) > MaxRecordBytes {
		return nil, fmt.Errorf("an OSV record is larger than %d bytes", MaxRecordBytes)
	}
	if err := noDuplicateKeys(b); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v Vuln
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not an OSV record: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not an OSV record: more than one JSON value")
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	return &v, nil
}

// Validate checks the schema's rules and this package's bounds.
func (v *Vuln) Validate() error {
	if !idPattern.MatchString(v.ID) || len(v.ID) > 128 {
		return fmt.Errorf("OSV id %q is not PREFIX-ID", v.ID)
	}
	if v.Modified.IsZero() {
		return fmt.Errorf("%s: modified is required", v.ID)
	}
	if len(v.Affected) > MaxAffected {
		return fmt.Errorf("%s: more than %d affected packages", v.ID, MaxAffected)
	}
	for _, s := range v.Severity {
		if err := s.validate(); err != nil {
			return fmt.Errorf("%s: %w", v.ID, err)
		}
	}
	for i, a := range v.Affected {
		if err := a.validate(); err != nil {
			return fmt.Errorf("%s: affected[%d]: %w", v.ID, i, err)
		}
	}
	for _, r := range v.References {
		if !referenceTypes[r.Type] || r.URL == "" {
			return fmt.Errorf("%s: reference %q %q: a known type and a URL are required", v.ID, r.Type, r.URL)
		}
	}
	for _, c := range v.Credits {
		if c.Name == "" || (c.Type != "" && !creditTypes[c.Type]) {
			return fmt.Errorf("%s: credit %q %q: a name and a known type are required", v.ID, c.Name, c.Type)
		}
	}
	for _, raw := range []json.RawMessage{v.DatabaseSpecific} {
		if err := isObject(raw); err != nil {
			return fmt.Errorf("%s: database_specific: %w", v.ID, err)
		}
	}
	return nil
}

func (s Severity) validate() error {
	if !severityTypes[s.Type] || s.Score == "" {
		return fmt.Errorf("severity %q %q: a known type and a score are required", s.Type, s.Score)
	}
	return nil
}

func (a Affected) validate() error {
	if a.Package.Ecosystem == "" || a.Package.Name == "" {
		return errors.New("package needs an ecosystem and a name")
	}
	if len(a.Versions) > MaxVersions {
		return fmt.Errorf("more than %d versions", MaxVersions)
	}
	for _, s := range a.Severity {
		if err := s.validate(); err != nil {
			return err
		}
	}
	hasVersionRange := false
	for j, r := range a.Ranges {
		if !rangeTypes[r.Type] {
			return fmt.Errorf("ranges[%d]: unknown type %q", j, r.Type)
		}
		if r.Type == RangeGit && r.Repo == "" {
			return fmt.Errorf("ranges[%d]: a GIT range needs a repo", j)
		}
		if r.Type != RangeGit {
			hasVersionRange = true
		}
		if len(r.Events) == 0 || len(r.Events) > MaxEvents {
			return fmt.Errorf("ranges[%d]: from 1 to %d events", j, MaxEvents)
		}
		introduced, fixed, last := false, false, false
		for k, e := range r.Events {
			n := 0
			for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
				if s != "" {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("ranges[%d].events[%d]: exactly one of introduced, fixed, last_affected, limit", j, k)
			}
			introduced = introduced || e.Introduced != ""
			fixed = fixed || e.Fixed != ""
			last = last || e.LastAffected != ""
		}
		if !introduced {
			return fmt.Errorf("ranges[%d]: no introduced event", j)
		}
		if fixed && last {
			return fmt.Errorf("ranges[%d]: fixed and last_affected events exclude each other", j)
		}
		if err := isObject(r.DatabaseSpecific); err != nil {
			return fmt.Errorf("ranges[%d].database_specific: %w", j, err)
		}
	}
	if !hasVersionRange && len(a.Versions) == 0 {
		return errors.New("versions are required without a SEMVER or ECOSYSTEM range")
	}
	for _, raw := range []json.RawMessage{a.EcosystemSpecific, a.DatabaseSpecific} {
		if err := isObject(raw); err != nil {
			return err
		}
	}
	return nil
}

// isObject checks that an optional free-form field is a JSON object.
func isObject(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return errors.New("must be a JSON object")
	}
	return nil
}

// Marshal is the record's JSON, as Rampart stores and serves it: the
// schema's field names, timestamps in RFC 3339 UTC.
func (v *Vuln) Marshal() ([]byte, error) {
	c := *v
	c.Modified = c.Modified.UTC()
	if c.Published != nil {
		p := c.Published.UTC()
		c.Published = &p
	}
	if c.Withdrawn != nil {
		w := c.Withdrawn.UTC()
		c.Withdrawn = &w
	}
	return json.Marshal(&c)
}

// IsWithdrawn says whether the record was withdrawn by now.
func (v *Vuln) IsWithdrawn(now time.Time) bool {
	return v.Withdrawn != nil && !v.Withdrawn.After(now)
}

// Packages are the distinct packages a record affects, in order.
func (v *Vuln) Packages() []Package {
	seen := map[[2]string]bool{}
	var out []Package
	for _, a := range v.Affected {
		k := [2]string{a.Package.Ecosystem, a.Package.Name}
		if !seen[k] {
			seen[k] = true
			out = append(out, Package{Ecosystem: a.Package.Ecosystem, Name: a.Package.Name})
		}
	}
	return out
}

// BaseEcosystem is an ecosystem string without its suffix ("Debian:12"
// is Debian's).
func BaseEcosystem(e string) string {
	base, _, _ := strings.Cut(e, ":")
	return base
}

// noDuplicateKeys refuses a JSON text in which an object names a key
// twice: encoding/json keeps the last, other readers the first, and a
// record must mean one thing to every reader.
func noDuplicateKeys(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		expect bool // in an object, the next string is a key
	}
	var stack []*frame
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not an OSV record: %w", err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				depth++
				if depth > 64 {
					return errors.New("not an OSV record: nested deeper than 64")
				}
				if top != nil && top.object {
					top.expect = true
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expect: t == '{'})
			case '}', ']':
				depth--
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expect = true
				}
			}
		case string:
			if top != nil && top.object && top.expect {
				if top.keys[t] {
					return fmt.Errorf("not an OSV record: the key %q appears twice in one object", t)
				}
				top.keys[t] = true
				top.expect = false
				continue
			}
			if top != nil && top.object {
				top.expect = true
			}
		default:
			if top != nil && top.object {
				top.expect = true
			}
		}
	}
}
