package mail

import (
	"fmt"
	"strings"
)

// VersionChanges are the facts of the maintainers' notices of changes to
// a package's versions. Every such kind needs Package and Actor (for a
// quarantine or release by the registry itself, the name it acts under).
type VersionChanges struct {
	// Versions are the versions unpublished (KindPackageUnpublished:
	// at least one, or WholePackage).
	Versions []string
	// WholePackage says the whole package was unpublished, its name
	// held: KindPackageUnpublished.
	WholePackage bool
	// Deprecations are the changes of one request, grouped by message
	// (KindPackageDeprecated: at least one).
	Deprecations []Deprecation
	// Tag moved (KindDistTagChanged, with Tag): it now points at
	// Version ("" if removed), and pointed at FromVersion ("" if new).
	FromVersion string
	// KindPackageQuarantined, KindPackageReleased, KindPackageRemoved and
	// KindPackageRestored need Version and Reason (why it was held,
	// released, taken down or restored).
}

// Deprecation is one message set on versions; "" un-deprecates them.
type Deprecation struct {
	Message  string
	Versions []string
}

// Bounds on what a change notice lists: the rest is counted, not shown.
const (
	maxListed       = 200 // versions in one list
	maxDeprecations = 20  // distinct messages
)

func (c VersionChanges) clean() VersionChanges {
	c.Versions = cleanList(c.Versions)
	c.FromVersion = cleanText(c.FromVersion, maxShortText)
	deps := make([]Deprecation, 0, len(c.Deprecations))
	for i, d := range c.Deprecations {
		if i == maxDeprecations {
			var rest []string
			for _, d := range c.Deprecations[i:] {
				rest = append(rest, d.Versions...)
			}
			deps = append(deps, Deprecation{Message: "(other messages)", Versions: cleanList(rest)})
			break
		}
		deps = append(deps, Deprecation{Message: cleanText(d.Message, maxLongText), Versions: cleanList(d.Versions)})
	}
	c.Deprecations = deps
	return c
}

// cleanList cleans each entry, keeping at most maxListed of them and a
// last entry that counts the rest.
func cleanList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, 0, min(len(l), maxListed+1))
	for i, s := range l {
		if i == maxListed {
			out = append(out, fmt.Sprintf("and %d more", len(l)-i))
			break
		}
		out = append(out, cleanText(s, maxShortText))
	}
	return out
}

// checkChanges reports the first field a change notice lacks.
func (n Notice) checkChanges(kind string, missing func(string) error) error {
	if n.Package == "" || n.Actor == "" {
		return missing("Package and Actor")
	}
	switch kind {
	case KindPackageUnpublished:
		if len(n.Versions) == 0 && !n.WholePackage {
			return missing("Versions or WholePackage")
		}
	case KindPackageDeprecated:
		if len(n.Deprecations) == 0 {
			return missing("Deprecations")
		}
		for _, d := range n.Deprecations {
			if len(d.Versions) == 0 {
				return missing("Versions in each of Deprecations")
			}
		}
	case KindDistTagChanged:
		if n.Tag == "" || (n.Version == "" && n.FromVersion == "") {
			return missing("Tag, and Version or FromVersion")
		}
	case KindPackageQuarantined, KindPackageReleased, KindPackageRemoved, KindPackageRestored:
		if n.Version == "" || n.Reason == "" {
			return missing("Version and Reason")
		}
	}
	return nil
}

// wrapWidth is where formatList and wrapText break lines: with an
// indent, a line stays within the 78 characters mail wants.
const wrapWidth = 72

// formatList joins l with commas, wrapped to lines indented by indent
// spaces (the first line is not indented: it follows a label).
func formatList(indent int, l []string) string {
	return wrap(indent, l, ", ")
}

// wrapText wraps s at spaces, as formatList does.
func wrapText(indent int, s string) string {
	return wrap(indent, strings.Fields(s), " ")
}

func wrap(indent int, words []string, sep string) string {
	var b strings.Builder
	col := indent
	for i, w := range words {
		if i < len(words)-1 {
			w += strings.TrimRight(sep, " ")
		}
		switch {
		case i == 0:
		case col+1+len([]rune(w)) > wrapWidth:
			b.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		default:
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += len([]rune(w))
	}
	return b.String()
}
