package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestOrgsWithNPM drives an organisation with the real npm CLI, each user
// in a fresh npm environment: the operator creates @acme for alice; alice
// adds bob as a developer and carol as an admin (`npm org set/ls/rm`);
// carol, who manages teams and access, makes a team, puts bob in it and
// grants it @acme/widget (`npm team`, `npm access grant/revoke/list`);
// bob then publishes what the team is granted and nothing else, and can
// add no one. Every change is mailed to the org's owner.
func TestOrgsWithNPM(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	for _, u := range []struct{ name, pw string }{{"alice", alicePW}, {"bob", bobPW}, {"carol", alicePW + "c"}, {"dave", bobPW + "d"}} {
		s.CreateUser(t, u.name, u.name+"@example.com", u.pw)
	}
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil || !strings.Contains(out, "created the organisation acme, owned by alice") {
		t.Fatalf("rampart admin org create: %v\n%s", err, out)
	}
	waitForMail(t, s, "alice@example.com", "The organisation acme changed")
	alice, bob, carol := login(t, s, "alice", alicePW), login(t, s, "bob", bobPW), login(t, s, "carol", alicePW+"c")

	// npm org set / ls.
	mustContain(t, alice.MustRun("", "org", "set", "acme", "bob").Stdout, "Added bob as developer to acme. You now have 2 members in this org.")
	mustContain(t, alice.MustRun("", "org", "set", "acme", "carol", "admin").Stdout, "Added carol as admin to acme. You now have 3 members in this org.")
	mustContain(t, bob.MustRun("", "org", "ls", "acme").Stdout, "alice", "owner", "bob", "developer", "carol", "admin")
	waitForMail(t, s, "bob@example.com", "The organisation acme changed")
	// A developer manages no one; an admin adds no members either.
	mustFail(t, bob.Run("", "org", "set", "acme", "dave"), "E403", "you are a member of acme; managing members needs the role owner")
	mustFail(t, carol.Run("", "org", "set", "acme", "dave"), "E403", "you are an admin of acme; managing members needs the role owner")
	mustFail(t, anon(t, s).Run("", "org", "ls", "acme"), "E401")

	// alice (in the developers team since she created the org) publishes
	// the org's first package; bob, in no team, can neither create one
	// nor publish hers.
	publish(t, alice, pkg{Name: "@acme/widget", Version: "1.0.0"}, "--access", "public")
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "@acme/widget", Version: "1.1.0"}), "publish"), "E403", "you (bob) are not a maintainer of @acme/widget")
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "@acme/gizmo", Version: "1.0.0"}), "publish", "--access", "public"),
		"E403", "only members of the team acme:developers may create packages in @acme/")

	// npm team create / add / ls, by the admin.
	mustContain(t, carol.MustRun("", "team", "create", "acme:devs").Stdout, "+@acme:devs")
	mustContain(t, carol.MustRun("", "team", "add", "acme:devs", "bob").Stdout, "bob added to @acme:devs")
	mustContain(t, bob.MustRun("", "team", "ls", "acme").Stdout, "@acme:developers", "@acme:devs")
	mustContain(t, bob.MustRun("", "team", "ls", "acme:devs").Stdout, "bob")
	mustFail(t, bob.Run("", "team", "create", "acme:mine"), "E403", "managing teams needs the role owner or admin")

	// npm access grant: the team's grant is what lets bob publish.
	carol.MustRun("", "access", "grant", "read-write", "acme:devs", "@acme/widget")
	mustContain(t, bob.MustRun("", "access", "list", "packages", "acme:devs").Stdout, "@acme/widget: read-write")
	mustContain(t, bob.MustRun("", "access", "list", "packages", "acme").Stdout, "@acme/widget: read-write")
	publish(t, bob, pkg{Name: "@acme/widget", Version: "1.1.0"})
	mustContain(t, carol.MustRun("", "access", "list", "collaborators", "@acme/widget").Stdout, "alice: read-write", "bob: read-write")
	waitForMail(t, s, "bob@example.com", "The organisation acme changed")
	// Publishing is not managing: bob still adds no one, anywhere.
	mustFail(t, bob.Run("", "org", "set", "acme", "dave"), "E403")
	mustFail(t, bob.Run("", "access", "grant", "read-write", "acme:devs", "@acme/widget"), "E403", "granting packages to teams needs the role owner or admin")

	// npm owner for an org package: the org's admin manages its owners.
	mustContain(t, carol.MustRun("", "owner", "ls", "@acme/widget").Stdout, "alice")
	// dave is no member of acme: he cannot become an owner of its package.
	mustFail(t, carol.Run("", "owner", "add", "dave", "@acme/widget"), "dave is not a member of the organisation acme")
	mustContain(t, carol.MustRun("", "owner", "add", "bob", "@acme/widget").Stdout, "+ bob (@acme/widget)")
	carol.MustRun("", "owner", "rm", "bob", "@acme/widget")

	// npm access revoke: bob's power ends with the grant.
	carol.MustRun("", "access", "revoke", "acme:devs", "@acme/widget")
	if out := bob.MustRun("", "access", "list", "packages", "acme:devs").Stdout; strings.Contains(out, "@acme/widget") {
		t.Fatalf("after revoke, the team still lists @acme/widget:\n%s", out)
	}
	mustFail(t, bob.Run(writePkg(t, pkg{Name: "@acme/widget", Version: "1.2.0"}), "publish"), "E403")

	// npm team rm / destroy, npm org rm.
	carol.MustRun("", "team", "rm", "acme:devs", "bob")
	if out := carol.MustRun("", "team", "ls", "acme:devs").Stdout; strings.Contains(out, "bob") {
		t.Fatalf("bob is still in acme:devs:\n%s", out)
	}
	carol.MustRun("", "team", "destroy", "acme:devs")
	if out := carol.MustRun("", "team", "ls", "acme").Stdout; strings.Contains(out, "devs") {
		t.Fatalf("acme:devs still exists:\n%s", out)
	}
	alice.MustRun("", "org", "rm", "acme", "carol")
	if out := alice.MustRun("", "org", "ls", "acme").Stdout; strings.Contains(out, "carol") {
		t.Fatalf("carol is still a member:\n%s", out)
	}
	mustFail(t, carol.Run("", "org", "ls", "acme"), "E403", "you (carol) are not a member of the organisation acme")
	waitForMail(t, s, "carol@example.com", "The organisation acme changed")

	// Names: an org's name is its scope; nobody signs up as acme.
	if out, err := s.Admin(t, "x-passphrase-77\n", "user", "create", "--name", "acme", "--email", "acme@example.com", "--password-stdin"); err == nil {
		t.Fatalf("a user took the org's name:\n%s", out)
	}
}

