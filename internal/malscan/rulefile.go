package malscan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/rampart/rampart/internal/limits"
)

// An operator rule file is JSON (docs/moderation.md has the format):
//
//	{"rules": [{
//	  "id": "ACME-1", "severity": "high",
//	  "description": "posts the environment to a pastebin",
//	  "files": ["*.js", "lib/**"],
//	  "all": [{"string": "process.env"}, {"regex": "pastebin\\.com"}],
//	  "any": [...]
//	}]}
//
// A rule matches a file when the file's path matches one of "files"
// (every file if none; "package.json" is the manifest), every condition
// of "all" matches, and at least one of "any" if there is any. A
// condition is a literal "string" or a "regex" (Go's RE2 syntax: linear
// time whatever the input), optionally "nocase". Unknown fields are
// refused, so a typo does not silently weaken a rule.

type ruleFile struct {
	Rules []fileRule `json:"rules"`
}

type fileRule struct {
	ID          string      `json:"id"`
	Severity    Severity    `json:"severity"`
	Description string      `json:"description"`
	Files       []string    `json:"files"`
	All         []condition `json:"all"`
	Any         []condition `json:"any"`
}

type condition struct {
	String string `json:"string"`
	Regex  string `json:"regex"`
	NoCase bool   `json:"nocase"`
	re     *regexp.Regexp
}

var ruleID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)

// LoadRuleFiles reads operator rule files, in order. An error names the
// file and the rule and says what is wrong, for a start-up refusal.
func LoadRuleFiles(paths []string) ([]Matcher, error) {
	var out []Matcher
	ids := map[string]string{}
	for _, r := range Builtin() {
		ids[r.Rule().ID] = "the built-in rules"
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("scan rule file %s: %w", p, err)
		}
		b, err := io.ReadAll(io.LimitReader(f, limits.MaxRuleFileBytes+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("scan rule file %s: %w", p, err)
		}
		ms, err := ParseRules(b)
		if err != nil {
			return nil, fmt.Errorf("scan rule file %s: %w", p, err)
		}
		for _, m := range ms {
			id := m.Rule().ID
			if prev, dup := ids[id]; dup {
				return nil, fmt.Errorf("scan rule file %s: rule %q is already defined in %s; give each rule its own id", p, id, prev)
			}
			ids[id] = p
		}
		out = append(out, ms...)
	}
	return out, nil
}

// ParseRules parses one rule file's bytes.
func ParseRules(b []byte) ([]Matcher, error) {
	if len(b) > limits.MaxRuleFileBytes {
		return nil, fmt.Errorf("the file is over %d MiB", limits.MaxRuleFileBytes/limits.MiB)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var rf ruleFile
	if err := d.Decode(&rf); err != nil {
		return nil, fmt.Errorf("not a rule file (JSON with a \"rules\" list, see docs/moderation.md): %v", err)
	}
	if len(rf.Rules) == 0 {
		return nil, fmt.Errorf(`it has no rules: write {"rules": [...]}`)
	}
	seen := map[string]bool{}
	var out []Matcher
	for i := range rf.Rules {
		r := rf.Rules[i]
		where := fmt.Sprintf("rule %d", i+1)
		if r.ID != "" {
			where = fmt.Sprintf("rule %q", r.ID)
		}
		if !ruleID.MatchString(r.ID) {
			return nil, fmt.Errorf("%s: \"id\" must be 1 to 100 letters, digits or . _ : -", where)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("%s: the id is used twice", where)
		}
		seen[r.ID] = true
		if !r.Severity.Valid() {
			return nil, fmt.Errorf(`%s: "severity" must be low, medium, high or critical`, where)
		}
		if strings.TrimSpace(r.Description) == "" {
			return nil, fmt.Errorf(`%s: "description" is required: moderators and maintainers read it`, where)
		}
		if len(r.All)+len(r.Any) == 0 {
			return nil, fmt.Errorf(`%s: needs conditions in "all" or "any"`, where)
		}
		for _, g := range r.Files {
			if _, err := path.Match(strings.ReplaceAll(g, "**", "*"), ""); err != nil {
				return nil, fmt.Errorf("%s: file pattern %q: %v", where, g, err)
			}
		}
		for _, cs := range [][]condition{r.All, r.Any} {
			for j := range cs {
				if err := cs[j].compile(); err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				}
			}
		}
		out = append(out, &r)
	}
	return out, nil
}

func (c *condition) compile() error {
	switch {
	case (c.String == "") == (c.Regex == ""):
		return fmt.Errorf(`each condition needs exactly one of "string" and "regex"`)
	case len(c.String) > limits.MaxRulePatternBytes || len(c.Regex) > limits.MaxRulePatternBytes:
		return fmt.Errorf("a pattern is over %d bytes", limits.MaxRulePatternBytes)
	}
	expr := c.Regex
	if c.String != "" {
		expr = regexp.QuoteMeta(c.String)
	}
	if c.NoCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("regex %q: %v", c.Regex, err)
	}
	c.re = re
	return nil
}

func (r *fileRule) Rule() Rule {
	return Rule{ID: r.ID, Severity: r.Severity, Description: r.Description}
}

// globMatch matches a path against a pattern where "**" crosses folders
// and a pattern without "/" matches the file's base name too.
func globMatch(g, p string) bool {
	if !strings.Contains(g, "/") {
		if ok, _ := path.Match(g, path.Base(p)); ok {
			return true
		}
	}
	if strings.HasSuffix(g, "/**") && strings.HasPrefix(p, strings.TrimSuffix(g, "**")) {
		return true
	}
	if strings.Contains(g, "**") {
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(g), `\*\*`, ".*") + "$"
		re = strings.ReplaceAll(re, `\*`, "[^/]*")
		re = strings.ReplaceAll(re, `\?`, "[^/]")
		ok, _ := regexp.MatchString(re, p)
		return ok
	}
	ok, _ := path.Match(g, p)
	return ok
}

func (r *fileRule) Match(in *Input) []Finding {
	var out []Finding
	for _, f := range in.Files {
		if len(r.Files) > 0 {
			ok := false
			for _, g := range r.Files {
				if globMatch(g, f.Path) {
					ok = true
					break
				}
			}
			if !ok {
				continue
			}
		}
		first := []int(nil)
		all := true
		for _, c := range r.All {
			loc := c.re.FindIndex(f.Data)
			if loc == nil {
				all = false
				break
			}
			if first == nil {
				first = loc
			}
		}
		if !all {
			continue
		}
		if len(r.Any) > 0 {
			var hit []int
			for _, c := range r.Any {
				if hit = c.re.FindIndex(f.Data); hit != nil {
					break
				}
			}
			if hit == nil {
				continue
			}
			if first == nil {
				first = hit
			}
		}
		out = append(out, Finding{Rule: r.Rule(), File: f.Path, Excerpt: excerpt(f.Data, first[0], first[1])})
	}
	return out
}
