package osv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The official OSV JSON schema (ossf/osv-schema, validation/schema.json,
// Apache-2.0, commit 51b8156b of 2026-07-01) is checked by a small
// validator of the JSON Schema 2020-12 keywords it uses: no JSON-schema
// library is pinned in ../shared/reference/libraries.md, and the schema
// uses only these (checkKeywords fails the test if a new schema adds
// another, so the validator never silently ignores a rule).

var knownKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$ref": true, "title": true, "description": true,
	"type": true, "properties": true, "additionalProperties": true, "required": true, "items": true,
	"minItems": true, "contains": true, "enum": true, "const": true, "pattern": true, "format": true,
	"allOf": true, "oneOf": true, "anyOf": true, "not": true, "if": true, "then": true, "else": true,
}

type schemaChecker struct {
	root     map[string]any
	patterns map[string]*regexp.Regexp
}

func loadSchema(t *testing.T) *schemaChecker {
	t.Helper()
	b, err := os.ReadFile("testdata/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	c := &schemaChecker{root: root, patterns: map[string]*regexp.Regexp{}}
	if err := c.checkKeywords(root); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *schemaChecker) checkKeywords(s any) error {
	m, ok := s.(map[string]any)
	if !ok {
		return nil
	}
	for k, v := range m {
		if !knownKeywords[k] {
			return fmt.Errorf("the schema uses %q, which this validator does not implement", k)
		}
		switch k {
		case "properties", "$defs":
			for _, sub := range v.(map[string]any) {
				if err := c.checkKeywords(sub); err != nil {
					return err
				}
			}
		case "allOf", "oneOf", "anyOf":
			for _, sub := range v.([]any) {
				if err := c.checkKeywords(sub); err != nil {
					return err
				}
			}
		case "items", "contains", "not", "if", "then", "else", "additionalProperties":
			if err := c.checkKeywords(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate checks a JSON document (decoded with UseNumber) against the
// root schema; the error names the path of the first violation.
func (c *schemaChecker) validate(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	return c.check(c.root, v, "$")
}

func (c *schemaChecker) check(schema any, v any, path string) error {
	s, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool && !b {
			return fmt.Errorf("%s: not allowed", path)
		}
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		target, err := c.resolve(ref)
		if err != nil {
			return err
		}
		if err := c.check(target, v, path); err != nil {
			return err
		}
	}
	if t, ok := s["type"]; ok && !typeMatches(t, v) {
		return fmt.Errorf("%s: want type %v, have %T", path, t, v)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			if reflect.DeepEqual(x, v) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%s: %v is not one of %v", path, v, e)
		}
	}
	if cst, ok := s["const"]; ok && !reflect.DeepEqual(cst, v) {
		return fmt.Errorf("%s: %v is not %v", path, v, cst)
	}
	if str, ok := v.(string); ok {
		if p, ok := s["pattern"].(string); ok {
			re, err := c.pattern(p)
			if err != nil {
				return err
			}
			if !re.MatchString(str) {
				return fmt.Errorf("%s: %q does not match %s", path, str, p)
			}
		}
		if f, ok := s["format"].(string); ok {
			if err := checkFormat(f, str); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: %q is required", path, r)
			}
		}
		for k, val := range obj {
			if sub, ok := props[k]; ok {
				if err := c.check(sub, val, path+"."+k); err != nil {
					return err
				}
			} else if ap, ok := s["additionalProperties"]; ok {
				if err := c.check(ap, val, path+"."+k); err != nil {
					return fmt.Errorf("%s: property %q: %w", path, k, err)
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"]; ok {
			for i, x := range arr {
				if err := c.check(items, x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
		if mi, ok := s["minItems"].(float64); ok && float64(len(arr)) < mi {
			return fmt.Errorf("%s: fewer than %v items", path, mi)
		}
		if cont, ok := s["contains"]; ok {
			found := false
			for i, x := range arr {
				if c.check(cont, x, fmt.Sprintf("%s[%d]", path, i)) == nil {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("%s: no item matches %v", path, cont)
			}
		}
	}
	for _, sub := range asList(s["allOf"]) {
		if err := c.check(sub, v, path); err != nil {
			return err
		}
	}
	if any := asList(s["anyOf"]); len(any) > 0 {
		var first error
		matched := false
		for _, sub := range any {
			if err := c.check(sub, v, path); err == nil {
				matched = true
			} else if first == nil {
				first = err
			}
		}
		if !matched {
			return fmt.Errorf("%s: matches none of anyOf: %w", path, first)
		}
	}
	if one := asList(s["oneOf"]); len(one) > 0 {
		n := 0
		for _, sub := range one {
			if c.check(sub, v, path) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: matches %d of oneOf, want exactly 1", path, n)
		}
	}
	if not, ok := s["not"]; ok && c.check(not, v, path) == nil {
		return fmt.Errorf("%s: matches a schema it must not (%v)", path, not)
	}
	if cond, ok := s["if"]; ok {
		if c.check(cond, v, path) == nil {
			if then, ok := s["then"]; ok {
				return c.check(then, v, path)
			}
		} else if els, ok := s["else"]; ok {
			return c.check(els, v, path)
		}
	}
	return nil
}

func (c *schemaChecker) resolve(ref string) (any, error) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	defs, _ := c.root["$defs"].(map[string]any)
	target, ok := defs[name]
	if !ok {
		return nil, fmt.Errorf("unknown $ref %q", ref)
	}
	return target, nil
}

func (c *schemaChecker) pattern(p string) (*regexp.Regexp, error) {
	if re, ok := c.patterns[p]; ok {
		return re, nil
	}
	re, err := regexp.Compile(p) // ECMA-262 patterns the schema uses are RE2-compatible
	if err != nil {
		return nil, err
	}
	c.patterns[p] = re
	return re, nil
}

func checkFormat(f, s string) error {
	switch f {
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("%q is not an RFC 3339 date-time", s)
		}
	case "uri":
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" {
			return fmt.Errorf("%q is not an absolute URI", s)
		}
	}
	return nil
}

func typeMatches(t any, v any) bool {
	for _, name := range asList(t) {
		switch name {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number", "integer":
			if _, ok := v.(json.Number); ok {
				return true
			}
		}
	}
	return false
}

func asList(x any) []any {
	switch v := x.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}
