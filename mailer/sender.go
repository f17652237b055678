package mailer

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/plazahq/plaza/redact"
)

// Sender delivers a message.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// How long one message (or one dial) may take, and how SMTP sessions are
// kept between messages.
const (
	smtpTimeout = 30 * time.Second
	// DefaultConnections is how many SMTP sessions one instance opens
	// at most. A broadcast has hundreds of messages in flight; they take
	// turns on these sessions, each kept open for the next message,
	// instead of dialing a session per message and hanging up (a mail
	// server limits the sessions one client may hold: Postfix's default
	// is 50).
	DefaultConnections = 16
	// idleTimeout closes a session no message has used for this long,
	// well before the 5 minutes after which RFC 5321 lets a server hang
	// up, so a quiet instance holds no sessions.
	idleTimeout = 30 * time.Second
)

// NewSender builds the sender the configuration names: an smtp:// or
// smtps:// URL (smtp://user:pass@host:587 uses STARTTLS when the server
// offers it), or "log" to write messages to the log instead of sending
// them, for development without any mail server.
//
// An SMTP sender opens at most connections sessions at once (0:
// DefaultConnections), keeps them open between messages and gives each
// message the next free one; Close ends them.
func NewSender(rawURL string, connections int, log *slog.Logger) (Sender, error) {
	if rawURL == "" || rawURL == "log" {
		return &logSender{log: log}, nil
	}
	bad := fmt.Errorf("smtp url %q: want smtp://[user:pass@]host:port, smtps://... or log", redact.String(rawURL))
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, bad
	}
	host, implicitTLS := u.Hostname(), u.Scheme == "smtps"
	port := 25
	if implicitTLS {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, bad
		}
	}
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(smtpTimeout), gomail.WithTLSConfig(tlsConfig),
		// The dial is Plaza's so that a message's context can close its
		// connection at any step (see dialed).
		gomail.WithDialContextFunc(dialFunc(implicitTLS, tlsConfig))}
	if implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		// As before go-mail: STARTTLS when the server offers it, plain
		// SMTP otherwise (a local relay or the development sink).
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if u.User != nil {
		// PLAIN refuses to send the password over a connection that is
		// not encrypted, except to localhost.
		pw, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(u.User.Username()),
			gomail.WithPassword(pw))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", bad, err)
	}
	if connections <= 0 {
		connections = DefaultConnections
	}
	return &smtpSender{client: c, addr: net.JoinHostPort(host, strconv.Itoa(port)),
		slots: make(chan struct{}, connections), idle: &idlePool{max: connections, timeout: idleTimeout}}, nil
}

type logSender struct{ log *slog.Logger }

