package packages

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/storetest/suite"
)

// RunPackages runs the cases of store.Packages: packages, versions, dist-
// tags, maintainers, dependents and search.
func RunPackages(t *testing.T, open func(t *testing.T) store.Store) {
	run(t, open, []test{
		{"CreateAndUpdate", testPackagesCreateAndUpdate},
		{"PerEcosystem", testPackagesPerEcosystem},
		{"UpdateAtRevision", testUpdatePackageAt},
		{"Versions", testVersions},
		{"VersionsAreForever", testVersionsAreForever},
		{"VersionProvenance", testVersionProvenance},
		{"UpdateVersion", testUpdateVersion},
		{"VersionState", testVersionState},
		{"DistTags", testDistTags},
		{"Maintainers", testMaintainers},
		{"Dependents", testDependents},
		{"Search", testSearch},
		{"SearchPaging", testSearchPaging},
		{"SearchLiteralMetacharacters", testSearchLiteral},
		{"SearchHitFields", testSearchHitFields},
		{"AllPackageNames", testAllPackageNames},
		{"ConcurrentSameVersion", testConcurrentSameVersion},
	})
}

// packageNames returns the names of the user's packages, sorted: the
// contract does not fix their order.
func packageNames(t *testing.T, s store.Store, u *core.User) []string {
	t.Helper()
	ps := suite.Read(t, s, func(tx store.Tx) ([]core.Package, error) { return tx.PackagesByMaintainer(u.ID) })
	names := []string{}
	for _, p := range ps {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// searchFixture creates packages to search, and one unpublished package
// that matches nearly every query.
func searchFixture(t *testing.T, s store.Store) {
	t.Helper()
	for _, p := range []struct{ name, desc, keywords string }{
		{"react", "a javascript library for building user interfaces", "ui view"},
		{"react-dom", "entry point to the dom", "dom"},
		{"preact", "fast 3kb alternative with the same api", "ui vdom"},
		{"vue", "progressive framework", "ui view frontend"},
		{"snake_case", "convert strings", "string"},
		{"snakexcase", "decoy for the underscore", ""},
		{"percent", "makes 100% of builds pass", ""},
		{"percent-decoy", "makes 1000 builds pass", ""},
	} {
		pkg := suite.NewPackage(p.name)
		pkg.Description, pkg.Keywords = p.desc, p.keywords
		suite.CreatePackage(t, s, pkg)
	}
	gone := suite.NewPackage("old-react")
	gone.Description = "react ui view 100% snake_case"
	gone.Keywords = "react ui view frontend progressive"
	gone.UnpublishedAt = suite.At(time.Hour)
	suite.CreatePackage(t, s, gone)
}

func search(t *testing.T, s store.Store, terms []string, limit, offset int) ([]string, int) {
	t.Helper()
	type result struct {
		hits  []core.SearchHit
		total int
	}
	r := suite.Read(t, s, func(tx store.Tx) (result, error) {
		hits, total, err := tx.Search(terms, limit, offset)
		return result{hits, total}, err
	})
	names := []string{}
	for _, h := range r.hits {
		names = append(names, h.Name)
	}
	return names, r.total
}

func testPackagesCreateAndUpdate(t *testing.T, s store.Store) {
	p := suite.NewPackage("left-pad")
	p.Keywords = "pad string"
	p.Access = "restricted"
	suite.CreatePackage(t, s, p)
	q := suite.CreatePackage(t, s, suite.NewPackage("@acme/util"))
	if p.ID == 0 || q.ID == 0 || p.ID == q.ID {
		t.Fatalf("CreatePackage set IDs %d and %d, want distinct non-zero IDs", p.ID, q.ID)
	}
	got := suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	suite.CheckPackage(t, "PackageByRef", got, p)
	suite.WantNotFound(t, s, "PackageByRef(unknown)", func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM("right-pad")) })

	dup := suite.NewPackage("left-pad")
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreatePackage(dup) })
	suite.WantErr(t, err, core.ErrConflict, "CreatePackage with a taken name")
	got = suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	suite.CheckPackage(t, "package after conflicting CreatePackage", got, p)

	changed := *p
	changed.ModifiedAt = suite.At(time.Hour)
	changed.Rev = 7
	changed.Access = "public"
	changed.Description = "now with padding"
	changed.Keywords = "pad left string"
	changed.UnpublishedAt = suite.At(2 * time.Hour)
	changed.NameReleasedAt = suite.At(3 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdatePackage(&changed) })
	got = suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	suite.CheckPackage(t, "PackageByRef after UpdatePackage", got, &changed)
	got = suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(q.Name)) })
	suite.CheckPackage(t, "other package after UpdatePackage", got, q)
}

