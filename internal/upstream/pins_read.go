package upstream

import "github.com/rampart/rampart/internal/config"

// Cached is the abbreviated document of name that upstream u last served
// through this registry, from memory only; nil when none is held (never
// fetched, or dropped from memory). It never reaches the upstream and
// writes nothing: a version's SBOM (internal/sbomapi) reads it, so that
// asking for an SBOM makes no upstream fetch.
func (s *Service) Cached(u *config.Upstream, name string) []byte {
	if s == nil || u == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.docs[u.Name+"\x00"+name]; e != nil && e.served != nil {
		return e.served.Abbrev
	}
	return nil
}