// TestOrgOwnerChangeNeedsOTP: adding an owner is sensitive: with a
// second factor on, npm is asked for a one-time password (EOTP) and the
// change is made only with one.
func TestOrgOwnerChangeNeedsOTP(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	alice := signup(t, s, "alice", alicePW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	if out, err := s.Admin(t, "", "org", "create", "acme", "--owner", "alice"); err != nil {
		t.Fatalf("rampart admin org create: %v\n%s", err, out)
	}
	mustFail(t, alice.Run("", "org", "set", "acme", "bob", "owner"), "EOTP")
	if out := alice.MustRun("", "org", "ls", "acme").Stdout; strings.Contains(out, "bob") {
		t.Fatalf("bob became a member without a one-time password:\n%s", out)
	}
	mustContain(t, alice.MustRun("", "org", "set", "acme", "bob", "owner", "--otp="+auth.Code(t)).Stdout, "Added bob as owner to acme")
	waitForMail(t, s, "bob@example.com", "The organisation acme changed")
}

// TestOrgStepUpOnTheWeb: in the browser, adding a member is an ordinary
// change, but making someone an owner with a second factor passed more
// than the step-up window ago sends the browser to confirm it, changes
// nothing until then, and works once it is confirmed.
func TestOrgStepUpOnTheWeb(t *testing.T) {
	t.Parallel()
	s := server(t, "")
	s.CreateUser(t, "bob", "bob@example.com", bobPW)
	signup(t, s, "alice", alicePW)
	auth, _ := enableTOTP(t, s, "alice", alicePW)
	w := signInWithTOTP(t, s, "alice", alicePW, auth)
	w.mustRedirect("POST", s.URL+"orgs", url.Values{"name": {"acme"}}, "/org/acme")
	s.Advance(t, 20*time.Minute)

	w.mustRedirect("POST", s.URL+"org/acme/member", url.Values{"user": {"bob"}, "role": {"member"}}, "/org/acme?done=member")
	status, h, body := w.fetch("POST", s.URL+"org/acme/member", url.Values{"user": {"bob"}, "role": {"owner"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/account/confirm?") {
		t.Fatalf("making bob an owner an hour after the factor: status %d to %q, want the confirm page:\n%s", status, h.Get("Location"), body)
	}
	w.mustShow(s.URL+"org/acme", `<td class="member-name"><a href="/~bob">bob</a></td><td class="member-role">member</td>`)
	w.mustRedirect("POST", s.URL+"account/confirm", url.Values{"code": {auth.Code(t)}, "next": {"/org/acme"}}, "/org/acme")
	w.mustRedirect("POST", s.URL+"org/acme/member", url.Values{"user": {"bob"}, "role": {"owner"}}, "/org/acme?done=member")
	w.mustShow(s.URL+"org/acme", `<td class="member-name"><a href="/~bob">bob</a></td><td class="member-role">owner</td>`)
	m := waitForMail(t, s, "bob@example.com", "The organisation acme changed")
	for !strings.Contains(m.Text, "role changed from member to owner") {
		m = waitForMail(t, s, "bob@example.com", "The organisation acme changed")
	}
}
