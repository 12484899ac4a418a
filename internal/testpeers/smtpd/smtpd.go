// Package smtpd runs a real SMTP server (emersion/go-smtp) inside a test
// process, on a loopback port, and keeps what it receives so that tests
// can read a mail and follow its links.
//
//	srv := smtpd.Start(t)
//	// ... configure the mailer with srv.Host, srv.Port, TLS "insecure_none" ...
//	got := srv.WaitFor(t, "alice@example.com", 5*time.Second)
//	link := got.Links()[0]
//
// StartWithAuth requires SMTP AUTH PLAIN with fixed credentials, so a test
// can prove the client authenticated; StartWith adds STARTTLS or implicit
// TLS with a throwaway certificate the client trusts through RootCAs.
package smtpd

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options choose how the server behaves. The zero value is a plain-text
// server without AUTH.
type Options struct {
	// Username and Password, when set, make the server offer AUTH PLAIN
	// and refuse MAIL FROM until a client authenticated with exactly them.
	Username, Password string
	// STARTTLS makes the server offer STARTTLS; AUTH is then offered only
	// after it. ImplicitTLS speaks TLS from the first byte instead.
	STARTTLS    bool
	ImplicitTLS bool
	// Delay is how long the server takes over each message before it
	// accepts it (a slow relay); SetDelay changes it while it runs.
	Delay time.Duration
}

// Server is a running SMTP server on 127.0.0.1.
type Server struct {
	Addr string // "127.0.0.1:port"
	Host string // "127.0.0.1"
	Port int
	// RootCAs trusts the server's certificate (STARTTLS or ImplicitTLS).
	RootCAs *x509.CertPool

	opts Options

	mu       sync.Mutex
	delay    time.Duration
	msgs     []Received
	taken    []bool        // taken[i]: msgs[i] was returned by WaitFor
	arrived  chan struct{} // closed and replaced when a message arrives
	attempts []AuthAttempt
	stopped  bool
	tb       testing.TB
}

// AuthAttempt records one AUTH PLAIN exchange.
type AuthAttempt struct {
	Username string
	OK       bool
}

// Received is one message the server accepted.
type Received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data []byte   // the message as sent, headers and body
	// Subject is the decoded Subject header; Text the decoded text/plain
	// body with LF line ends. Both are empty if Data does not parse.
	Subject, Text string
	// AuthUser is who authenticated for this message, if anyone; TLS says
	// whether the session was encrypted when the message came.
	AuthUser string
	TLS      bool
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// Links returns the http and https URLs in the body, in order.
func (r Received) Links() []string {
	var links []string
	for _, l := range linkPattern.FindAllString(r.Text, -1) {
		links = append(links, strings.TrimRight(l, ".,;:!?)]}"))
	}
	return links
}

// Start runs a plain-text server without AUTH until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWithAuth runs a plain-text server that requires AUTH PLAIN with
// username and password (allowed without TLS: it listens on loopback only).
func StartWithAuth(t testing.TB, username, password string) *Server {
	t.Helper()
	return StartWith(t, Options{Username: username, Password: password})
}

// StartWith runs a server as opts say until the test ends.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.STARTTLS && opts.ImplicitTLS {
		t.Fatal("smtpd: choose STARTTLS or ImplicitTLS, not both")
	}
	s := &Server{opts: opts, arrived: make(chan struct{}), tb: t, delay: opts.Delay}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	srv.ErrorLog = errorLog{s}
	// AUTH in clear text is fine on loopback; with TLS on, it waits for TLS.
	srv.AllowInsecureAuth = !opts.STARTTLS && !opts.ImplicitTLS

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtpd: listen: %v", err)
	}
	if opts.STARTTLS || opts.ImplicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			l.Close()
			t.Fatalf("smtpd: certificate: %v", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.RootCAs = pool
		if opts.ImplicitTLS {
			l = tls.NewListener(l, srv.TLSConfig)
		}
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Addr, s.Host, s.Port = addr.String(), addr.IP.String(), addr.Port

	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l) // returns when Close closes the listener
	}()
	t.Cleanup(func() {
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
		srv.Close()
		// Close only closes listeners Serve has registered: a test that
		// never connects can end before the goroutine gets there, and
		// Serve would then wait on an open listener forever. Closing it
		// here makes that Accept fail (Serve sees Close was called).
		l.Close()
		<-done
	})
	return s
}

// SetDelay sets how long each message takes from now on (Options.Delay).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// AuthAttempts returns every AUTH exchange so far, oldest first.
func (s *Server) AuthAttempts() []AuthAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts)
}

