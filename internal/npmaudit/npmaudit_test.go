package npmaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	npmfmt "github.com/rampart/rampart/internal/ecosystem/npm"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// The bulk answer is npm's format (npm-protocol §7.2): only advisories
// affecting a version asked about, cwe never null, a range npm can read,
// a malicious package critical, a CVSS object with a null vector when
// the record has none, and {} for nothing known. An advisory about a
// package of this registry the caller may not read is left out.
func TestAuditAnswer(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := advisory.New(db, advisory.Config{PublicURL: "https://reg.example/"}, time.Now, nil)
	admin := authz.Principal{User: &core.User{Name: "operator", Admin: true}, Console: true}
	if _, err := svc.ImportPath(t.Context(), admin, "../osv/testdata/npm"); err != nil {
		t.Fatal(err)
	}
	malID, err := svc.PublishMalicious(t.Context(), "mod", core.NPM("evil"), []string{"1.0.1"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	// "evil" is a restricted package of this registry that only its
	// owner may read; every other name is held elsewhere.
	h := New(svc, func(_ context.Context, p authz.Principal, name string) (bool, bool, error) {
		return p.User != nil && p.User.Name == "owner", name == "evil", nil
	})
	req := npmfmt.AuditRequest{
		"semver": {"7.5.1", "5.7.2"}, "lodash": {"4.17.21"}, "evil": {"1.0.0", "1.0.1"}, "json-ptr": {"3.0.0"}, "unknown": {"1.0.0"},
	}
	stranger, err := h.Answer(t.Context(), authz.Principal{User: &core.User{Name: "stranger"}}, req)
	if _, ok := stranger["evil"]; err != nil || ok || len(stranger["semver"]) != 1 {
		t.Errorf("a stranger's answer: %v %v", stranger, err)
	}
	got, err := h.Answer(t.Context(), authz.Principal{User: &core.User{Name: "owner"}}, req)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(got)
	b := bytes.TrimSpace(buf.Bytes())
	want := `{"evil":[{"id":"` + malID + `","url":"https://reg.example/advisories/` + malID + `","title":"Malicious code in evil (npm)","severity":"critical","vulnerable_versions":"1.0.1","cwe":[],"cvss":{"score":0,"vectorString":null}}],` +
		`"semver":[{"id":"GHSA-c2qf-rxjj-qqgw","url":"https://reg.example/advisories/GHSA-c2qf-rxjj-qqgw","title":"semver vulnerable to Regular Expression Denial of Service","severity":"high",` +
		`"vulnerable_versions":">=7.0.0 <7.5.2 || >=6.0.0 <6.3.1 || <5.7.2","cwe":["CWE-1333"],"cvss":{"score":7.5,"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}]}`
	if string(b) != want {
		t.Errorf("answer\n got %s\nwant %s", b, want)
	}
	empty, err := New(nil, nil).Answer(t.Context(), authz.Principal{}, npmfmt.AuditRequest{"semver": {"7.5.1"}})
	if b, _ := json.Marshal(empty); err != nil || string(b) != "{}" {
		t.Errorf("without advisories: %s %v", b, err)
	}
}
