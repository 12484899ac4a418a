package osvapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/advisory"
	"github.com/rampart/rampart/internal/authz"
	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/store/sqlite"
)

// TestPrivatePackageAdvisories: a MAL- advisory about a restricted
// package is answered to a caller who may read the package, and to
// anyone else exactly as an advisory or package that does not exist;
// public packages' advisories are answered to all as before.
func TestPrivatePackageAdvisories(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := advisory.New(db, advisory.Config{PublicURL: "https://reg.example"}, time.Now, nil)
	for _, name := range []string{"@acme/secret", "evil"} {
		if _, err := svc.PublishMalicious(t.Context(), "mod", core.NPM(name), []string{"1.0.0"}, "bad", ""); err != nil {
			t.Fatal(err)
		}
	}
	h := New(svc, Access{
		Authenticate: func(_ context.Context, token string, addr netip.Addr) (authz.Principal, error) {
			if token != "member-token" {
				return authz.Principal{}, core.Errorf(core.KindUnauthenticated, "bad token")
			}
			return authz.Principal{User: &core.User{ID: 7, Name: "member"}, Addr: addr}, nil
		},
		Readable: func(_ context.Context, p authz.Principal, name string) (bool, bool, error) {
			switch name {
			case "@acme/secret":
				return p.User != nil, true, nil
			case "evil":
				return true, true, nil
			}
			return false, false, nil
		},
	}, nil)
	as := func(token, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	secretQuery := `{"package":{"name":"@acme/secret","ecosystem":"npm"},"version":"1.0.0"}`
	member := as("member-token", "POST", "/-/osv/v1/query", secretQuery)
	var q struct {
		Vulns []struct {
			ID string `json:"id"`
		} `json:"vulns"`
	}
	if err := json.Unmarshal(member.Body.Bytes(), &q); err != nil || member.Code != 200 || len(q.Vulns) != 1 || !strings.HasPrefix(q.Vulns[0].ID, "MAL-") {
		t.Fatalf("a member's query: %d %s", member.Code, member.Body.Bytes())
	}
	id := q.Vulns[0].ID
	if rec := as("member-token", "GET", "/-/osv/v1/vulns/"+id, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "@acme/secret") {
		t.Errorf("a member's vulns/%s: %d %s", id, rec.Code, rec.Body.Bytes())
	}

	// Anyone else: nothing, in the words used for what does not exist.
	if rec := as("", "POST", "/-/osv/v1/query", secretQuery); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "{}" {
		t.Errorf("anonymous query: %d %s", rec.Code, rec.Body.Bytes())
	}
	hidden, missing := as("", "GET", "/-/osv/v1/vulns/"+id, ""), as("", "GET", "/-/osv/v1/vulns/MAL-2000-9999", "")
	if hidden.Code != 404 || hidden.Body.String() != missing.Body.String() || missing.Code != 404 {
		t.Errorf("anonymous vulns/%s: %d %s; an id that does not exist: %d %s", id, hidden.Code, hidden.Body.Bytes(), missing.Code, missing.Body.Bytes())
	}
	batch := `{"queries":[{"package":{"name":"@acme/secret","ecosystem":"npm"}},{"package":{"purl":"pkg:npm/%40acme/secret@1.0.0"}},{"package":{"name":"evil","ecosystem":"npm"},"version":"1.0.0"}]}`
	rec := as("", "POST", "/-/osv/v1/querybatch", batch)
	if got := rec.Body.String(); rec.Code != 200 || !strings.HasPrefix(got, `{"results":[{},{},{"vulns":[{"id":"MAL-`) || strings.Contains(got, id) {
		t.Errorf("anonymous batch: %d %s", rec.Code, got)
	}
	if rec := as("member-token", "POST", "/-/osv/v1/querybatch", batch); !strings.Contains(rec.Body.String(), `"id":"`+id+`"`) {
		t.Errorf("a member's batch: %s", rec.Body.String())
	}
	if rec := as("forged", "POST", "/-/osv/v1/query", secretQuery); rec.Code != 401 {
		t.Errorf("a bad token: %d %s", rec.Code, rec.Body.Bytes())
	}
}
