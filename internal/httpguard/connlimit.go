package httpguard

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// perSourceListener caps the connections one client address holds open at
// once. Timeouts alone bound how long a slow or stalled connection lives;
// this bounds how many one source can hold meanwhile, so that a single
// machine cannot use up the server's file descriptors and leave nothing
// for anyone else (health checks included).
//
// A source is the TCP peer: an IPv4 address, or the /64 of an IPv6 one
// (one subscriber's network, which hands out many addresses). Trusted
// proxies are exempt, since every client behind them shares their address;
// loopback is not, so a local attacker is capped like any other (a local
// health check runs from a different source, or over a trusted proxy).
type perSourceListener struct {
	net.Listener
	max    int
	exempt []netip.Prefix
	log    *slog.Logger

	mu    sync.Mutex
	count map[netip.Addr]int
	// refusing bounds the refusals being written at once, so refusing
	// cannot itself hold many descriptors.
	refusing chan struct{}
}

// maxRefusing is how many over-the-cap connections may be answered at
// once; beyond it they are closed without an answer.
const maxRefusing = 64

func LimitPerSource(ln net.Listener, max int, exempt []netip.Prefix, log *slog.Logger) net.Listener {
	return &perSourceListener{Listener: ln, max: max, exempt: exempt, log: log,
		count: map[netip.Addr]int{}, refusing: make(chan struct{}, maxRefusing)}
}

// Accept returns the next connection whose source is under the cap, and
// answers the others with a 429.
func (l *perSourceListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src, ok := l.source(c)
		if !ok {
			return c, nil
		}
		l.mu.Lock()
		n := l.count[src]
		if n >= l.max {
			l.mu.Unlock()
			l.refuse(c, src)
			continue
		}
		l.count[src] = n + 1
		l.mu.Unlock()
		return &countedConn{Conn: c, release: func() { l.release(src) }}, nil
	}
}

// source is the key c counts under; ok is false for an exempt peer.
func (l *perSourceListener) source(c net.Conn) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}, false // not TCP (a test's pipe): nothing to count
	}
	addr := ap.Addr().Unmap()
	for _, p := range l.exempt {
		if p.Contains(addr) {
			return netip.Addr{}, false
		}
	}
	return sourceOf(addr), true
}

// sourceOf is addr's key: an IPv4 address itself, an IPv6 address its
// /64's first address (as the sign-in throttles count them).
func sourceOf(addr netip.Addr) netip.Addr {
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return addr
}

func (l *perSourceListener) release(src netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[src] <= 1 {
		delete(l.count, src)
		return
	}
	l.count[src]--
}

// refuseBody is the answer to a connection over the cap: npm prints the
// error field.
var refuseBody = func() []byte {
	b, _ := json.Marshal(map[string]string{"error": "too many connections from your address at once; close some (for example lower npm's maxsockets) and try again"})
	return b
}()

// refuse answers c with a 429 and closes it, without reading its request.
// It half-closes first and drains briefly, so that the client reads the
// answer instead of a reset.
func (l *perSourceListener) refuse(c net.Conn, src netip.Addr) {
	select {
	case l.refusing <- struct{}{}:
	default:
		c.Close()
		return
	}
	l.log.Debug("connection refused: too many from one source", "source", src.String(), "max", l.max)
	go func() {
		defer func() { <-l.refusing }()
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		fmt.Fprintf(c, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(refuseBody), refuseBody)
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
			io.Copy(io.Discard, io.LimitReader(c, 64<<10))
		}
	}()
}

// countedConn gives its slot back once, when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// ReadFrom and CloseWrite pass through what net/http looks for on a
// *net.TCPConn: sendfile for tarballs, and the half-close that lets a
// client read an error answered before its body was read.
func (c *countedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
