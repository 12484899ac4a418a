//go:build !yara

package malscan

import "fmt"

// YARAAvailable reports whether this build can load YARA rules: not the
// default, pure-Go build (yara.go has the one with `-tags yara`).
const YARAAvailable = false

// LoadYARA refuses YARA rule files in a build without YARA, so that an
// operator who configured them learns it at start-up.
func LoadYARA(paths []string) (Matcher, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	return nil, fmt.Errorf("scan.yara_rules is set, but this rampart was built without YARA: build it with `-tags yara` (needs cgo and libyara-dev 4.2, see docs/moderation.md), or remove the setting")
}
