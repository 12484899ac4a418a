package registry

// WakeNotices has the package notices mailed now rather than at the next
// interval: a service that records package events through Store (the
// moderators' quarantine and release, internal/quarantine) calls it after
// its commit.
func (s *Service) WakeNotices() { s.notices.Wake() }