// testUpdatePackageAt: the revision compare-and-swap writes only over the
// revision the writer read; a stale writer changes nothing, and of two
// writers racing from the same revision exactly one wins.
func testUpdatePackageAt(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	next := *p
	next.Rev, next.ModifiedAt, next.Description = 2, suite.At(time.Hour), "second"
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdatePackageAt(&next, 1) })
	got := suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	suite.CheckPackage(t, "package after UpdatePackageAt from its revision", got, &next)

	stale := *p
	stale.Rev, stale.Description = 2, "stale"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdatePackageAt(&stale, 1) })
	suite.WantErr(t, err, core.ErrConflict, "UpdatePackageAt from a revision no longer stored")
	got = suite.Read(t, s, func(tx store.Tx) (*core.Package, error) { return tx.PackageByRef(core.NPM(p.Name)) })
	suite.CheckPackage(t, "package after a stale UpdatePackageAt", got, &next)

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
				w := next
				w.Rev = 3
				return tx.UpdatePackageAt(&w, 2)
			})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			suite.WantErr(t, err, core.ErrConflict, "the losing UpdatePackageAt of two racing writers")
		}
	}
	if won != 1 {
		t.Fatalf("%d of two writers racing from revision 2 succeeded, want exactly one", won)
	}
}

func testVersions(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	// Published in this order; neither string nor semver order matches it.
	v2 := suite.NewVersion(p, "2.0.0", alice.ID, suite.At(time.Hour), "lodash")
	v10 := suite.NewVersion(p, "10.0.0", alice.ID, suite.At(2*time.Hour))
	v15 := suite.NewVersion(p, "1.5.0", alice.ID, suite.At(3*time.Hour).In(time.FixedZone("CET", 3600)))
	v15.Deprecated = "backport; use 10.x"
	for _, v := range []*core.Version{v2, v10, v15} {
		suite.InsertVersion(t, s, v)
	}
	suite.CheckVersions(t, s, p, v2, v10, v15)
	suite.CheckVersions(t, s, q)

	// The same version string in another package is no conflict.
	qv := suite.NewVersion(q, "2.0.0", alice.ID, suite.At(4*time.Hour))
	suite.InsertVersion(t, s, qv)
	suite.CheckVersions(t, s, q, qv)
	suite.CheckVersions(t, s, p, v2, v10, v15)

	// Version reads one version whole; VersionFile the same minus the manifest.
	one := suite.Read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "10.0.0") })
	suite.CheckVersion(t, "Version(10.0.0)", one, v10)
	file := suite.Read(t, s, func(tx store.Tx) (*core.Version, error) { return tx.VersionFile(p.ID, "10.0.0") })
	if file.Manifest != nil || file.Digest != v10.Digest || file.Integrity != v10.Integrity || file.Size != v10.Size ||
		!file.PublishedAt.Equal(v10.PublishedAt.Truncate(time.Millisecond)) || !file.UnpublishedAt.IsZero() {
		t.Fatalf("VersionFile(10.0.0) = %+v; want the file fields of %+v and no manifest", file, v10)
	}
	suite.WantNotFound(t, s, "Version of an unknown version", func(tx store.Tx) (*core.Version, error) { return tx.Version(p.ID, "9.9.9") })
	suite.WantNotFound(t, s, "VersionFile of an unknown version", func(tx store.Tx) (*core.Version, error) { return tx.VersionFile(p.ID, "9.9.9") })
}

