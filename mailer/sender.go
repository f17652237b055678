package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"time"

	"github.com/plazahq/plaza/redact"
)

// Sender delivers a message.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// NewSender builds the sender the configuration names: an smtp:// or
// smtps:// URL (smtp://user:pass@host:587 uses STARTTLS when the server
// offers it), or "log" to write messages to the log instead of sending
// them, for development without any mail server.
func NewSender(rawURL string, log *slog.Logger) (Sender, error) {
	if rawURL == "" || rawURL == "log" {
		return &logSender{log: log}, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, fmt.Errorf("smtp url %q: want smtp://[user:pass@]host:port, smtps://... or log", redact.String(rawURL))
	}
	s := &smtpSender{host: u.Hostname(), port: u.Port(), implicitTLS: u.Scheme == "smtps"}
	if s.port == "" {
		s.port = "25"
		if s.implicitTLS {
			s.port = "465"
		}
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, s.host)
	}
	return s, nil
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

type smtpSender struct {
	host, port  string
	implicitTLS bool
	auth        smtp.Auth
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
	body, err := m.Bytes(time.Now())
	if err != nil {
		return &PermanentError{Err: err}
	}
	from, _ := mail.ParseAddress(m.From)
	to, _ := mail.ParseAddress(m.To)
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	addr := net.JoinHostPort(s.host, s.port)
	var conn net.Conn
	if s.implicitTLS {
		conn, err = tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{ServerName: s.host})
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting from %s: %w", addr, err)
	}
	defer c.Close()
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: s.host}); err != nil {
				return fmt.Errorf("starttls with %s: %w", addr, err)
			}
		}
	}
	// Refusals of our own login or sender address are this instance's
	// configuration, not the message's fault: they stay retryable, so the
	// mail goes out once the operator fixes the settings.
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		err = classify(fmt.Errorf("smtp RCPT TO %s: %w", to.Address, err))
		var perm *PermanentError
		if errors.As(err, &perm) {
			perm.Recipient = true
		}
		return err
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return classify(fmt.Errorf("smtp end of data: %w", err))
	}
	return c.Quit()
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
