package web

import (
	"testing"

	"github.com/rampart/rampart/internal/core"
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
