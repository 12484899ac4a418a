package robust

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart/internal/npmfixture"
)

// TestConcurrentPublishSameVersion races publishes of one name@version,
// each with different bytes, against the real server: exactly one wins
// (2xx), every other one is told 409 that versions are immutable, and the
// registry serves the winner's bytes, nobody else's.
func TestConcurrentPublishSameVersion(t *testing.T) {
	t.Parallel()
	s, tok := startWithUser(t, "")

	for _, tc := range []struct {
		name     string
		racers   int
		existing bool // the package already has a version, so only the version is raced
	}{
		{"two racers, new name", 2, false},
		{"ten racers, new name", 10, false},
		{"ten racers, existing package", 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkg := fmt.Sprintf("race-%d-%t", tc.racers, tc.existing)
			const version = "2.0.0"
			if tc.existing {
				body, _ := goodPublish(t, pkg, "1.0.0", "first")
				if rep := mustDo(t, http.MethodPut, s.URL+pkg, tok, body); rep.Status != http.StatusCreated {
					t.Fatalf("first publish: %d %s", rep.Status, rep.Body)
				}
			}
			bodies := make([][]byte, tc.racers)
			tgzs := make([][]byte, tc.racers)
			for i := range bodies {
				bodies[i], tgzs[i] = goodPublish(t, pkg, version, fmt.Sprintf("racer %d", i))
			}
			replies := make([]reply, tc.racers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					rep, err := do(http.MethodPut, s.URL+pkg, tok, bytes.NewReader(bodies[i]), "application/json")
					if err != nil {
						t.Errorf("racer %d: %v", i, err)
					}
					replies[i] = rep
				}()
			}
			close(start)
			wg.Wait()

			winner := -1
			for i, rep := range replies {
				switch {
				case rep.Status/100 == 2:
					if winner >= 0 {
						t.Errorf("racers %d and %d were both acknowledged for %s@%s", winner, i, pkg, version)
					}
					winner = i
				case rep.Status == http.StatusConflict:
					if msg := rep.ErrorMsg(); !strings.Contains(msg, "versions are immutable") {
						t.Errorf("racer %d: 409 with error %q, want it to say versions are immutable", i, msg)
					}
				default:
					t.Errorf("racer %d: %d %s, want 2xx or 409", i, rep.Status, rep.Body)
				}
			}
			if winner < 0 {
				t.Fatalf("no racer was acknowledged")
			}

			doc, ok := getPackument(t, s, pkg)
			if !ok {
				t.Fatalf("%s is not served", pkg)
			}
			v, ok := doc.Versions[version]
			if !ok {
				t.Fatalf("%s@%s is not in the packument", pkg, version)
			}
			if want := npmfixture.Integrity(tgzs[winner]); v.Dist.Integrity != want {
				t.Errorf("packument integrity %s, want the winner's %s", v.Dist.Integrity, want)
			}
			got, status := download(t, v.Dist.Tarball)
			if status != http.StatusOK || !bytes.Equal(got, tgzs[winner]) {
				t.Errorf("tarball: status %d, %d bytes, equal to the winner's: %t", status, len(got), bytes.Equal(got, tgzs[winner]))
			}
			// A later publish of the same version, even with the winner's
			// own bytes, is refused too.
			rep := mustDo(t, http.MethodPut, s.URL+pkg, tok, bodies[winner])
			if rep.Status != http.StatusConflict {
				t.Errorf("republishing the winner's bytes: %d %s, want 409", rep.Status, rep.Body)
			}
		})
	}
	t.Logf("blob files after the races: %d (losers' tarballs are stored before the version check in the write transaction)", len(blobFiles(t, s.Data)))
}

// TestConcurrentCreateSameName races two users publishing the first
// version of one new name (different versions, so only the name is
// contested): one of them gets it, the other is refused as not a
// maintainer, and the winner is the only maintainer.
func TestConcurrentCreateSameName(t *testing.T) {
	t.Parallel()
	s, tokA := startWithUser(t, "")
	s.CreateUser(t, "rival", "rival@example.com", "another-long-password")
	tokB := login(t, s, "rival", "another-long-password")

	for round := range 5 {
		pkg := fmt.Sprintf("contested-%d", round)
		bodyA, _ := goodPublish(t, pkg, "1.0.0", "robot's")
		bodyB, _ := goodPublish(t, pkg, "1.0.1", "rival's")
		var repA, repB reply
		var errA, errB error
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			repA, errA = do(http.MethodPut, s.URL+pkg, tokA, bytes.NewReader(bodyA), "application/json")
		}()
		go func() {
			defer wg.Done()
			<-start
			repB, errB = do(http.MethodPut, s.URL+pkg, tokB, bytes.NewReader(bodyB), "application/json")
		}()
		close(start)
		wg.Wait()
		if errA != nil || errB != nil {
			t.Fatalf("round %d: %v, %v", round, errA, errB)
		}
		winner, loser, loserRep := testUser, "rival", repB
		if repB.Status/100 == 2 {
			winner, loser, loserRep = "rival", testUser, repA
		}
		if (repA.Status/100 == 2) == (repB.Status/100 == 2) {
			t.Fatalf("round %d: statuses %d and %d, want exactly one 2xx", round, repA.Status, repB.Status)
		}
		if loserRep.Status != http.StatusForbidden || !strings.Contains(loserRep.ErrorMsg(), "are not a maintainer of "+pkg) {
			t.Errorf("round %d: %s got %d %q, want 403 saying they are not a maintainer", round, loser, loserRep.Status, loserRep.ErrorMsg())
		}
		rep := mustDo(t, http.MethodGet, s.URL+"-/package/"+pkg+"/collaborators", "", nil)
		var collab map[string]string
		if err := json.Unmarshal(rep.Body, &collab); err != nil || len(collab) != 1 || collab[winner] == "" {
			t.Errorf("round %d: maintainers %s, want only %s", round, rep.Body, winner)
		}
		doc, _ := getPackument(t, s, pkg)
		if len(doc.Versions) != 1 {
			t.Errorf("round %d: versions %v, want only the winner's", round, doc.Versions)
		}
	}
}
