package clientcmd

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `rampart report`: what the command line gets wrong exits 2 before any
// request; a refusal of the registry exits 1 with its words; a filed
// report prints what happens next. The registry here is a stand-in that
// answers in the API's format (the e2e tests run the real one).
func TestReportCommand(t *testing.T) {
	var got map[string]any
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/-/rampart/v1/reports" || r.Header.Get("Authorization") != "Bearer rmp_test" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"unexpected request"}`)
			return
		}
		json.NewDecoder(r.Body).Decode(&got)
		if got["package"] == "missing" {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"there is no package \"missing\" on this registry"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":7,"item":3,"package":"left-pad","version":"1.0.0","reason":"spam","updated":false,"reporters":1,"message":"Thank you."}`)
	}))
	defer reg.Close()
	home := t.TempDir()
	host := strings.TrimPrefix(reg.URL, "http://")
	if err := os.WriteFile(filepath.Join(home, ".npmrc"), []byte("registry="+reg.URL+"/\n//"+host+"/:_authToken=rmp_test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	env := map[string]string{"HOME": home}

	out, _, code := run(t, "", env, "report", "left-pad@1.0.0", "--reason", "spam", "--message", "ads")
	if code != 0 || !strings.Contains(out, "Reported left-pad@1.0.0 as spam: report 7, queue item 3 (1 reporter).\nThank you.") {
		t.Errorf("report: exit %d\n%s", code, out)
	}
	if got["package"] != "left-pad" || got["version"] != "1.0.0" || got["reason"] != "spam" || got["description"] != "ads" {
		t.Errorf("the registry got %v", got)
	}
	_, errOut, code := run(t, "", env, "report", "missing", "--reason", "spam")
	if code != 1 || !strings.Contains(errOut, `the registry refused the report (404 Not Found): there is no package "missing"`) {
		t.Errorf("refused: exit %d\n%s", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "left-pad"}, "say why with --reason"},
		{[]string{"report", "left-pad", "--reason", "bad"}, `unknown --reason "bad"`},
		{[]string{"report", "--reason", "spam"}, "accepts 1 arg"},
	} {
		_, errOut, code := run(t, "", env, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want 2 with %q:\n%s", c.args, code, c.want, errOut)
		}
	}
	_, errOut, code = run(t, "", map[string]string{"HOME": t.TempDir()}, "report", "left-pad", "--reason", "spam")
	if code != 2 || !strings.Contains(errOut, "no registry configured") {
		t.Errorf("no registry: exit %d\n%s", code, errOut)
	}
}
