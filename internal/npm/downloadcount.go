package npm

import (
	"io"
	"net/http"
	"net/netip"

	"github.com/rampart/rampart/internal/registry"
)

// completeWriter watches a tarball response to learn whether it was a
// complete download: status 200 and every byte of the file written.
type completeWriter struct {
	http.ResponseWriter
	status  int
	written int64
	failed  bool
}

func (w *completeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *completeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	if err != nil {
		w.failed = true
	}
	return n, err
}

// ReadFrom keeps the sendfile path that http.ServeContent takes through
// io.Copy: without it every tarball would be copied through user space.
func (w *completeWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
	}
	w.written += n
	if err != nil {
		w.failed = true
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *completeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countIfComplete counts the download when the response was a complete
// GET of the file. A HEAD, a ranged request (206), a revalidation (304)
// or a transfer cut short is not a download: counting those let anyone
// inflate a package's downloads, and with them the unpublish policy and
// the critical-package ranking, with requests that cost nothing.
func (h *Handler) countIfComplete(r *http.Request, w *completeWriter, tb *registry.Tarball, addr netip.Addr) {
	if w.complete(r, tb.Size) {
		h.reg.CountDownload(tb, addr)
	}
}

// complete says whether the response was a complete GET of a file of
// size bytes: the one rule for local and proxied downloads.
func (w *completeWriter) complete(r *http.Request, size int64) bool {
	return r.Method == http.MethodGet && w.status == http.StatusOK && !w.failed && w.written == size
}