func testVersionsAreForever(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	v := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	suite.InsertVersion(t, s, v)

	again := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(2*time.Hour))
	again.Digest = "another-digest"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertVersion(again) })
	suite.WantErr(t, err, core.ErrConflict, "InsertVersion of a live version")
	suite.CheckVersions(t, s, p, v)

	unpub := *v
	unpub.UnpublishedAt = suite.At(3 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&unpub) })
	suite.CheckVersions(t, s, p, &unpub)

	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertVersion(again) })
	suite.WantErr(t, err, core.ErrConflict, "InsertVersion of an unpublished version")
	suite.CheckVersions(t, s, p, &unpub)
}

func testUpdateVersion(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	v1 := suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour))
	v2 := suite.NewVersion(p, "2.0.0", alice.ID, suite.At(2*time.Hour))
	suite.InsertVersion(t, s, v1)
	suite.InsertVersion(t, s, v2)

	// Every field but Deprecated and UnpublishedAt is ignored.
	upd := *v1
	upd.Manifest = json.RawMessage(`{"name":"evil","version":"6.6.6"}`)
	upd.Integrity, upd.Shasum, upd.Digest = "sha512-x", "x", "x"
	upd.Size, upd.FileCount, upd.UnpackedSize = 1, 1, 1
	upd.PublisherID = bob.ID
	upd.PublishedAt = suite.At(99 * time.Hour)
	upd.Deprecated = "use 2.0.0"
	upd.UnpublishedAt = suite.At(5 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&upd) })

	want := *v1
	want.Deprecated, want.UnpublishedAt = upd.Deprecated, upd.UnpublishedAt
	suite.CheckVersions(t, s, p, &want, v2)

	// Undeprecating stores the empty string again.
	want.Deprecated = ""
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&want) })
	suite.CheckVersions(t, s, p, &want, v2)
}

func testDistTags(t *testing.T, s store.Store) {
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	suite.CheckTags(t, s, p, nil)

	suite.Write(t, s, func(tx store.Tx) error {
		if err := tx.SetDistTag(p.ID, "latest", "1.0.0"); err != nil {
			return err
		}
		if err := tx.SetDistTag(p.ID, "beta", "2.0.0-beta.1"); err != nil {
			return err
		}
		return tx.SetDistTag(q.ID, "latest", "9.9.9")
	})
	suite.CheckTags(t, s, p, map[string]string{"latest": "1.0.0", "beta": "2.0.0-beta.1"})

	suite.Write(t, s, func(tx store.Tx) error { return tx.SetDistTag(p.ID, "latest", "1.1.0") })
	suite.CheckTags(t, s, p, map[string]string{"latest": "1.1.0", "beta": "2.0.0-beta.1"})

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteDistTag(p.ID, "beta") })
	suite.CheckTags(t, s, p, map[string]string{"latest": "1.1.0"})

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteDistTag(p.ID, "beta") })
	suite.WantErr(t, err, core.ErrNotFound, "DeleteDistTag of a deleted tag")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteDistTag(q.ID, "next") })
	suite.WantErr(t, err, core.ErrNotFound, "DeleteDistTag of a tag another package has")
	suite.CheckTags(t, s, q, map[string]string{"latest": "9.9.9"})

	suite.Write(t, s, func(tx store.Tx) error { return tx.DeleteDistTag(p.ID, "latest") })
	suite.CheckTags(t, s, p, nil)
	suite.CheckTags(t, s, q, map[string]string{"latest": "9.9.9"})
}