// Send writes the message to the log instead of sending it. At the info
// level only the subject shows: the address and the text (with working
// confirmation and unsubscribe links) are personal data and secrets, so
// they appear only at the debug level a developer turns on.
func (l *logSender) Send(ctx context.Context, m *Message) error {
	l.log.Info("e-mail not sent: PLAZA_SMTP_URL is log (run with --log-level debug to see it, or use plaza mailsink)",
		"subject", m.Subject)
	l.log.Debug("e-mail not sent", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

// smtpSender sends through go-mail. go-mail's own Client keeps one
// session and sends on it one message at a time; the broadcast engine
// sends from many goroutines, so the sender keeps a pool of sessions
// instead: a message waits for one of the slots, takes an idle session or
// dials a new one, and gives it back when the server's answer left it
// usable.
type smtpSender struct {
	// client holds the server's settings and runs the SMTP dialogue on a
	// given session; it is safe for concurrent use that way.
	client *gomail.Client
	addr   string
	// slots bounds the sessions open at once: a message holds one from
	// taking a session until it gives it back.
	slots chan struct{}
	idle  *idlePool
}

// PermanentError is a refusal that retrying will not fix (a 5xx reply).
// Recipient is set when the server refused the address itself.
type PermanentError struct {
	Err       error
	Recipient bool
}

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

func (s *smtpSender) Send(ctx context.Context, m *Message) error {
	msg, err := m.mime(time.Now())
	if err != nil {
		return &PermanentError{Err: err}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wait for an SMTP session: %w", ctx.Err())
	}
	defer func() { <-s.slots }()
	for {
		sess := s.idle.take()
		reused := sess != nil
		if !reused {
			if sess, err = s.dial(ctx); err != nil {
				return fmt.Errorf("connect to %s: %w", s.addr, err)
			}
		}
		err = s.transact(ctx, sess, msg)
		var se *gomail.SendError
		if reused && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck && ctx.Err() == nil {
			// The server ended the session while it waited (go-mail
			// checks with NOOP before MAIL): nothing of this message
			// was sent, so it goes on the next session.
			sess.drop()
			continue
		}
		return s.finish(sess, msg, m.To, err)
	}
}

// dial opens a session; the context can end it at any step of the
// handshake, which go-mail bounds only by its timeout.
func (s *smtpSender) dial(ctx context.Context) (*session, error) {
	d := &dialed{}
	stop := context.AfterFunc(ctx, d.close)
	c, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, dialedKey{}, d))
	if !stop() {
		// The context ended and closed the connection, whatever the
		// handshake made of it.
		return nil, fmt.Errorf("%w: %w", ctx.Err(), cmp.Or(err, net.ErrClosed))
	}
	if err != nil {
		// go-mail leaves the connection open when the greeting, STARTTLS
		// or AUTH fails.
		d.close()
		return nil, err
	}
	return &session{c: c, conn: d.conn}, nil
}

// transact sends one message on the session; the context ends it by
// closing the connection, since go-mail's dialogue heeds no context.
func (s *smtpSender) transact(ctx context.Context, sess *session, msg *gomail.Msg) error {
	stop := context.AfterFunc(ctx, func() { sess.conn.Close() })
	err := s.client.SendWithSMTPClient(sess.c, msg)
	if !stop() {
		sess.broken = true
		if err != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}
	return err
}

// finish gives the session back or closes it, and turns go-mail's error
// into Plaza's: a refused recipient or message is permanent, the rest may
// be retried.
func (s *smtpSender) finish(sess *session, msg *gomail.Msg, to string, err error) error {
	if err == nil && !sess.broken {
		s.idle.put(sess)
		return nil
	}
	if msg.IsDelivered() {
		// The server accepted the message; only what followed (the RSET
		// that readies the session for the next one) failed. Sending it
		// again would deliver it twice.
		sess.drop()
		return nil
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		sess.drop()
		return fmt.Errorf("smtp: %w", err)
	}
	code := se.ErrorCode()
	if code != 0 && !sess.broken && sess.c.Reset() == nil {
		// The server answered: the session is in step and can carry the
		// next message once the refused transaction is reset.
		s.idle.put(sess)
	} else {
		sess.drop()
	}
	var reply error = se
	if code != 0 {
		// The reply code is what callers classify and show staff.
		reply = &textproto.Error{Code: code, Msg: se.Error()}
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo:
		err = classify(fmt.Errorf("smtp RCPT TO %s: %w", to, reply))
		var perm *PermanentError
		if errors.As(err, &perm) {
			perm.Recipient = true
		}
		return err
	case gomail.ErrSMTPDataClose:
		return classify(fmt.Errorf("smtp end of data: %w", reply))
	}
	// Refusals of our own login or sender address are this instance's
	// configuration, not the message's fault: they stay retryable, so the
	// mail goes out once the operator fixes the settings.
	return fmt.Errorf("smtp: %w", reply)
}

// Close ends the idle sessions. Messages sent afterwards still go out,
// each on a session of its own.
func (s *smtpSender) Close() error {
	s.idle.close()
	return nil
}

// classify marks a 5xx reply to the recipient or to the message itself
// permanent; everything else may be retried.
func classify(err error) error {
	var reply *textproto.Error
	if errors.As(err, &reply) && reply.Code >= 500 {
		return &PermanentError{Err: err}
	}
	return err
}
