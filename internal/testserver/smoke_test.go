package testserver_test

import (
	"github.com/rampart/rampart/internal/testserver"
	"testing"
)

func TestSmoke(t *testing.T) {
	s := testserver.Start(t, testserver.Options{})
	n := testserver.NewNPM(t, s.URL)
	n.Login("carol", "a-long-password-1", "carol@example.com")
	r := n.MustRun("", "whoami")
	if r.Stdout != "carol\n" {
		t.Fatal(r.Output())
	}
	s2 := s.Restart(t)
	n2 := testserver.NewNPM(t, s2.URL)
	n2.SetToken(n.Token())
	if n2.MustRun("", "whoami").Stdout != "carol\n" {
		t.Fatal("restart")
	}
}
