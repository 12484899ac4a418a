package core

// Ecosystem names a package ecosystem: the wire format its clients speak
// and the namespace its names live in. The same name in two ecosystems is
// two packages.
type Ecosystem string

const (
	// EcosystemNPM is npm's: packuments and tarballs, for the npm CLI.
	EcosystemNPM Ecosystem = "npm"
)

// PackageRef identifies a package: its ecosystem and its name there.
type PackageRef struct {
	Ecosystem Ecosystem
	Name      string
}

// NPM is the reference to an npm package name.
func NPM(name string) PackageRef { return PackageRef{Ecosystem: EcosystemNPM, Name: name} }

// String renders the reference as "ecosystem:name", the form logs and
// events use where one string must say both.
func (r PackageRef) String() string { return string(r.Ecosystem) + ":" + r.Name }
