package advisory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/limits"
	"github.com/rampart/rampart/internal/osv"
	"github.com/rampart/rampart/internal/store"
)

// Bounds on a malicious-package advisory's text, set by a moderator.
const (
	maxSummaryBytes = 1024
	maxDetailsBytes = 64 * 1024
	maxMalVersions  = 1000
)

// Malicious publishes a malicious-package advisory at a moderator's or
// administrator's request (`rampart admin advisories malicious`): it
// authorizes p, then PublishMalicious.
func (s *Service) Malicious(ctx context.Context, p authz.Principal, pkg core.PackageRef, versions []string, summary, details string) (string, error) {
	if err := authz.Authorize(p, authz.Moderate, authz.Resource{}); err != nil {
		return "", err
	}
	return s.PublishMalicious(ctx, p.User.Name, pkg, versions, summary, details)
}

// PublishMalicious publishes Rampart's own malicious-package advisory
// for versions of pkg, as moderation confirmed them, and returns its id,
// MAL-YYYY-NNNN: numbered in sequence per year in the transaction that
// stores it (no gaps, none shared under concurrency). It is in force at
// once: the OSV API, npm audit (as critical) and the web UI read it from
// the store. The caller has authorized actor (Malicious does).
func (s *Service) PublishMalicious(ctx context.Context, actor string, pkg core.PackageRef, versions []string, summary, details string) (id string, err error) {
	if strings.TrimSpace(pkg.Name) == "" || pkg.Ecosystem == "" {
		return "", core.Errorf(core.KindInvalid, "name the package the advisory is about")
	}
	vs, err := cleanVersions(versions)
	if err != nil {
		return "", err
	}
	if len(summary) > maxSummaryBytes || len(details) > maxDetailsBytes {
		return "", core.Errorf(core.KindInvalid, "the summary is limited to %d bytes and the details to %d", maxSummaryBytes, maxDetailsBytes)
	}
	now := s.now().UTC()
	err = s.st.Update(ctx, func(tx store.Tx) error {
		n, err := tx.NextMaliciousNumber(now.Year())
		if err != nil {
			return err
		}
		id = fmt.Sprintf("MAL-%d-%04d", now.Year(), n)
		v := osv.Malicious(id, OSVEcosystem(pkg.Ecosystem), pkg.Name, vs, summary, details, s.cfg.PublicURL, now)
		a, err := toStored(v, "rampart")
		if err != nil {
			return err
		}
		if err := tx.PutAdvisory(a); err != nil {
			return err
		}
		return tx.AppendEvent(event.AdvisoryMalicious{ID: id, Versions: vs, Summary: v.Summary}.At(now, actor, pkg.Name))
	})
	if err != nil {
		return "", err
	}
	s.log.Info("malicious-package advisory published", "id", id, "package", pkg.Name, "versions", vs, "by", actor)
	return id, nil
}

func cleanVersions(versions []string) ([]string, error) {
	var vs []string
	for _, v := range versions {
		v = strings.TrimSpace(v)
		if v == "" || slices.Contains(vs, v) {
			continue
		}
		if len(v) > limits.MaxVersionLength || strings.ContainsAny(v, " \t\r\n") {
			return nil, core.Errorf(core.KindInvalid, "%q is not a version", v)
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return nil, core.Errorf(core.KindInvalid, "name at least one malicious version (NAME@VERSION)")
	}
	if len(vs) > maxMalVersions {
		return nil, core.Errorf(core.KindInvalid, "at most %d versions in one advisory", maxMalVersions)
	}
	return vs, nil
}

// toStored is the store's row of a record: its bytes as Rampart writes
// them and the copies the store indexes.
func toStored(v *osv.Vuln, source string) (*core.Advisory, error) {
	raw, err := v.Marshal()
	if err != nil {
		return nil, err
	}
	a := &core.Advisory{ID: v.ID, Modified: v.Modified, Summary: v.Summary, Severity: v.Rating(), Source: source, Record: raw}
	if v.Published != nil {
		a.Published = *v.Published
	}
	if v.Withdrawn != nil {
		a.Withdrawn = *v.Withdrawn
	}
	for _, p := range v.Packages() {
		a.Packages = append(a.Packages, core.PackageRef{Ecosystem: Ecosystem(p.Ecosystem), Name: p.Name})
	}
	return a, nil
}
