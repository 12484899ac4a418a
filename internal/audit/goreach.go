package audit

import (
	"context"
	"os"
	"time"

	"github.com/rampart/rampart/internal/deptree"
	osv "github.com/rampart/rampart/internal/osvclient"
	"github.com/rampart/rampart/internal/reach/goreach"
)

// Go is Go reachability through govulncheck's call graph, against the
// findings' own records written as a local Go vulnerability database.
type Go struct{}

// Name implements Reacher.
func (Go) Name() string { return "call graph (govulncheck)" }

// Reach implements Reacher.
func (Go) Reach(ctx context.Context, t *deptree.Tree, fs []Finding) error {
	db, err := os.MkdirTemp("", "rampart-vulndb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(db)
	var recs []osv.Vuln
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.ID] {
			seen[f.ID] = true
			recs = append(recs, *f.Vuln)
		}
	}
	if err := goreach.WriteDB(db, recs, time.Now()); err != nil {
		return err
	}
	res, err := goreach.Scan(ctx, t.Dir, db)
	if err != nil {
		return err
	}
	for i := range fs {
		f := &fs[i]
		r, ok := res[f.ID]
		switch {
		case !ok:
			f.Reachability, f.Level, f.Detail = NotReachable, goreach.Required, "govulncheck finds no use of the affected module"
		case r.Level == goreach.Called:
			f.Reachability, f.Level, f.Detail = Reachable, r.Level, r.Trace
		case r.Level == goreach.Imported:
			f.Reachability, f.Level, f.Detail = NotReachable, r.Level, "a vulnerable package is imported, but no vulnerable function is called"
		default:
			f.Reachability, f.Level, f.Detail = NotReachable, r.Level, "the module is required, but no vulnerable package is imported"
		}
	}
	return nil
}
