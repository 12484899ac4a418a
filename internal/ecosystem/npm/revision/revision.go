// Package revision reads what a document npm writes back changes:
// `npm deprecate`, `npm unpublish pkg@ver` and `npm owner add/rm` read a
// package's full document and send it back whole, changed. The registry
// applies only what it can honour (versions no longer listed are
// unpublished, "deprecated" fields deprecate, a changed "maintainers"
// list changes owners), each under its own authorization; anything else
// that differs is refused here, with the npm command that does it.
package revision

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
	"github.com/rampart/rampart/internal/quote"
)

// Changes compares sent, the document a client wrote back for name, with
// current, the full document as the registry serves it now, and returns
// what the client changed.
func Changes(name string, current []byte, sent map[string]any) (*ecosystem.RevisionChange, error) {
	var cur map[string]any
	if err := json.Unmarshal(current, &cur); err != nil {
		return nil, fmt.Errorf("reading back the document of %s: %w", name, err)
	}
	return diffDocument(name, cur, sent)
}

// topLevelHandled are the top-level fields diffDocument interprets; any
// other field must be absent or as the registry serves it.
var topLevelHandled = map[string]bool{
	"_id": true, "_rev": true, "name": true, "versions": true, "maintainers": true, "dist-tags": true,
	// npm's unpublish deletes these two before sending; CouchDB
	// bookkeeping the registry never serves.
	"_revisions": true, "_attachments": true,
}

// diffDocument compares the document a client sent with the current one
// (both as decoded JSON) and returns what the client changed. A field the
// client left out is unchanged, except a version missing from "versions",
// which npm's unpublish removes on purpose.
func diffDocument(name string, cur, sent map[string]any) (*ecosystem.RevisionChange, error) {
	for _, f := range []string{"_id", "name"} {
		if v, ok := sent[f]; ok && v != name {
			return nil, core.Errorf(core.KindInvalid, "the document's %q is %s, but the request is for %s", f, quote.Untrusted(fmt.Sprint(v)), name)
		}
	}
	if a, ok := sent["_attachments"].(map[string]any); ok && len(a) > 0 {
		return nil, core.Errorf(core.KindInvalid, "a revision update cannot carry attachments; publish new versions with `npm publish`")
	}
	c := &ecosystem.RevisionChange{Deprecate: map[string]string{}}
	if err := diffVersions(name, cur, sent, c); err != nil {
		return nil, err
	}
	if err := diffMaintainers(cur, sent, c); err != nil {
		return nil, err
	}
	if err := diffDistTags(cur, sent, c); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(sent))
	for k := range sent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if topLevelHandled[k] {
			continue
		}
		if cv, ok := cur[k]; ok && reflect.DeepEqual(cv, sent[k]) || !ok && isEmptyJSON(sent[k]) {
			continue
		}
		return nil, unsupportedChange(fmt.Sprintf("the field %q", k))
	}
	return c, nil
}

func unsupportedChange(what string) error {
	return core.Errorf(core.KindInvalid, "%s differs from the registry's copy, and this request can only unpublish versions (`npm unpublish`), change owners (`npm owner`) or deprecate (`npm deprecate`); "+
		"dist-tags change with `npm dist-tag`, everything else with a new version. Nothing was changed", what)
}

// versionOwned are per-version fields the registry fills in itself and
// that may change without a new revision (a publisher's address); what a
// client sends back for them is ignored.
var versionOwned = map[string]bool{"_npmUser": true}

func diffVersions(name string, cur, sent map[string]any, c *ecosystem.RevisionChange) error {
	raw, ok := sent["versions"]
	if !ok {
		return nil
	}
	sv, ok := raw.(map[string]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "the document's \"versions\" must be an object of version manifests")
	}
	cv, _ := cur["versions"].(map[string]any)
	for _, v := range slices.Sorted(maps.Keys(sv)) {
		if _, ok := cv[v]; !ok {
			return core.Errorf(core.KindInvalid, "the document lists version %s, which %s does not have; publish new versions with `npm publish`. Nothing was changed", quote.Untrusted(v), name)
		}
	}
	for _, v := range slices.Sorted(maps.Keys(cv)) {
		sm, ok := sv[v]
		if !ok {
			c.Unpublish = append(c.Unpublish, v)
			continue
		}
		m, ok := sm.(map[string]any)
		if !ok {
			return core.Errorf(core.KindInvalid, "the document's version %s must be an object", v)
		}
		cm, _ := cv[v].(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == "deprecated" || versionOwned[k] || reflect.DeepEqual(m[k], cm[k]) {
				continue
			}
			return unsupportedChange(fmt.Sprintf("the field %q of version %s", k, v))
		}
		d, ok := m["deprecated"]
		if !ok {
			continue
		}
		msg, isString := d.(string)
		if !isString && d != nil {
			return core.Errorf(core.KindInvalid, "the \"deprecated\" field of version %s must be a string (\"\" to undeprecate)", v)
		}
		was, _ := cm["deprecated"].(string)
		if msg != was {
			c.Deprecate[v] = msg
		}
	}
	return nil
}

func diffMaintainers(cur, sent map[string]any, c *ecosystem.RevisionChange) error {
	raw, ok := sent["maintainers"]
	if !ok {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "the document's \"maintainers\" must be a list of {\"name\": ...} objects")
	}
	names := make([]string, 0, len(list))
	for _, m := range list {
		// Two-value assertions: an entry that is not an object (a bare
		// name, a number) is bad input to answer, not a panic.
		entry, _ := m.(map[string]any)
		n, _ := entry["name"].(string)
		if n == "" {
			return core.Errorf(core.KindInvalid, "every entry of \"maintainers\" needs a \"name\"")
		}
		names = append(names, n)
	}
	var have []string
	cl, _ := cur["maintainers"].([]any)
	for _, m := range cl {
		entry, _ := m.(map[string]any)
		n, _ := entry["name"].(string)
		have = append(have, n)
	}
	want := slices.Compact(slices.Sorted(slices.Values(names)))
	if !slices.Equal(want, slices.Sorted(slices.Values(have))) {
		c.Maintainers = want
		if len(want) == 0 {
			c.Maintainers = []string{} // "nobody", which the registry refuses
		}
	}
	return nil
}

// diffDistTags accepts only what an unpublish does to dist-tags: tags of
// the versions it removes may go or move (npm points "latest" at the
// highest remaining version; the registry retags the same way itself).
func diffDistTags(cur, sent map[string]any, c *ecosystem.RevisionChange) error {
	raw, ok := sent["dist-tags"]
	if !ok {
		return nil
	}
	st, ok := raw.(map[string]any)
	if !ok {
		return core.Errorf(core.KindInvalid, "the document's \"dist-tags\" must be an object")
	}
	ct, _ := cur["dist-tags"].(map[string]any)
	gone := map[string]bool{}
	for _, v := range c.Unpublish {
		gone[v] = true
	}
	for _, tag := range slices.Sorted(maps.Keys(st)) {
		was, existed := ct[tag].(string)
		if existed && gone[was] || reflect.DeepEqual(st[tag], ct[tag]) {
			continue
		}
		return unsupportedChange(fmt.Sprintf("the dist-tag %q", tag))
	}
	for _, tag := range slices.Sorted(maps.Keys(ct)) {
		if was, _ := ct[tag].(string); st[tag] == nil && !gone[was] {
			return unsupportedChange(fmt.Sprintf("the dist-tag %q", tag))
		}
	}
	return nil
}

// isEmptyJSON reports a value that says nothing: null, "", {} or [].
func isEmptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
