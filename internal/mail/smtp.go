package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// The values of SMTPConfig.TLS.
const (
	// TLSStartTLS connects in plain text and upgrades with STARTTLS before
	// anything else is said; a relay that does not offer STARTTLS is an
	// error, never a reason to carry on in plain text. The default.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit = "tls"
	// TLSInsecureNone sends in plain text, credentials included. Only for
	// a relay on a loopback address (a test server, a local MTA), unless
	// InsecureAllowPlaintextRemote is set as well.
	TLSInsecureNone = "insecure_none"
)

// Default ports per TLS mode, used when SMTPConfig.Port is 0.
const (
	DefaultSubmissionPort = 587 // starttls
	DefaultSMTPSPort      = 465 // tls
	DefaultSMTPPort       = 25  // insecure_none
)

// DefaultTimeout bounds one Send when SMTPConfig.Timeout is 0: the dial,
// and then each exchange with the relay.
const DefaultTimeout = 30 * time.Second

// SMTPConfig says how to reach the SMTP relay. The zero value of every
// optional field is the secure choice.
type SMTPConfig struct {
	// Host is the relay's DNS name or IP address, without a port. Required.
	// The relay's certificate must be valid for this name.
	Host string `toml:"host"`
	// Port defaults by TLS mode: 587 for starttls, 465 for tls, 25 for
	// insecure_none.
	Port int `toml:"port"`
	// Username and Password enable SMTP AUTH (PLAIN, else LOGIN, whichever
	// the relay offers); both or neither must be set.
	Username string `toml:"username"`
	Password string `toml:"password"`
	// From is the sender, "noreply@example.com" or
	// "Rampart <noreply@example.com>". Required.
	From string `toml:"from"`
	// TLS is "starttls" (the default when empty), "tls" or
	// "insecure_none"; see the TLS* constants.
	TLS string `toml:"tls"`
	// Timeout bounds the dial and each exchange with the relay. Default 30s.
	Timeout time.Duration `toml:"timeout"`
	// InsecureAllowPlaintextRemote lets TLS = "insecure_none" talk to a
	// relay that is not on a loopback address, which sends the message and
	// any credentials across the network in clear text.
	InsecureAllowPlaintextRemote bool `toml:"insecure_allow_plaintext_remote"`
}

// String describes c without its password.
func (c SMTPConfig) String() string {
	c = c.withDefaults()
	s := fmt.Sprintf("smtp %s (tls=%s, from %s", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS, c.From)
	if c.Username != "" {
		s += ", user " + c.Username
	}
	return s + ")"
}

// LogValue keeps the password out of logs.
func (c SMTPConfig) LogValue() slog.Value {
	c = c.withDefaults()
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("tls", c.TLS),
		slog.String("from", c.From),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
	)
}

// withDefaults fills the optional fields.
func (c SMTPConfig) withDefaults() SMTPConfig {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSStartTLS:
			c.Port = DefaultSubmissionPort
		case TLSImplicit:
			c.Port = DefaultSMTPSPort
		case TLSInsecureNone:
			c.Port = DefaultSMTPPort
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports the first setting that is wrong, in words an operator
// can act on. Every error wraps ErrInvalidConfig.
func (c SMTPConfig) Validate() error {
	c = c.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: smtp: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if c.Host == "" {
		return bad("host is required (the relay's DNS name or IP address)")
	}
	if err := checkHost(c.Host); err != nil {
		return bad("host %q: %w", c.Host, err)
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit:
	case TLSInsecureNone:
		if !isLoopback(c.Host) && !c.InsecureAllowPlaintextRemote {
			return bad("tls = %q sends mail and credentials in clear text, so it is only allowed for a relay on a loopback address, not %q; "+
				"use %q or %q, or set insecure_allow_plaintext_remote = true if you accept that", c.TLS, c.Host, TLSStartTLS, TLSImplicit)
		}
	default:
		return bad("tls %q is not one of %q (the default), %q or %q", c.TLS, TLSStartTLS, TLSImplicit, TLSInsecureNone)
	}
	if c.Port < 1 || c.Port > 65535 {
		return bad("port %d is not between 1 and 65535", c.Port)
	}
	if c.From == "" {
		return bad("from is required (the sender address, e.g. noreply@example.com)")
	}
	if hasControl(c.From) {
		return bad("from %q contains a line break or control character", c.From)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return bad("from %q is not a valid address (%w); write noreply@example.com or \"Name <noreply@example.com>\"", c.From, err)
	}
	if (c.Username == "") != (c.Password == "") {
		return bad("username and password go together: set both for SMTP AUTH, or neither")
	}
	if hasControl(c.Username) || hasControl(c.Password) {
		return bad("username and password must not contain line breaks or control characters")
	}
	if c.Timeout < 0 {
		return bad("timeout %s is negative", c.Timeout)
	}
	return nil
}

// checkHost accepts an IP address or a DNS name, and nothing that looks
// like a port, a path or a URL.
func checkHost(h string) error {
	if net.ParseIP(h) != nil {
		return nil
	}
	if strings.Contains(h, "://") {
		return errors.New("write the host name alone, without a scheme")
	}
	if _, _, err := net.SplitHostPort(h); err == nil {
		return errors.New("write the host name alone and put the port in port")
	}
	if len(h) > 253 {
		return errors.New("longer than 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errors.New("not a valid DNS name")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return errors.New("not a valid DNS name or IP address")
			}
		}
	}
	return nil
}

