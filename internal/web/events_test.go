package web

import (
	"testing"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/event"
)

func TestDescribeEvent(t *testing.T) {
	for _, tc := range []struct {
		typ, data, want string
	}{
		{core.EventMFAAdd, `{"user":"alice","method":"totp"}`, "Second factor added (authenticator app)"},
		{core.EventMFARemove, `{"user":"alice","method":"passkey","name":"laptop"}`, "Second factor removed (passkey laptop)"},
		{core.EventNewDevice, `{"user":"alice","ip":"192.0.2.7","user_agent":"curl"}`, "Sign-in from a new device from 192.0.2.7"},
		{core.EventTokenCreate, `{"key":"abc","kind":"publish"}`, "API token created (publish)"},
		{core.EventPasswordChange, `not json`, "Password changed"},
		{"account.something_new", `{}`, "account.something_new"},
	} {
		if got := describeEvent(core.Event{Type: tc.typ, Data: []byte(tc.data)}); got != tc.want {
			t.Errorf("describeEvent(%s, %s) = %q, want %q", tc.typ, tc.data, got, tc.want)
		}
	}
}

// TestDescribeTypedEvent: a typed event's address and key name are in its
// personal part, and the user's own history still shows them.
func TestDescribeTypedEvent(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		e    *core.Event
		want string
	}{
		{event.MFARemove{User: "alice", Method: "passkey", Name: "laptop"}.At(now, "alice"), "Second factor removed (passkey laptop)"},
		{event.NewDevice{User: "alice", IP: "192.0.2.7", UserAgent: "curl"}.At(now, "alice"), "Sign-in from a new device from 192.0.2.7"},
		{event.TokenCreate{Key: "abc", Kind: "publish"}.At(now, "alice"), "API token created (publish)"},
		// The facts of the owners' notice (schema 2) stay off the line, as
		// before they were recorded.
		{event.OwnerAdd{User: "bob", Via: "a signed-in browser", IP: "192.0.2.7", Notify: []string{"alice", "bob"}}.At(now, "alice", "left-pad", ""), "Owner added to"},
	} {
		if got := describeEvent(*tc.e); got != tc.want {
			t.Errorf("describeEvent(%s, %s | %s) = %q, want %q", tc.e.Type, tc.e.Data, tc.e.Personal, got, tc.want)
		}
	}
}
