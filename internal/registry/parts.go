package registry

import (
	"github.com/rampart/rampart/internal/attestations"
	"github.com/rampart/rampart/internal/criticalpolicy"
	"github.com/rampart/rampart/internal/provenancepolicy"
	"github.com/rampart/rampart/internal/versionview"
)

// Services split out of the package service (issue 8: package sizes)
// that share its store, and so its read caches' invalidation, and its
// package notices. The front-ends reach them through it.

// ProvenancePolicy keeps the packages' provenance continuity policies.
func (s *Service) ProvenancePolicy() *provenancepolicy.Service { return s.provenance }

// Attestations lists the attestations npm's endpoint serves.
func (s *Service) Attestations() *attestations.Service { return s.attestations }

// Critical keeps the set of critical packages (by downloads, or
// designated by an administrator).
func (s *Service) Critical() *criticalpolicy.Service { return s.critical }

// Versions reads what a version's page shows, under the packument's read
// rule.
func (s *Service) Versions() *versionview.Service { return s.versions }