func isLoopback(h string) bool {
	if strings.EqualFold(strings.TrimSuffix(h, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// SMTPOption adjusts an SMTPMailer beyond its configuration.
type SMTPOption func(*SMTPMailer)

// WithRootCAs makes the mailer trust the certificates in pool, instead of
// the system's roots, when it verifies the relay. Tests use it to trust a
// loopback server's self-signed certificate.
func WithRootCAs(pool *x509.CertPool) SMTPOption {
	return func(s *SMTPMailer) { s.rootCAs = pool }
}

// WithClock sets the clock that dates messages. The default is time.Now.
func WithClock(now func() time.Time) SMTPOption {
	return func(s *SMTPMailer) { s.now = now }
}

// SMTPMailer sends each message over its own SMTP session with the relay.
// It is safe for concurrent use.
type SMTPMailer struct {
	cfg     SMTPConfig
	from    *mail.Address
	log     *slog.Logger
	rootCAs *x509.CertPool
	now     func() time.Time
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTP validates cfg and returns a mailer for it. It does not contact
// the relay; the first Send does. A nil log means slog.Default().
func NewSMTP(cfg SMTPConfig, log *slog.Logger, opts ...SMTPOption) (*SMTPMailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	from, err := mail.ParseAddress(cfg.From)
	if err != nil { // cannot happen after Validate
		return nil, fmt.Errorf("%w: smtp: from: %w", ErrInvalidConfig, err)
	}
	if log == nil {
		log = slog.Default()
	}
	s := &SMTPMailer{cfg: cfg, from: from, log: log, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Send implements Mailer: it opens an SMTP session, secures it as
// configured, authenticates when a username is set, sends m and quits.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: send %s: %w", m.Kind, err)
	}
	msg, err := m.build(s.from, s.now())
	if err != nil {
		return err
	}

	// Every connection of this session is closed when ctx ends, which
	// aborts whatever exchange is under way, and in any case on return.
	var conns connSet
	defer conns.closeAll()
	stop := context.AfterFunc(ctx, conns.closeAll)
	defer stop()

	client, err := s.client(&conns)
	if err != nil {
		return fmt.Errorf("mail: %s: %w", s.cfg, err)
	}
	sess, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.fail(ctx, m, "connect", err)
	}
	if err := client.SendWithSMTPClient(sess, msg); err != nil {
		return s.fail(ctx, m, "send", err)
	}
	// The relay has accepted the message; a failing QUIT changes nothing.
	stop()
	if err := client.CloseWithSMTPClient(sess); err != nil {
		s.log.LogAttrs(ctx, slog.LevelDebug, "smtp quit failed after the message was accepted", slog.Any("error", err))
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "mail sent",
		slog.String("kind", m.Kind),
		slog.Any("to", m.To),
		slog.String("message_id", msg.GetMessageID()),
		slog.String("relay", net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))))
	return nil
}

// client builds a go-mail client for one session. A fresh client per Send
// keeps sessions independent: go-mail's Client holds per-connection state.
func (s *SMTPMailer) client(conns *connSet) (*gomail.Client, error) {
	tlsConfig := &tls.Config{
		ServerName: s.cfg.Host,
		MinVersion: tls.VersionTLS12,
		RootCAs:    s.rootCAs,
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	timeout := s.cfg.Timeout
	implicit := s.cfg.TLS == TLSImplicit

	// Our own dialer lets ctx cancel a session midway (go-mail's only
	// watches ctx while dialing) and joins host and port correctly for
	// IPv6 literals. With it, go-mail leaves implicit TLS to us.
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout}
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conns.add(raw)
		if !implicit {
			return raw, nil
		}
		tc := tls.Client(raw, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		return tc, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial),
	}
	switch s.cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// The dialer did the handshake; STARTTLS inside TLS makes no sense.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSInsecureNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		// PLAIN, else LOGIN. go-mail's own discovery would rule both out
		// under implicit TLS, since it cannot see our dialer's handshake;
		// its PLAIN and LOGIN still refuse to send credentials unless the
		// connection is TLS or goes to localhost.
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if s.cfg.TLS == TLSInsecureNone {
			// Validate allowed plain text here, loopback or explicitly.
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(mechs...),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// fail turns a go-mail error into ours: ctx's error when ctx ended, else
// ErrAuthFailed or ErrTLSUnavailable where they apply.
func (s *SMTPMailer) fail(ctx context.Context, m Message, stage string, err error) error {
	where := fmt.Sprintf("mail: %s %s via %s", stage, m.Kind, s.cfg)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w (%w)", where, ctxErr, err)
	}
	var tpErr *textproto.Error
	if errors.As(err, &tpErr) && tpErr.Code == 535 {
		return fmt.Errorf("%s: %w: the relay rejected username %q and its password: %w", where, ErrAuthFailed, s.cfg.Username, err)
	}
	// go-mail v0.8.1 (client.go, Client.tls) has no sentinel for this
	// case; TestSMTPStartTLSRequired pins the wording.
	if s.cfg.TLS == TLSStartTLS && strings.Contains(err.Error(), "does not support STARTTLS") {
		return fmt.Errorf("%s: %w; refusing to send in clear text (use tls = %q if the relay speaks TLS from the start): %w",
			where, ErrTLSUnavailable, TLSImplicit, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// connSet holds the connections one Send opened.
type connSet struct {
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func (c *connSet) add(conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		conn.Close()
		return
	}
	c.conns = append(c.conns, conn)
}

func (c *connSet) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}
