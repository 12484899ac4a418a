package notifier_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
	"github.com/rampart/rampart/internal/mail"
	"github.com/rampart/rampart/internal/notifier"
	"github.com/rampart/rampart/internal/store"
	"github.com/rampart/rampart/internal/store/sqlite"
	"github.com/rampart/rampart/internal/testpeers/smtpd"
)

// TestNoticeToAddresses: a notice addressed by address (an account
// notice: the addresses the account had at the change) goes to each
// address once, whatever its case, without any user lookup, and only to
// those its Check keeps at delivery.
func TestNoticeToAddresses(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "metadata.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.AppendEvent(event.NewDevice{User: "ann", Via: "web", IP: "192.0.2.7"}.At(t0, "ann"))
	}); err != nil {
		t.Fatal(err)
	}
	var checked []string
	render := func(e *core.Event) ([]notifier.Notice, error) {
		if e.Type != core.EventNewDevice {
			return nil, nil
		}
		return []notifier.Notice{{
			Kind: mail.KindNewDevice,
			To:   []string{"ann@example.com", "ANN@example.com", "old@lapsed.example", "new@example.net"},
			Check: func(_ context.Context, to []string) []string {
				checked = to
				return slices.DeleteFunc(slices.Clone(to), func(a string) bool { return a == "old@lapsed.example" })
			},
			Notice: mail.Notice{User: "ann", When: e.At, IP: "192.0.2.7", SecurityURL: "https://registry.example/account"},
		}}, nil
	}
	srv := smtpd.Start(t)
	n := notifier.New(st, smtpMailer(t, srv.Host, srv.Port), "notices.test", render, slog.New(slog.DiscardHandler))
	if err := n.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if len(checked) != 4 {
		t.Fatalf("Check saw %v, want the four addresses", checked)
	}
	var got []string
	for _, m := range srv.Messages() {
		if len(m.To) != 1 {
			t.Fatalf("one message went to %v: want one address per message", m.To)
		}
		got = append(got, m.To[0])
	}
	slices.Sort(got)
	if want := []string{"ann@example.com", "new@example.net"}; !slices.Equal(got, want) {
		t.Fatalf("mailed %v, want %v (each once; the address Check dropped, never)", got, want)
	}
}