func testMaintainers(t *testing.T, s store.Store) {
	carol := suite.CreateUser(t, s, "carol")
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))
	q := suite.CreatePackage(t, s, suite.NewPackage("right-pad"))
	r := suite.CreatePackage(t, s, suite.NewPackage("no-owners"))

	suite.Write(t, s, func(tx store.Tx) error {
		for _, u := range []*core.User{carol, alice, bob} {
			if err := tx.AddMaintainer(p.ID, u.ID, suite.At(time.Hour)); err != nil {
				return err
			}
		}
		return tx.AddMaintainer(q.ID, alice.ID, suite.At(time.Hour))
	})
	if got, want := suite.MaintainerNames(t, s, p), []string{"alice", "bob", "carol"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers = %q, want %q", got, want)
	}
	us := suite.Read(t, s, func(tx store.Tx) ([]core.User, error) { return tx.Maintainers(p.ID) })
	suite.CheckUser(t, "Maintainers[0]", &us[0], alice)
	if got := suite.MaintainerNames(t, s, r); len(got) != 0 {
		t.Fatalf("Maintainers of a package without any = %q, want none", got)
	}

	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AddMaintainer(p.ID, alice.ID, suite.At(2*time.Hour)) })
	suite.WantErr(t, err, core.ErrConflict, "AddMaintainer twice")

	if got, want := packageNames(t, s, alice), []string{"left-pad", "right-pad"}; !slices.Equal(got, want) {
		t.Fatalf("PackagesByMaintainer(alice) = %q, want %q", got, want)
	}
	if got, want := packageNames(t, s, bob), []string{"left-pad"}; !slices.Equal(got, want) {
		t.Fatalf("PackagesByMaintainer(bob) = %q, want %q", got, want)
	}

	suite.Write(t, s, func(tx store.Tx) error { return tx.RemoveMaintainer(p.ID, bob.ID) })
	if got, want := suite.MaintainerNames(t, s, p), []string{"alice", "carol"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers after RemoveMaintainer = %q, want %q", got, want)
	}
	if got := packageNames(t, s, bob); len(got) != 0 {
		t.Fatalf("PackagesByMaintainer(bob) after removal = %q, want none", got)
	}
	if got, want := suite.MaintainerNames(t, s, q), []string{"alice"}; !slices.Equal(got, want) {
		t.Fatalf("Maintainers of the other package = %q, want %q", got, want)
	}
}

func testDependents(t *testing.T, s store.Store) {
	u := suite.CreateUser(t, s, "alice")
	pkgs := map[string]*core.Package{}
	for _, name := range []string{"lib", "a", "b", "c", "d", "e", "f"} {
		pkgs[name] = suite.CreatePackage(t, s, suite.NewPackage(name))
	}
	unpublished := func(v *core.Version) *core.Version {
		v.UnpublishedAt = v.PublishedAt.Add(time.Minute)
		return v
	}
	for _, v := range []*core.Version{
		// a: one live version depends on lib. Counts.
		suite.NewVersion(pkgs["a"], "1.0.0", u.ID, suite.At(1*time.Hour), "lib", "other"),
		// b: two live versions depend on lib. Counts once.
		suite.NewVersion(pkgs["b"], "1.0.0", u.ID, suite.At(2*time.Hour), "lib"),
		suite.NewVersion(pkgs["b"], "2.0.0", u.ID, suite.At(3*time.Hour), "lib"),
		// c: only an unpublished version depends on lib. Does not count.
		unpublished(suite.NewVersion(pkgs["c"], "1.0.0", u.ID, suite.At(4*time.Hour), "lib")),
		// lib depends on itself. Does not count.
		suite.NewVersion(pkgs["lib"], "1.0.0", u.ID, suite.At(5*time.Hour), "lib"),
		// d depends on something else. Does not count.
		suite.NewVersion(pkgs["d"], "1.0.0", u.ID, suite.At(6*time.Hour), "other"),
		// e: the version that depended on lib is unpublished; the live one does not.
		unpublished(suite.NewVersion(pkgs["e"], "1.0.0", u.ID, suite.At(7*time.Hour), "lib")),
		suite.NewVersion(pkgs["e"], "2.0.0", u.ID, suite.At(8*time.Hour)),
		// f: a live version depends on lib, and so does an unpublished one. Counts.
		unpublished(suite.NewVersion(pkgs["f"], "1.0.0", u.ID, suite.At(9*time.Hour), "lib")),
		suite.NewVersion(pkgs["f"], "2.0.0", u.ID, suite.At(10*time.Hour), "lib"),
	} {
		suite.InsertVersion(t, s, v)
	}
	dependents := func(name string) int {
		t.Helper()
		return suite.Read(t, s, func(tx store.Tx) (int, error) { return tx.Dependents(name) })
	}
	if n := dependents("lib"); n != 3 {
		t.Fatalf("Dependents(lib) = %d, want 3 (a, b and f)", n)
	}
	if n := dependents("other"); n != 2 {
		t.Fatalf("Dependents(other) = %d, want 2 (a and d)", n)
	}
	if n := dependents("nobody-uses-this"); n != 0 {
		t.Fatalf("Dependents(nobody-uses-this) = %d, want 0", n)
	}

	// Unpublishing b's versions one by one: b counts until the last goes.
	b := pkgs["b"]
	vs := suite.Read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(b.ID) })
	vs[0].UnpublishedAt = suite.At(20 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&vs[0]) })
	if n := dependents("lib"); n != 3 {
		t.Fatalf("Dependents(lib) after unpublishing one of b's versions = %d, want 3", n)
	}
	vs[1].UnpublishedAt = suite.At(21 * time.Hour)
	suite.Write(t, s, func(tx store.Tx) error { return tx.UpdateVersion(&vs[1]) })
	if n := dependents("lib"); n != 2 {
		t.Fatalf("Dependents(lib) after unpublishing all of b = %d, want 2", n)
	}
}

