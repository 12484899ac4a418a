package registry

import (
	"strings"

	"github.com/rampart/rampart/internal/authz"
)

// Org packages kept to their members ([access] org_packages = "members"):
// every read of a package asks authz.ReadPackage on readResource, which
// marks a package of an organisation private (authz.Resource.OrgPrivate),
// so it reads like a restricted one; and orgScoped keeps every scoped
// package out of the memory-only answers (the files and documents caches
// answer a restricted package only after authorizing the caller), since
// whether a scope is an organisation's is known only from the store.

// readResource is the resource a read of st is decided on.
func (s *Service) readResource(st *packageState) authz.Resource {
	r := st.resource()
	r.OrgPrivate = s.cfg.OrgPackagesPrivate
	return r
}

// orgScoped reports whether a read of name must be authorized against the
// store because it may be an organisation's private package.
func (s *Service) orgScoped(name string) bool {
	return s.cfg.OrgPackagesPrivate && strings.HasPrefix(name, "@")
}
