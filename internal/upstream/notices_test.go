package upstream

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/config"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
)

// The moderators' notice of a hold names the upstream, the integrity and
// the reason, goes to the staff the event recorded, and links to the
// version's evidence page; a hold that recorded no staff mails no one.
func TestHoldNoticeGoesToTheStaffWithTheEvidenceLink(t *testing.T) {
	now := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	s, _ := newProxy(t, config.Upstream{Name: "public", Packages: []string{"*"}}, &now)
	e := event.UpstreamQuarantine{Upstream: "public", Integrity: "sha512-AAAA", Rules: []string{"RAMPART-CREDENTIAL-EXFILTRATION"},
		Reason: "RAMPART-CREDENTIAL-EXFILTRATION in install.js", Staff: []string{"chief", "mod"}}.At(now, "@acme/pad", "1.0.0")
	got, err := s.Notices().Render(e)
	if err != nil || len(got) != 1 {
		t.Fatalf("notices = %v, %v; want one", got, err)
	}
	n := got[0]
	if n.Kind != mail.KindUpstreamHold || !slices.Equal(n.Notify, []string{"chief", "mod"}) {
		t.Fatalf("kind %q to %v", n.Kind, n.Notify)
	}
	if want := "https://reg.example/moderation/upstream/package/@acme/pad/v/1.0.0"; n.Notice.ActionURL != want {
		t.Fatalf("link %q, want %q", n.Notice.ActionURL, want)
	}
	_, text, _, err := mail.Render(n.Kind, n.Notice)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"@acme/pad", "Upstream:  public", "Integrity: sha512-AAAA", "install.js"} {
		if !strings.Contains(text, want) {
			t.Errorf("the mail lacks %q:\n%s", want, text)
		}
	}

	none := event.UpstreamQuarantine{Upstream: "public", Integrity: "sha512-AAAA", Rules: []string{"R"}}.At(now, "pad", "1.0.0")
	if got, err := s.Notices().Render(none); err != nil || len(got) != 0 {
		t.Fatalf("a hold with no staff recorded: %v, %v; want no notice", got, err)
	}
}
