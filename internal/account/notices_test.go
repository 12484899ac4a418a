package account

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
)

type nopMailer struct{}

func (nopMailer) Send(context.Context, mail.Message) error { return nil }

// TestRenderAccountNotices: each account event of schema 2 that names
// whom to tell renders the notice its service mailed before it went
// through the outbox (kind, recipients, greeting and the facts in the
// text); a schema-1 event (mailed from memory when it happened) and one
// naming nobody render none.
func TestRenderAccountNotices(t *testing.T) {
	at := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	n, err := NewNotifier(nopMailer{}, nil, "Example registry", "https://reg.example/", func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	to := []string{"ann@example.com"}
	for _, tc := range []struct {
		e    *core.Event
		kind string
		to   []string
		text []string // in the mail's text
	}{
		{event.NewDevice{User: "ann", Via: "web", IP: "192.0.2.7", UserAgent: "Firefox/140", NoticeTo: to}.At(at, "ann"),
			mail.KindNewDevice, to, []string{"192.0.2.7", "Firefox/140"}},
		{event.PasswordCompromised{User: "ann", Source: "hibp", IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindPasswordBreached, to, []string{"https://reg.example/account/password"}},
		{event.PasswordChange{User: "ann", IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindPasswordChanged, to, []string{"192.0.2.7"}},
		{event.PasswordReset{User: "ann", IP: "192.0.2.8", NoticeTo: to}.At(at, "ann"),
			mail.KindPasswordChanged, to, []string{"192.0.2.8"}},
		{event.EmailChangeSent{User: "ann", Email: "n***@example.net", Expires: at.Add(time.Hour), IP: "192.0.2.7", NewAddress: "new@example.net", UserAgent: "Firefox/140", NoticeTo: to}.At(at, "ann"),
			mail.KindEmailChangeRequested, to, []string{"new@example.net", "192.0.2.7"}},
		{event.EmailChanged{User: "ann", OldAddress: "ann@example.com", NewAddress: "new@example.net", IP: "192.0.2.7", NoticeTo: []string{"new@example.net", "ann@example.com"}}.At(at, "ann"),
			mail.KindEmailChanged, []string{"new@example.net", "ann@example.com"}, []string{"ann@example.com", "new@example.net"}},
		{event.MFAAdd{User: "ann", Method: MethodTOTP, IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindMFAAdded, to, []string{TOTPName}},
		{event.MFARemove{User: "ann", Method: MethodTOTP, IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindMFARemoved, to, []string{TOTPName}},
		{event.MFAAdd{User: "ann", Method: MethodSecurityKey, Name: "blue key", IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindMFAAdded, to, []string{"security key (blue key)"}},
		{event.MFAAdd{User: "ann", Method: MethodPasskey, Name: "laptop", IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindPasskeyAdded, to, []string{"laptop"}},
		{event.MFARemove{User: "ann", Method: MethodPasskey, Name: "laptop", IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindPasskeyRemoved, to, []string{"laptop"}},
		{event.RecoveryCodesRegenerated{User: "ann", Count: 10, IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindRecoveryCodesRegenerated, to, []string{"192.0.2.7"}},
		{event.RecoveryCodeUsed{User: "ann", Left: 7, IP: "192.0.2.7", NoticeTo: to}.At(at, "ann"),
			mail.KindRecoveryCodeUsed, to, []string{"7"}},
		{event.MFAFailures{User: "ann", Failures: 6, IP: "192.0.2.9", UserAgent: "curl/8", NoticeTo: to}.At(at, "ann"),
			mail.KindMFAFailures, to, []string{"6", "192.0.2.9"}},
		{event.TokenCreate{Key: "k", Kind: string(core.TokenAPI), Name: "ci", Actions: []string{"read", "publish"}, Packages: []string{"@ann/*"}, Expires: at.Add(24 * time.Hour), NoticeTo: to}.At(at, "ann"),
			mail.KindTokenCreated, to, []string{"ci", "read, publish, packages @ann/*"}},
		{event.AccountRecoveryCancel{User: "ann", By: "sign-in", Started: at.Add(-time.Hour), IP: "192.0.2.7", UserAgent: "Firefox/140", NoticeTo: []string{"ann@example.com", "old@example.org"}}.At(at, "ann"),
			mail.KindRecoveryCancelled, []string{"ann@example.com", "old@example.org"}, []string{"192.0.2.7"}},
	} {
		t.Run(tc.kind+"/"+tc.e.Type, func(t *testing.T) {
			got, err := n.Render(tc.e)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Kind != tc.kind || !slices.Equal(got[0].To, tc.to) || len(got[0].Notify) != 0 {
				t.Fatalf("notices %+v, want one %s to %v", got, tc.kind, tc.to)
			}
			msg := got[0].Notice
			if msg.User != "ann" || msg.Site != "Example registry" || !msg.When.Equal(at) {
				t.Errorf("user %q, site %q, when %v", msg.User, msg.Site, msg.When)
			}
			subject, text, _, err := mail.Render(tc.kind, msg)
			if err != nil {
				t.Fatalf("the notice does not render: %v", err)
			}
			for _, w := range tc.text {
				if !strings.Contains(text, w) {
					t.Errorf("%s (%q): the text lacks %q:\n%s", tc.kind, subject, w, text)
				}
			}
		})
	}

	// None for an event that names nobody, for a session token, or for an
	// event written before the notice moved to the outbox (schema 1).
	old := event.NewDevice{User: "ann", Via: "web", IP: "192.0.2.7"}.At(at, "ann")
	old.Schema = 1
	for _, e := range []*core.Event{
		event.NewDevice{User: "ann", Via: "web", IP: "192.0.2.7"}.At(at, "ann"),
		event.TokenCreate{Key: "k", Kind: string(core.TokenSession), Name: "npm login", NoticeTo: to}.At(at, "ann"),
		event.AccountCreate{User: "ann"}.At(at, ""),
		old,
	} {
		if got, err := n.Render(e); err != nil || len(got) != 0 {
			t.Errorf("%s (schema %d): %+v, %v; want no notice", e.Type, e.Schema, got, err)
		}
	}
}

// TestRecoveryNoticesPassTheAddressCheck: the recovery notices' addresses
// go through the address check at delivery (identity's abandoned-domain
// check), which sees the account's name and the notice's kind.
func TestRecoveryNoticesPassTheAddressCheck(t *testing.T) {
	at := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)
	n, err := NewNotifier(nopMailer{}, nil, "", "https://reg.example/", func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	n.SetAddressCheck(func(_ context.Context, user string, addrs []string, kind string) []string {
		asked = append(asked, user+" "+kind)
		return addrs[:1]
	})
	got, err := n.Render(event.AccountRecoveryCancel{User: "ann", By: "link", NoticeTo: []string{"ann@example.com", "lapsed@gone.example"}}.At(at, "ann"))
	if err != nil || len(got) != 1 || got[0].Check == nil {
		t.Fatalf("%+v, %v: want one notice with a check", got, err)
	}
	if to := got[0].Check(context.Background(), got[0].To); !slices.Equal(to, []string{"ann@example.com"}) {
		t.Fatalf("checked addresses %v", to)
	}
	if !slices.Equal(asked, []string{"ann " + mail.KindRecoveryCancelled}) {
		t.Fatalf("the check was asked %q", asked)
	}
}
