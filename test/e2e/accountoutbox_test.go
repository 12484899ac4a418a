package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart/rampart/internal/testserver"
)

// TestAccountNoticeWaitsOutADownRelay (AUTHN-1d): an account security
// notice committed while the SMTP relay is down is kept in the event
// outbox, not lost: the server started again with the relay back mails
// it, once. A later notice arrives after it and the first is not sent
// again.
func TestAccountNoticeWaitsOutADownRelay(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there: the relay is down
	s := testserver.Start(t, testserver.Options{Config: fmt.Sprintf(
		"[mail]\nhost = \"127.0.0.1\"\nport = %d\nfrom = \"Rampart <rampart@example.com>\"\ntls = \"insecure_none\"\n", down)})
	s.CreateUser(t, "erin", "erin@example.com", alicePW)
	signIn := func(s *testserver.Server) {
		t.Helper()
		w := newWebClient(t) // a new browser: a new device
		if status, body := w.do("POST", s.URL+"login", url.Values{"name": {"erin"}, "password": {alicePW}, "next": {"/account"}}); status != http.StatusSeeOther {
			t.Fatalf("sign in: status %d:\n%s", status, body)
		}
	}
	signIn(s)
	s.Stop() // its last delivery fails too

	s = testserver.Start(t, testserver.Options{Data: s.Data, SMTP: true})
	m := waitForMail(t, s, "erin@example.com", "New sign-in")
	mustContain(t, m.Text, "127.0.0.1")
	signIn(s)
	waitForMail(t, s, "erin@example.com", "New sign-in")
	n := 0
	for _, m := range s.Mail.Messages() {
		if strings.Contains(m.Subject, "New sign-in") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d new-device notices after two sign-ins, want 2: the one held back by the relay mailed once", n)
	}
}
