package registry

// TarballURL is the canonical, stable download URL of name@version.
func (s *Service) TarballURL(name, version string) string {
	return s.documents.TarballURL(name, version)
}
