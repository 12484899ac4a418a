package quarantine

import (
	"context"
	"io"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/malscan"
	"github.com/rampart/rampart/internal/store"
)

// Hooks for the upstream proxy (internal/upstream), whose proxied
// versions have no version row: it scans their tarballs with the same
// rules and blocklist as a publish, and its moderators' actions are
// decided as these are.

// ScanProxied runs the rules and the blocklist over an artifact fetched
// from an upstream, recording nothing (the proxy records its own hold).
func (s *Scanner) ScanProxied(ctx context.Context, st store.Store, r io.Reader) ([]core.ScanFinding, error) {
	in, found, err := s.scan(r)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []core.ScanFinding
	for _, f := range found {
		out = append(out, core.ScanFinding{Rule: f.ID, Severity: string(f.Severity), Summary: f.Description, File: f.File, Excerpt: f.Excerpt, At: now})
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
	var blocked []core.BlockedDigest
	if err := st.View(ctx, func(tx store.Tx) error {
		var err error
		blocked, err = tx.BlockedDigests(keys)
		return err
	}); err != nil {
		return nil, err
	}
	for _, b := range blocked {
		out = append(out, core.ScanFinding{Rule: core.RuleBlocklist, Severity: string(malscan.Critical),
			Summary: "known-bad bytes (" + b.Kind + " " + b.Digest + "), blocklisted from " + b.Source + ": " + b.Reason, File: files[b.Digest], At: now})
	}
	return out, nil
}

// Summary is the reason a hold gives for findings: the first, and how
// many more there are.
func Summary(fs []core.ScanFinding) string { return summary(fs) }

// AuthorizeModeration decides a moderator's action on a proxied version
// as on a local one: authz.Moderate, and for a destructive one
// (confirming it malicious) a fresh second factor.
func AuthorizeModeration(p authz.Principal, destructive bool) error {
	if err := authorize(p); err != nil {
		return err
	}
	if destructive {
		return fresh(p)
	}
	return nil
}

// Reason checks a moderator's reason: required, bounded.
func Reason(r, what string) (string, error) { return reason(r, what) }
