//go:build yara

package malscan

// Real YARA rules, in a build with `-tags yara` only: hillu/go-yara needs
// cgo and libyara (Debian's libyara-dev 4.2.x at build time, libyara9 at
// run time), so the default binary stays pure Go and CGO-free
// (docs/moderation.md, "YARA rules").

import (
	"fmt"
	"os"
	"time"

	yara "github.com/hillu/go-yara/v4"
)

// YARAAvailable reports whether this build can load YARA rules.
const YARAAvailable = true

type yaraRules struct {
	rules *yara.Rules
	file  string
}

// LoadYARA compiles the YARA rule files in paths into one matcher whose
// findings name each YARA rule as "YARA:<rule>".
func LoadYARA(paths []string) (Matcher, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	c, err := yara.NewCompiler()
	if err != nil {
		return nil, fmt.Errorf("yara: %w", err)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("yara rule file %s: %w", p, err)
		}
		err = c.AddFile(f, "rampart")
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("yara rule file %s: %w", p, err)
		}
	}
	r, err := c.GetRules()
	if err != nil {
		return nil, fmt.Errorf("yara: %w", err)
	}
	return &yaraRules{rules: r, file: paths[0]}, nil
}

func (y *yaraRules) Rule() Rule {
	return Rule{ID: "YARA", Severity: High, Description: "a YARA rule of the operator's matched"}
}

func (y *yaraRules) Match(in *Input) []Finding {
	var out []Finding
	for _, f := range in.Files {
		var ms yara.MatchRules
		if err := y.rules.ScanMem(f.Data, 0, yaraTimeout, &ms); err != nil {
			continue
		}
		for _, m := range ms {
			desc := m.Rule
			for _, meta := range m.Metas {
				if meta.Identifier == "description" {
					if s, ok := meta.Value.(string); ok {
						desc = s
					}
				}
			}
			ex := ""
			if len(m.Strings) > 0 {
				ex = string(m.Strings[0].Data)
			}
			out = append(out, Finding{Rule: Rule{ID: "YARA:" + m.Rule, Severity: High, Description: desc}, File: f.Path, Excerpt: ex})
		}
	}
	return out
}

// yaraTimeout bounds one file's YARA scan.
const yaraTimeout = 10 * time.Second
