package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/rampart/rampart/internal/web"
)

// maxNotFoundBody bounds what is kept of a 404 answer to turn it into a
// page: the npm front-end's refusals are one short JSON object.
const maxNotFoundBody = 4 << 10

// notFoundAsPage serves r with next and, if r is a browser's GET and next
// answers 404, shows the web UI's error page with the answer's message
// instead of raw JSON. Other answers pass through untouched, tarballs and
// their sendfile path included.
func notFoundAsPage(webH *web.Handler, next http.Handler, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !web.IsBrowser(r) {
		next.ServeHTTP(w, r)
		return
	}
	nw := &notFoundWriter{ResponseWriter: w}
	next.ServeHTTP(nw, r)
	if !nw.caught {
		return
	}
	var body struct {
		Error string `json:"error"`
	}
	msg := "there is nothing at this address"
	if json.Unmarshal(nw.body.Bytes(), &body) == nil && body.Error != "" {
		msg = body.Error
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "ETag", "Vary"} {
		w.Header().Del(k)
	}
	webH.NotFoundPage(w, r, msg)
}

// notFoundWriter holds back a 404 answer (status and bounded body) so
// that a page can be written in its place.
type notFoundWriter struct {
	http.ResponseWriter
	caught, wrote bool
	body          bytes.Buffer
}

func (w *notFoundWriter) WriteHeader(code int) {
	if w.wrote || w.caught {
		return
	}
	if code == http.StatusNotFound {
		w.caught = true
		return
	}
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *notFoundWriter) Write(b []byte) (int, error) {
	if !w.wrote && !w.caught {
		w.WriteHeader(http.StatusOK)
	}
	if w.caught {
		if room := maxNotFoundBody - w.body.Len(); room > 0 {
			w.body.Write(b[:min(len(b), room)])
		}
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *notFoundWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
