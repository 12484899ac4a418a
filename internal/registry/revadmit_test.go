package registry_test

import (
	"github.com/rampart/rampart/internal/ecosystem/npm"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// TestAdmissionRefusesWhatOnlyTheBodyWouldRefuse checks the rules that
// BeginUpload and BeginMetadataUpdate apply before a body is read, beyond
// those of TestBeginUploadDecidesBeforeTheBody: the scope and the name of
// a new package, and for a revision update that the package exists and
// the caller maintains it.
func TestAdmissionRefusesWhatOnlyTheBodyWouldRefuse(t *testing.T) {
	e := newPolicyEnv(t)
	e.publish(e.alice, "left-pad", "1.0.0", "latest", nil)
	reg := e.svc.Registry
	type begin func() (interface{ Close() }, error)
	upload := func(p authz.Principal, name string, size int64) begin {
		return func() (interface{ Close() }, error) { return reg.BeginUpload(e.ctx, p, name, size) }
	}
	update := func(p authz.Principal, name string, size int64) begin {
		return func() (interface{ Close() }, error) { return reg.BeginMetadataUpdate(e.ctx, p, name, size) }
	}
	refused := []struct {
		what  string
		begin begin
		kind  core.Kind
		want  string
	}{
		{"publish in another user's scope", upload(e.bob, "@alice/utils", 10), core.KindForbidden, "belongs to the user alice"},
		{"publish in a scope nobody owns", upload(e.bob, "@acme/utils", 10), core.KindForbidden, "no such account"},
		{"publish under an invalid new name", upload(e.bob, "Capital", 10), core.KindInvalid, "invalid package name"},
		{"revision update, anonymous", update(authz.Principal{}, "left-pad", 10), core.KindUnauthenticated, "npm login"},
		{"revision update of a missing package", update(e.bob, "no-such-pkg", 10), core.KindNotFound, "no-such-pkg"},
		{"revision update by a stranger", update(e.bob, "left-pad", 10), core.KindForbidden, "not a maintainer"},
		{"revision update over document_bytes", update(e.alice, "left-pad", limits.Default().DocumentBytes+1), core.KindTooLarge, "limits.document_bytes"},
	}
	for _, tc := range refused {
		up, err := tc.begin()
		if err == nil {
			up.Close()
		}
		if core.KindOf(err) != tc.kind || !strings.Contains(core.Message(authz.Render(err, npm.Hints{})), tc.want) {
			t.Errorf("%s: got %v, want %v containing %q", tc.what, err, tc.kind, tc.want)
		}
	}
	for what, b := range map[string]begin{
		"alice in her own scope":         upload(e.alice, "@alice/utils", 10),
		"a maintainer's revision update": update(e.alice, "left-pad", -1),
	} {
		up, err := b()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		up.Close()
	}
}