// WaitFor returns the oldest message to the recipient to (compared without
// regard to case) that no earlier WaitFor returned, waiting for it to
// arrive for up to timeout. It fails the test if none comes.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	return s.wait(t, to, "", timeout)
}

// WaitForSubject is WaitFor for the oldest such message whose subject
// contains subject. The messages to the same recipient before it count as
// seen: a later WaitFor returns what came after it.
func (s *Server) WaitForSubject(t testing.TB, to, subject string, timeout time.Duration) Received {
	t.Helper()
	return s.wait(t, to, subject, timeout)
}

func (s *Server) wait(t testing.TB, to, subject string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] && strings.Contains(m.Subject, subject) && slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
				for j := range i {
					if slices.ContainsFunc(s.msgs[j].To, func(r string) bool { return strings.EqualFold(r, to) }) {
						s.taken[j] = true
					}
				}
				s.taken[i] = true
				s.mu.Unlock()
				return m
			}
		}
		arrived := s.arrived
		var got [][]string
		for _, m := range s.msgs {
			got = append(got, m.To)
		}
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-deadline.C:
			if subject != "" {
				t.Fatalf("smtpd: no new message to %s about %q within %s; subjects so far: %q", to, subject, timeout, s.subjects())
			}
			t.Fatalf("smtpd: no new message to %s within %s; messages so far went to %v", to, timeout, got)
			return Received{}
		}
	}
}

// subjects lists the subjects of every message so far.
func (s *Server) subjects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.msgs {
		out = append(out, m.Subject)
	}
	return out
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	s.taken = append(s.taken, false)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// errorLog is go-smtp's error log: the test's log while the test runs,
// nothing after.
type errorLog struct{ s *Server }

func (l errorLog) Printf(format string, v ...any) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if !l.s.stopped {
		l.s.tb.Logf("smtpd: "+format, v...)
	}
}

func (l errorLog) Println(v ...any) {
	l.Printf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session is one SMTP session; it implements smtp.AuthSession.
type session struct {
	srv      *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

func (ss *session) authRequired() bool { return ss.srv.opts.Username != "" }

func (ss *session) AuthMechanisms() []string {
	if !ss.authRequired() {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !ss.authRequired() || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		ok := (identity == "" || identity == username) &&
			username == ss.srv.opts.Username && password == ss.srv.opts.Password
		ss.srv.mu.Lock()
		ss.srv.attempts = append(ss.srv.attempts, AuthAttempt{Username: username, OK: ok})
		ss.srv.mu.Unlock()
		if !ok {
			return smtp.ErrAuthFailed
		}
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.authRequired() && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	ss.to = nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.authRequired() && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	if ss.authRequired() && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.srv.mu.Lock()
	delay := ss.srv.delay
	ss.srv.mu.Unlock()
	time.Sleep(delay) // a slow relay: the client waits for the reply to DATA
	_, isTLS := ss.conn.TLSConnectionState()
	rec := Received{From: ss.from, To: slices.Clone(ss.to), Data: data, AuthUser: ss.authUser, TLS: isTLS}
	rec.Subject, rec.Text, _ = Parse(data)
	ss.srv.add(rec)
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// Parse decodes the Subject and the first text/plain part of an RFC 5322
// message, undoing quoted-printable or base64 transfer encoding and
// turning CRLF into LF.
func Parse(data []byte) (subject, text string, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", "", err
	}
	dec := new(mime.WordDecoder)
	subject, err = dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return "", "", fmt.Errorf("subject: %w", err)
	}
	body, err := textPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		return subject, "", err
	}
	return subject, strings.ReplaceAll(string(body), "\r\n", "\n"), nil
}

func textPart(contentType, encoding string, body io.Reader) ([]byte, error) {
	mediaType, params := "text/plain", map[string]string{}
	if contentType != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return nil, fmt.Errorf("content-type: %w", err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return nil, fmt.Errorf("no text/plain part: %w", err)
			}
			b, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return b, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return nil, fmt.Errorf("%s is not text/plain", mediaType)
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &crlfStripper{r: body})
	case "", "7bit", "8bit", "binary":
	default:
		return nil, errors.New("unknown transfer encoding " + encoding)
	}
	return io.ReadAll(body)
}

// crlfStripper drops line breaks, which base64 bodies carry every 76 bytes.
type crlfStripper struct{ r io.Reader }

func (c *crlfStripper) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	j := 0
	for _, b := range p[:n] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	return j, err
}

// selfSigned makes a short-lived certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtpd test server"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
