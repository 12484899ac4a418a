package quarantine

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/malscan"
	"github.com/rampart/rampart/internal/publish"
	"github.com/rampart/rampart/internal/store"
)

// maxReason bounds a moderator's reason.
const maxReason = limits.MaxModerationReasonBytes

// actorScan is the actor of the scan's holds in events and notices.
const actorScan = "malware-scan"

// Scanner scans artifacts with the rules and checks the blocklist: the
// publish's check (publish.MalwareCheck) and the rescans'.
type Scanner struct {
	rules       *malscan.Scanner
	maxUnpacked int64
	now         func() time.Time
	wake        func() // the moderation notices, set by New
}

// NewScanner returns a scanner with the built-in rules and extra (the
// operator's rule files, YARA rules); maxUnpacked bounds an artifact's
// unpacked bytes (limits.Limits.UnpackedBytes).
func NewScanner(extra []malscan.Matcher, maxUnpacked int64, now func() time.Time) *Scanner {
	return &Scanner{rules: malscan.New(extra...), maxUnpacked: maxUnpacked, now: now}
}

// Rules lists the rules in use.
func (s *Scanner) Rules() []malscan.Rule { return s.rules.Rules() }

// scan reads an artifact and runs the rules.
func (s *Scanner) scan(r io.Reader) (*malscan.Input, []malscan.Finding, error) {
	in, err := malscan.ReadTarGz(r, s.maxUnpacked)
	if err != nil {
		return nil, nil, err
	}
	return in, s.rules.Scan(in), nil
}

// Scan is the publish's scan stage: the rules over the upload's artifact,
// outside any transaction (publish.MalwareCheck).
func (s *Scanner) Scan(ctx context.Context, pub *ecosystem.Publish) (publish.MalwareScan, error) {
	in, found, err := s.scan(pub.Artifact.Open())
	if err != nil {
		return nil, fmt.Errorf("scanning %s@%s: %w", pub.Ref.Name, pub.Version, err)
	}
	return &uploadScan{s: s, in: in, found: found}, nil
}

// uploadScan is one upload's scan, decided in the commit transaction.
type uploadScan struct {
	s     *Scanner
	in    *malscan.Input
	found []malscan.Finding
}

// Hold checks the blocklist and records the hold (publish.MalwareScan).
func (u *uploadScan) Hold(tx store.Tx, pkg *core.Package, v *core.Version, tag string) (string, []string, error) {
	fs, err := u.s.verdict(tx, pkg.ID, v.Version, u.in, u.found, nil)
	if err != nil || len(fs) == 0 {
		return "", nil, err
	}
	why := summary(fs)
	if err := tx.PutVersionHold(core.VersionHold{PackageID: pkg.ID, Version: v.Version, Kind: core.HoldScan, Reason: why, By: actorScan, At: u.s.now(), Tag: tag}); err != nil {
		return "", nil, err
	}
	staff, err := tx.SiteStaff()
	if err != nil {
		return "", nil, err
	}
	return why, core.UserNames(staff), nil
}

// Held wakes the moderation notices once the hold committed.
func (u *uploadScan) Held() {
	if u.s.wake != nil {
		u.s.wake()
	}
}

// verdict is what holds a version: the rules' findings, less those a
// moderator released for it (released: rule IDs), and the blocklisted
// digests. They are recorded as the version's findings.
func (s *Scanner) verdict(tx store.Tx, pkgID int64, version string, in *malscan.Input, found []malscan.Finding, released map[string]bool) ([]core.ScanFinding, error) {
	now := s.now()
	var out []core.ScanFinding
	for _, f := range found {
		if released[f.ID] {
			continue
		}
		out = append(out, core.ScanFinding{PackageID: pkgID, Version: version, Rule: f.ID, Severity: string(f.Severity), Summary: f.Description, File: f.File, Excerpt: f.Excerpt, At: now})
	}
	ds := in.Digests()
	keys := make([]string, len(ds))
	files := map[string]string{}
	for i, d := range ds {
		keys[i] = d.Value
		if _, ok := files[d.Value]; !ok {
			files[d.Value] = d.File
		}
	}
	blocked, err := tx.BlockedDigests(keys)
	if err != nil {
		return nil, err
	}
	if !released[core.RuleBlocklist] {
		for _, b := range blocked {
			out = append(out, core.ScanFinding{PackageID: pkgID, Version: version, Rule: core.RuleBlocklist, Severity: string(malscan.Critical),
				Summary: "known-bad bytes (" + b.Kind + " " + b.Digest + "), blocklisted from " + b.Source + ": " + b.Reason, File: files[b.Digest], At: now})
		}
	}
	if len(out) > limits.MaxScanFindings {
		out = out[:limits.MaxScanFindings]
	}
	if len(out) > 0 {
		if err := tx.AddScanFindings(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// summary is the reason a hold gives: the first finding, and how many
// more there are.
func summary(fs []core.ScanFinding) string {
	f := fs[0]
	var b strings.Builder
	b.WriteString(f.Rule)
	if f.File != "" {
		b.WriteString(" in " + f.File)
	}
	b.WriteString(": " + f.Summary)
	if len(fs) > 1 {
		fmt.Fprintf(&b, " (and %d more findings)", len(fs)-1)
	}
	return b.String()
}
