package npm

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem"
)

// TestAssembleMatchesDocuments: documents assembled from fragments
// rendered one version at a time are the bytes Documents marshals whole,
// with and without a latest tag, and Size is the full document's length.
func TestAssembleMatchesDocuments(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &core.Package{PackageRef: core.NPM("@acme/pad"), CreatedAt: t0, ModifiedAt: t0.Add(time.Hour), Rev: 3}
	alice := &core.User{ID: 1, Name: "alice", Email: "alice@example.com"}
	manifest := func(version, desc string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"name": p.Name, "version": version, "description": desc, "readme": "# " + version,
			"dependencies": map[string]string{"left-pad": "^1.0.0"}, "dist": map[string]any{"integrity": "sha512-x"}})
		return b
	}
	versions := []core.Version{
		{Version: "1.0.0", Manifest: manifest("1.0.0", "one"), PublisherID: 1, PublishedAt: t0},
		{Version: "1.1.0", Manifest: manifest("1.1.0", "one one"), PublisherID: 1, PublishedAt: t0.Add(time.Minute), Deprecated: "use 2"},
		{Version: "2.0.0-rc.1", Manifest: manifest("2.0.0-rc.1", "two"), PublisherID: 1, PublishedAt: t0.Add(2 * time.Minute)},
		{Version: "0.9.0", Manifest: manifest("0.9.0", "gone"), PublisherID: 1, PublishedAt: t0, UnpublishedAt: t0.Add(time.Minute)},
	}
	url := func(version string) string {
		return "https://r.example/" + p.Name + "/-/" + TarballFilename(p.Name, version)
	}
	for _, tags := range []map[string]string{{"latest": "1.0.0", "next": "2.0.0-rc.1"}, {"next": "2.0.0-rc.1"}} {
		var f Format
		want, err := f.Documents(ecosystem.PackageState{Package: p, Versions: versions, Tags: tags, Maintainers: []core.User{*alice},
			Publishers: map[int64]*core.User{1: alice}, ArtifactURL: url})
		if err != nil {
			t.Fatal(err)
		}
		frags := map[string]core.VersionDoc{}
		var live []*core.Version
		for _, v := range []int{0, 1, 2} { // sorted by version string
			v := &versions[v]
			full, abbrev, err := f.RenderVersion(p, v, alice, url(v.Version))
			if err != nil {
				t.Fatal(err)
			}
			frags[v.Version] = core.VersionDoc{Version: v.Version, Full: full, Abbrev: abbrev, FullLen: int64(len(full))}
			live = append(live, v)
		}
		a, err := f.Assemble(ecosystem.Parts{Package: p, Tags: tags, Maintainers: []core.User{*alice}, Live: live, Frags: frags})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Document()
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Full) != string(want.Full) || string(got.Abbrev) != string(want.Abbrev) || got.ETag != want.ETag {
			t.Errorf("tags %v: assembled documents differ from Documents:\nfull   %s\nwant   %s\nabbrev %s\nwant   %s", tags, got.Full, want.Full, got.Abbrev, want.Abbrev)
		}
		if a.Size() != int64(len(want.Full)) {
			t.Errorf("tags %v: Size = %d, want %d", tags, a.Size(), len(want.Full))
		}
	}
}
