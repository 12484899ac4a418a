package documents

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/ecosystem/npm"
)

// A fragment is rendered again when anything it shows besides the
// immutable manifest changes: the public URL (tarball links), the
// deprecation message, the publisher's name or address.
func TestVersionStampCoversWhatAFragmentShows(t *testing.T) {
	b := New(nil, npm.Format{}, "https://r.example/", nil)
	v := &core.Version{Version: "1.0.0"}
	u := &core.User{Name: "alice", Email: "alice@example.com"}
	base := b.versionStamp(v, u)
	if again := b.versionStamp(&core.Version{Version: "1.0.0"}, &core.User{Name: "alice", Email: "alice@example.com"}); again != base {
		t.Fatalf("the same version stamped %s, then %s", base, again)
	}
	changed := map[string]string{
		"public URL":  New(nil, npm.Format{}, "https://other.example/", nil).versionStamp(v, u),
		"deprecation": b.versionStamp(&core.Version{Version: "1.0.0", Deprecated: "use 2"}, u),
		"publisher":   b.versionStamp(v, &core.User{Name: "bob", Email: "alice@example.com"}),
		"address":     b.versionStamp(v, &core.User{Name: "alice", Email: "a@example.com"}),
		"no account":  b.versionStamp(v, nil),
	}
	for what, st := range changed {
		if st == base {
			t.Errorf("a change of %s left the stamp unchanged", what)
		}
	}
}

func TestTarballURL(t *testing.T) {
	b := New(nil, npm.Format{}, "https://r.example/", nil)
	for name, want := range map[string]string{
		"left-pad":       "https://r.example/left-pad/-/left-pad-1.0.0.tgz",
		"@alice/widgets": "https://r.example/@alice/widgets/-/widgets-1.0.0.tgz",
	} {
		if got := b.TarballURL(name, "1.0.0"); got != want {
			t.Errorf("TarballURL(%s) = %s, want %s", name, got, want)
		}
	}
}
