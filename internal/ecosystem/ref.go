package ecosystem

import "github.com/rampart/rampart/internal/core"

// Ref names the package called name in f's ecosystem: the one way the
// registry, the publish path and the documents turn a name a front-end
// was given into a core.PackageRef.
func Ref(f Format, name string) core.PackageRef {
	return core.PackageRef{Ecosystem: f.Ecosystem(), Name: name}
}
