package revision_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm/revision"
)

// current is widget's full document as served: three versions, 1.0.1
// deprecated, two owners, latest and next.
const current = `{"_id":"widget","_rev":"4-abc","name":"widget","description":"w",
 "dist-tags":{"latest":"1.0.2","next":"1.0.1"},
 "maintainers":[{"name":"alice","email":"a@example.com"},{"name":"bob","email":"b@example.com"}],
 "versions":{
  "1.0.0":{"name":"widget","version":"1.0.0","_npmUser":{"name":"alice"}},
  "1.0.1":{"name":"widget","version":"1.0.1","deprecated":"old"},
  "1.0.2":{"name":"widget","version":"1.0.2"}}}`

// edit returns the current document changed by f, as npm would send it.
func edit(t *testing.T, f func(doc map[string]any)) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(current), &doc); err != nil {
		t.Fatal(err)
	}
	f(doc)
	return doc
}

func versions(doc map[string]any) map[string]any { return doc["versions"].(map[string]any) }

// TestChangesAccepted: what npm's deprecate, unpublish and owner commands
// send back is read as those changes, and nothing else.
func TestChangesAccepted(t *testing.T) {
	// npm deprecate widget@1.0.0 "use 2" and un-deprecating 1.0.1.
	c, err := revision.Changes("widget", []byte(current), edit(t, func(d map[string]any) {
		versions(d)["1.0.0"].(map[string]any)["deprecated"] = "use 2"
		versions(d)["1.0.1"].(map[string]any)["deprecated"] = ""
		versions(d)["1.0.0"].(map[string]any)["_npmUser"] = map[string]any{"name": "someone else"} // the registry's own field
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(c.Deprecate, map[string]string{"1.0.0": "use 2", "1.0.1": ""}) || len(c.Unpublish) != 0 || c.Maintainers != nil {
		t.Errorf("deprecation read as %+v", c)
	}

	// npm unpublish widget@1.0.1: the version goes, and the tag that
	// pointed at it with it.
	c, err = revision.Changes("widget", []byte(current), edit(t, func(d map[string]any) {
		delete(versions(d), "1.0.1")
		delete(d["dist-tags"].(map[string]any), "next")
		delete(d, "_attachments")
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Unpublish, []string{"1.0.1"}) || len(c.Deprecate) != 0 {
		t.Errorf("unpublish read as %+v", c)
	}

	// npm owner rm bob widget; a name listed twice counts once.
	c, err = revision.Changes("widget", []byte(current), edit(t, func(d map[string]any) {
		d["maintainers"] = []any{map[string]any{"name": "alice"}, map[string]any{"name": "alice"}}
	}))
	if err != nil || !slices.Equal(c.Maintainers, []string{"alice"}) {
		t.Errorf("owner change read as %+v, %v", c, err)
	}

	// The document as read changes nothing.
	c, err = revision.Changes("widget", []byte(current), edit(t, func(map[string]any) {}))
	if err != nil || len(c.Unpublish)+len(c.Deprecate) != 0 || c.Maintainers != nil {
		t.Errorf("an unchanged document read as %+v, %v", c, err)
	}
}

// TestChangesRefused: anything else that differs is refused, saying
// which field and what to use instead; malformed parts are bad input.
func TestChangesRefused(t *testing.T) {
	for _, c := range []struct {
		what string
		f    func(d map[string]any)
		says string
	}{
		{"another name", func(d map[string]any) { d["name"] = "gadget" }, `"name" is "gadget"`},
		{"attachments", func(d map[string]any) { d["_attachments"] = map[string]any{"x.tgz": map[string]any{}} }, "npm publish"},
		{"a new version", func(d map[string]any) { versions(d)["9.0.0"] = map[string]any{} }, `lists version "9.0.0"`},
		{"a changed manifest", func(d map[string]any) { versions(d)["1.0.2"].(map[string]any)["main"] = "evil.js" }, `the field "main" of version 1.0.2`},
		{"a moved tag", func(d map[string]any) { d["dist-tags"].(map[string]any)["latest"] = "1.0.0" }, "npm dist-tag"},
		{"a dropped tag", func(d map[string]any) { delete(d["dist-tags"].(map[string]any), "next") }, `the dist-tag "next"`},
		{"a top-level field", func(d map[string]any) { d["description"] = "changed" }, `the field "description"`},
		{"a bare owner name", func(d map[string]any) { d["maintainers"] = []any{"alice"} }, `needs a "name"`},
		{"owners not a list", func(d map[string]any) { d["maintainers"] = "alice" }, `"maintainers" must be a list`},
		{"a numeric deprecation", func(d map[string]any) { versions(d)["1.0.0"].(map[string]any)["deprecated"] = 1.0 }, "must be a string"},
		{"versions not an object", func(d map[string]any) { d["versions"] = []any{} }, `"versions" must be an object`},
	} {
		_, err := revision.Changes("widget", []byte(current), edit(t, c.f))
		if core.KindOf(err) != core.KindInvalid || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want invalid saying %q", c.what, err, c.says)
		}
	}
}

// FuzzChanges: whatever JSON a client sends back is answered, never a
// panic, and what is accepted only names versions the package has.
func FuzzChanges(f *testing.F) {
	f.Add([]byte(current))
	f.Add([]byte(`{"versions":{"1.0.0":{"deprecated":null}},"maintainers":[1,{"name":2}],"dist-tags":{"x":[]}}`))
	f.Add([]byte(`{"versions":{},"dist-tags":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var sent map[string]any
		if json.Unmarshal(body, &sent) != nil {
			return
		}
		c, err := revision.Changes("widget", []byte(current), sent)
		if err != nil {
			return
		}
		for _, v := range append(slices.Collect(maps.Keys(c.Deprecate)), c.Unpublish...) {
			if v != "1.0.0" && v != "1.0.1" && v != "1.0.2" {
				t.Fatalf("accepted a change to version %q, which widget does not have", v)
			}
		}
	})
}
