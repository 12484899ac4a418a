package e2e

import (
	"strings"
	"testing"
)

// TestOrgStagingAndTrustWithNPM: on an org package, the real npm CLI
// stages and approves (with --otp) as a member whose team has a
// read-write grant, and not as one whose team reads only; an org admin
// configures its trusted publishers with `npm trust`, and a member who
// publishes cannot.
func TestOrgStagingAndTrustWithNPM(t *testing.T) {
	t.Parallel()
	s, _ := trustServer(t, "")
	for _, u := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}, {"carol", alicePW + "c"}, {"dave", bobPW + "d"}} {
		s.CreateUser(t, u.name, u.name+"@example.com", u.pw)
	}
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil || !strings.Contains(out, "created the organisation acme") {
		t.Fatalf("rampart admin org create: %v\n%s", err, out)
	}
	alice, bob, carol, dave := login(t, s, "alice", alicePW), login(t, s, "bob", bobPW), login(t, s, "carol", alicePW+"c"), login(t, s, "dave", bobPW+"d")
	alice.MustRun("", "org", "set", "acme", "bob")
	alice.MustRun("", "org", "set", "acme", "carol", "admin")
	alice.MustRun("", "org", "set", "acme", "dave")
	const name = "@acme/staged"
	publish(t, alice, pkg{Name: name, Version: "1.0.0"}, "--access", "public")
	carol.MustRun("", "team", "create", "acme:devs")
	carol.MustRun("", "team", "add", "acme:devs", "bob")
	carol.MustRun("", "team", "create", "acme:readers")
	carol.MustRun("", "team", "add", "acme:readers", "dave")
	carol.MustRun("", "access", "grant", "read-write", "acme:devs", name)
	carol.MustRun("", "access", "grant", "read-only", "acme:readers", name)
	bobAuth, _ := enableTOTP(t, s, "bob", bobPW)
	carolAuth, _ := enableTOTP(t, s, "carol", alicePW+"c")
	daveAuth, _ := enableTOTP(t, s, "dave", bobPW+"d")

	// The read-only member can neither stage nor decide a stage.
	mustFail(t, dave.Run(writePkg(t, pkg{Name: name, Version: "1.1.0"}), "stage", "publish"), "E403", "you (dave) are not a maintainer of "+name)
	// The read-write member stages (no code), reviews, and approves with one.
	id := stagePublish(t, bob, pkg{Name: name, Version: "1.1.0"})
	mustContain(t, bob.MustRun("", "stage", "view", id).Output(), name, "1.1.0")
	mustFail(t, dave.Run("", "stage", "view", id), "404")
	mustFail(t, dave.Run("", "stage", "approve", id, "--otp="+daveAuth.Code(t)), "404")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.0.0" {
		t.Fatalf("latest moved before approval: %v", d.DistTags)
	}
	mustFail(t, bob.Run("", "stage", "approve", id), "EOTP")
	mustContain(t, bob.MustRun("", "stage", "approve", id, "--otp="+bobAuth.Code(t)).Output(), "Staged package "+id+" approved")
	if d := getDoc(t, s, name); d.DistTags["latest"] != "1.1.0" {
		t.Fatalf("latest after the member's approval: %v", d.DistTags)
	}

	// Trusted publishers: the org's admin, not a member who publishes.
	mustFail(t, bob.Run("", "trust", "github", name, "--file", "release.yml", "--repo", "acme/staged", "--allow-publish", "-y", "--otp="+bobAuth.Code(t)),
		"not a maintainer of "+name)
	r := carol.MustRun("", "trust", "github", name, "--file", "release.yml", "--repo", "acme/staged", "--allow-publish", "-y", "--otp="+carolAuth.Code(t))
	mustContain(t, r.Output(), "Trust configuration created successfully for "+name)
	mustContain(t, carol.MustRun("", "trust", "list", name, "--otp="+carolAuth.Code(t)).Output(), "repository: acme/staged")
}
