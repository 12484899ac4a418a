package config

import (
	"errors"
	"fmt"
)

// Scan configures the malware scan of every new version
// (internal/malscan, internal/quarantine, docs/moderation.md).
type Scan struct {
	// Disabled turns the scan off: new versions are served without it.
	// The built-in rules and the blocklist are on by default.
	Disabled bool `toml:"disabled"`
	// Rules are operator rule files (JSON, docs/moderation.md), read at
	// start-up after the built-in rules; a bad file refuses to start.
	Rules []string `toml:"rules"`
	// YARARules are YARA rule files, for a rampart built with `-tags
	// yara` only; the default build refuses to start with them set.
	YARARules []string `toml:"yara_rules"`
}

func (s Scan) validate() error {
	var errs []error
	for i, p := range s.Rules {
		if p == "" {
			errs = append(errs, fmt.Errorf("scan.rules[%d] is empty: give the path of a rule file", i))
		}
	}
	for i, p := range s.YARARules {
		if p == "" {
			errs = append(errs, fmt.Errorf("scan.yara_rules[%d] is empty: give the path of a YARA rule file", i))
		}
	}
	return errors.Join(errs...)
}
