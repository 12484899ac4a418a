// Package reqinfo carries what the layers of one HTTP request learn about
// it back out to the access log and the metrics: the endpoint it matched
// (a route pattern, never a raw path, so that metric labels stay bounded)
// and the account it was made by. The outermost middleware's
// ResponseWriter is a Recorder; a front-end that routes or authenticates
// tells it through the writer it was given (SetRoute, SetUser), which
// costs no copy of the request (the read path's 304 counts them).
package reqinfo

import "net/http"

// Recorder is implemented by a ResponseWriter that keeps what a request
// was.
type Recorder interface {
	RecordRoute(pattern string)
	RecordUser(name string)
}

// find walks w's Unwrap chain (as http.ResponseController does) to the
// Recorder, if any.
func find(w http.ResponseWriter) Recorder {
	for w != nil {
		if r, ok := w.(Recorder); ok {
			return r
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// SetRoute records the pattern of the endpoint the request matched, such
// as "PUT /{pkg}". Without a Recorder it does nothing.
func SetRoute(w http.ResponseWriter, pattern string) {
	if r := find(w); r != nil {
		r.RecordRoute(pattern)
	}
}

// SetUser records the name of the account the request was authenticated
// as. Without a Recorder it does nothing.
func SetUser(w http.ResponseWriter, name string) {
	if r := find(w); r != nil {
		r.RecordUser(name)
	}
}