func testSearch(t *testing.T, s store.Store) {
	searchFixture(t, s)
	for _, tc := range []struct {
		terms []string
		want  []string // any order
	}{
		{[]string{"react"}, []string{"preact", "react", "react-dom"}},      // names
		{[]string{"progressive"}, []string{"vue"}},                         // description only
		{[]string{"frontend"}, []string{"vue"}},                            // keywords only
		{[]string{"ui", "view"}, []string{"react", "vue"}},                 // every term required
		{[]string{"react", "interfaces"}, []string{"react"}},               // name and description
		{[]string{"vdom", "fast", "preact"}, []string{"preact"}},           // all three fields
		{[]string{"nothing-matches-this"}, nil},                            // nothing
		{[]string{"react", "nothing-matches-this"}, nil},                   // one term misses
		{[]string{"string"}, []string{"snake_case"}},                       // keyword
		{[]string{"entry", "dom", "react-dom"}, []string{"react-dom"}},     // exact name among terms
		{[]string{"view", "ui", "frontend"}, []string{"vue"}},              // order of terms irrelevant
		{[]string{"pass", "builds"}, []string{"percent", "percent-decoy"}}, // shared words
	} {
		got, total := search(t, s, tc.terms, 100, 0)
		if want := suite.Sorted(suite.OrEmpty(tc.want)); !slices.Equal(suite.Sorted(got), want) || total != len(want) {
			t.Errorf("Search(%q) = %q, total %d; want %q, total %d", tc.terms, got, total, want, len(want))
		}
	}

	// The exact name comes first, though it sorts after preact.
	if got, _ := search(t, s, []string{"react"}, 100, 0); len(got) == 0 || got[0] != "react" {
		t.Errorf("Search(react) = %q, want the exact name react first", got)
	}
	if got, _ := search(t, s, []string{"vue"}, 100, 0); len(got) == 0 || got[0] != "vue" {
		t.Errorf("Search(vue) = %q, want vue first", got)
	}
}

func testSearchPaging(t *testing.T, s store.Store) {
	searchFixture(t, s)
	all, total := search(t, s, []string{"react"}, 100, 0)
	if total != 3 || len(all) != 3 {
		t.Fatalf("Search(react) = %q, total %d; want 3 hits", all, total)
	}
	var paged []string
	for offset := 0; offset < 4; offset += 2 {
		page, total := search(t, s, []string{"react"}, 2, offset)
		if total != 3 {
			t.Fatalf("Search(react, limit 2, offset %d): total %d, want 3", offset, total)
		}
		if want := min(2, 3-offset); len(page) != want {
			t.Fatalf("Search(react, limit 2, offset %d) = %q, want %d hits", offset, page, want)
		}
		paged = append(paged, page...)
	}
	if !slices.Equal(paged, all) {
		t.Fatalf("pages of Search(react) = %q, want %q as one page gives", paged, all)
	}
	page, total := search(t, s, []string{"react"}, 2, 10)
	if len(page) != 0 || total != 3 {
		t.Fatalf("Search(react, offset past the end) = %q, total %d; want none, total 3", page, total)
	}
	page, total = search(t, s, []string{"react"}, 1, 0)
	if !slices.Equal(page, []string{"react"}) || total != 3 {
		t.Fatalf("Search(react, limit 1) = %q, total %d; want [react], total 3", page, total)
	}
}

