package web_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
)

// A browser is known by its device cookie: the first sign-in from it
// mails a new-device notice, the next ones do not; another browser does.
func TestNewDeviceNoticeByCookie(t *testing.T) {
	e := newEnv(t, "")
	e.user("alice")
	notices := func() int {
		files, _ := filepath.Glob(filepath.Join(e.cfg.Data, "outbox", "*-new_device-*.eml"))
		return len(files)
	}
	device := func(w interface{ Result() *http.Response }) *http.Cookie {
		for _, c := range w.Result().Cookies() {
			if c.Name == "rampart_device" {
				return c
			}
		}
		t.Fatal("sign-in set no device cookie")
		return nil
	}
	form := url.Values{"name": {"alice"}, "password": {testPassword}}
	w := e.postForm("/login", form)
	wantStatus(t, w, http.StatusSeeOther)
	dev := device(w)
	if !dev.HttpOnly || dev.SameSite != http.SameSiteLaxMode || dev.MaxAge < 300*24*3600 {
		t.Fatalf("device cookie %+v: want HttpOnly, SameSite=Lax, long-lived", dev)
	}
	if notices() != 1 {
		t.Fatalf("%d new-device notices after the first sign-in, want 1", notices())
	}
	w = e.postForm("/login", form, dev)
	wantStatus(t, w, http.StatusSeeOther)
	if device(w).Value != dev.Value || notices() != 1 {
		t.Fatalf("the same browser again: %d notices, want 1", notices())
	}
	wantStatus(t, e.postForm("/login", form), http.StatusSeeOther)
	if notices() != 2 {
		t.Fatalf("another browser: %d notices, want 2", notices())
	}
}
