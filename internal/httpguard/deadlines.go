package httpguard

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/internal/core"
	"github.com/rampart/rampart/internal/limits"
)

// Deadlines on the connection, per request, instead of http.Server's
// ReadTimeout and WriteTimeout: those would be one number for every
// request, and a number long enough for the slowest honest publish (about
// 20 minutes at 1 Mbit/s) would let every stalled anonymous request hold
// its connection that long. Here each body gets the grace plus its own size
// at limits.MinBytesPerSecond, so a request that promises a few hundred
// bytes and sends none is cut after about the grace, and each response
// write gets the same rate, so a client that stops reading a download is
// cut too. A handler that knows better may still set its own deadline with
// http.ResponseController after this one.

// WithDeadlines bounds the time to receive each request body and to send
// each piece of each response.
func WithDeadlines(next http.Handler, lim limits.Limits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, rc: *http.NewResponseController(w), lim: lim}
		rc := &dw.rc
		var db *deadlineBody
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			// A deadline left from an earlier request on this connection
			// must not cut the "100 Continue" net/http writes when the
			// body is first read. Every other write of this request's
			// goes through dw, which sets a deadline first, or happens
			// after the handler returns (below).
			_ = rc.SetWriteDeadline(time.Time{})
			// No read deadline is set for a request without a body:
			// net/http reads ahead on such a connection at once, and a
			// deadline passing there would cancel the request's context.
			timeout := lim.BodyTimeout(bodyBytes(r, lim))
			_ = rc.SetReadDeadline(time.Now().Add(timeout))
			db = &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: timeout, lim: lim}
			r.Body = db
			dw.body = db
		}
		next.ServeHTTP(dw, r)
		if db != nil && !db.done {
			// The handler answered without reading the whole body (a
			// refusal before the body, a body that stopped arriving); the
			// answer said "Connection: close" (deadlineWriter), so
			// net/http sends it without first reading what is left.
			// Afterwards it reads up to 256 KiB more, looking for the end,
			// before it closes: give it back its own body (it knows when
			// not to bother) and bound that read, since a handler may
			// have lifted the deadline and a stalled client must not hold
			// the connection for ever.
			r.Body = db.ReadCloser
			_ = rc.SetReadDeadline(time.Now().Add(drainTime))
		}
		// What is still buffered goes out after the handler returns.
		_ = rc.SetWriteDeadline(time.Now().Add(lim.BodyTimeout(4096)))
	})
}

// bodyBytes is the most body r may carry: what it declares, but never more
// than its endpoint accepts (a publish, or any other JSON or form body).
func bodyBytes(r *http.Request, lim limits.Limits) int64 {
	most := int64(limits.MaxJSONBodyBytes)
	if r.Method == http.MethodPut && !strings.HasPrefix(r.URL.Path, "/-/") {
		most = lim.PublishBodyBytes()
	}
	if r.ContentLength >= 0 && r.ContentLength < most {
		return r.ContentLength
	}
	return most
}

// deadlineBody turns a read deadline that passed into a message for the
// client, and lifts the deadline once the body has been read: net/http
// then starts reading ahead on the connection, and a deadline passing
// there would cancel the request's context while the handler works.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	lim     limits.Limits
	done    bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case errors.Is(err, io.EOF) && !b.done:
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = core.Errorf(core.KindInvalid, "the request body did not arrive within %s (this registry expects at least %d KiB/s after %d s, limits.min_bytes_per_second and limits.body_grace_seconds); retry over a faster or steadier connection",
			b.timeout.Round(time.Second), b.lim.MinBytesPerSecond/1024, b.lim.BodyGraceSeconds)
	}
	return n, err
}

// drainTime bounds how long net/http may read what is left of a body the
// handler did not read, after the answer has gone out.
const drainTime = 2 * time.Second

// deadlineWriter gives each write the grace plus its size at the minimum
// rate, and closes the connection after an answer given before the body
// was read to its end.
//
// WriteHeader sets no deadline for a final status: net/http buffers the
// header until the first write that reaches the connection (a Write,
// ReadFrom or Flush here, each of which sets one) or until the handler
// returns (when WithDeadlines sets one), so a deadline set there would
// only be replaced.
// An answer with no body (a 304) thus costs one timer update, not three.
type deadlineWriter struct {
	http.ResponseWriter
	rc   http.ResponseController // of ResponseWriter
	lim  limits.Limits
	body *deadlineBody // nil for a request without a body
}

// beforeAnswer marks an answer to a request whose body is not read to the
// end "Connection: close". Without it net/http reads up to 256 KiB of the
// rest before it sends the answer, and a client that stopped sending would
// never get it.
func (w *deadlineWriter) beforeAnswer() {
	if w.body != nil && !w.body.done {
		w.Header().Set("Connection", "close")
	}
}

func (w *deadlineWriter) extend(n int64) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.lim.BodyTimeout(n)))
}

func (w *deadlineWriter) WriteHeader(code int) {
	w.beforeAnswer()
	if code < 200 {
		// net/http writes an informational answer (103) at once.
		w.extend(0)
	}
	w.ResponseWriter.WriteHeader(code)
}

// FlushError sends what is buffered, within a deadline of its own: a
// handler that flushes (http.ResponseController.Flush reaches this through
// the writers' Unwrap) may have written only a header.
func (w *deadlineWriter) FlushError() error {
	w.beforeAnswer()
	w.extend(4096)
	return w.rc.Flush()
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.beforeAnswer()
	w.extend(int64(len(p)))
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the sendfile path for tarballs. The size comes from
// Content-Length (http.ServeContent sets it); without one, the largest
// tarball is assumed.
func (w *deadlineWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64)
	if err != nil || n < 0 {
		n = w.lim.TarballBytes
	}
	w.beforeAnswer()
	w.extend(n)
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