func testSearchLiteral(t *testing.T, s store.Store) {
	searchFixture(t, s)
	for _, tc := range []struct {
		terms []string
		want  []string
	}{
		{[]string{"%"}, []string{"percent"}},
		{[]string{"100%"}, []string{"percent"}},
		{[]string{"_"}, []string{"snake_case"}},
		{[]string{"e_c"}, []string{"snake_case"}},
		{[]string{"%", "_"}, nil},
		{[]string{`\`}, nil},
		{[]string{`\%`}, nil},
	} {
		got, total := search(t, s, tc.terms, 100, 0)
		if want := suite.OrEmpty(tc.want); !slices.Equal(suite.Sorted(got), want) || total != len(want) {
			t.Errorf("Search(%q) = %q, total %d; want %q, total %d", tc.terms, got, total, want, len(want))
		}
	}
}

func testSearchHitFields(t *testing.T, s store.Store) {
	alice := suite.CreateUser(t, s, "alice")
	bob := suite.CreateUser(t, s, "bob")
	p := suite.NewPackage("widget")
	p.Description, p.Keywords = "makes widgets", "widget gadget"
	suite.CreatePackage(t, s, p)
	suite.InsertVersion(t, s, suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Hour)))
	suite.InsertVersion(t, s, suite.NewVersion(p, "2.0.0", bob.ID, suite.At(2*time.Hour)))
	suite.Write(t, s, func(tx store.Tx) error {
		for _, u := range []*core.User{bob, alice} {
			if err := tx.AddMaintainer(p.ID, u.ID, suite.At(time.Hour)); err != nil {
				return err
			}
		}
		if err := tx.SetDistTag(p.ID, "beta", "1.0.0"); err != nil {
			return err
		}
		return tx.SetDistTag(p.ID, "latest", "2.0.0")
	})
	type result struct {
		hits  []core.SearchHit
		total int
	}
	r := suite.Read(t, s, func(tx store.Tx) (result, error) {
		hits, total, err := tx.Search([]string{"widget"}, 10, 0)
		return result{hits, total}, err
	})
	if len(r.hits) != 1 || r.total != 1 {
		t.Fatalf("Search(widget) returned %d hits, total %d; want 1", len(r.hits), r.total)
	}
	h := r.hits[0]
	var d suite.Diffs
	d.Eq("Name", h.Name, "widget")
	d.Eq("Version", h.Version, "2.0.0")
	d.Eq("Description", h.Description, p.Description)
	d.Eq("Keywords", h.Keywords, p.Keywords)
	d.Eq("Publisher", h.Publisher, "bob")
	d.Eq("Maintainers", suite.Sorted(h.Maintainers), []string{"alice", "bob"})
	d.Check(t, "SearchHit")
}

func testAllPackageNames(t *testing.T, s store.Store) {
	want := []string{"@acme/util", "left-pad", "right-pad", "tombstoned"}
	for _, name := range []string{"right-pad", "tombstoned", "left-pad", "@acme/util"} {
		p := suite.NewPackage(name)
		if name == "tombstoned" {
			p.UnpublishedAt = suite.At(time.Hour)
		}
		suite.CreatePackage(t, s, p)
	}
	got := suite.Read(t, s, func(tx store.Tx) ([]string, error) { return tx.AllPackageNames() })
	if !slices.Equal(suite.Sorted(got), want) {
		t.Fatalf("AllPackageNames = %q, want %q in any order", got, want)
	}
}

func testConcurrentSameVersion(t *testing.T, s store.Store) {
	const workers = 20
	alice := suite.CreateUser(t, s, "alice")
	p := suite.CreatePackage(t, s, suite.NewPackage("left-pad"))

	suite.OneWins(t, s, workers, core.ErrConflict, "inserts of the same version", func(i int, tx store.Tx) error {
		return tx.InsertVersion(suite.NewVersion(p, "1.0.0", alice.ID, suite.At(time.Duration(i)*time.Second)))
	})
	vs := suite.Read(t, s, func(tx store.Tx) ([]core.Version, error) { return tx.Versions(p.ID) })
	if len(vs) != 1 || vs[0].Version != "1.0.0" {
		t.Fatalf("Versions after concurrent inserts = %d versions, want just 1.0.0", len(vs))
	}
}
