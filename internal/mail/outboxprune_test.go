package mail_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	rmail "github.com/rampart/rampart/internal/mail"
)

// TestOutboxKeepsTheNewest: with a bound of 3, five mails leave the three
// newest in the folder.
func TestOutboxKeepsTheNewest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := rmail.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetRetention(rmail.Retention{Keep: 3}); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for i := range 5 {
		before := names(t, dir)
		if err := o.Send(t.Context(), testMessage("user"+string(rune('a'+i))+"@example.com")); err != nil {
			t.Fatal(err)
		}
		for _, n := range names(t, dir) {
			if !slices.Contains(before, n) {
				sent = append(sent, n)
			}
		}
	}
	if got := names(t, dir); !slices.Equal(got, sent[2:]) {
		t.Fatalf("folder holds %v, want the three newest %v", got, sent[2:])
	}
}

// TestOutboxDropsOldMail: mail older than MaxAge goes; files that are not
// the outbox's own stay.
func TestOutboxDropsOldMail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := rmail.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().UTC().Add(-8*24*time.Hour).Format("20060102T150405.000000000Z") + "-verify_email-AAAAAAAAAA.eml"
	recent := time.Now().UTC().Add(-time.Hour).Format("20060102T150405.000000000Z") + "-verify_email-BBBBBBBBBB.eml"
	for _, n := range []string{old, recent, "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.SetRetention(rmail.Retention{MaxAge: 7 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{recent, "notes.txt"}) {
		t.Fatalf("folder holds %v", got)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}
