// Package mailer builds and sends the e-mail Plaza sends followers, over
// SMTP. Every message carries a one-click way to stop (RFC 8058).
package mailer

import (
	"crypto/rand"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail.
type Message struct {
	From    string
	To      string
	Subject string
	Text    string
	// HTML, when set, is sent as an alternative to Text; it must already
	// be safe (escaped or sanitized).
	HTML string
	// Unsubscribe is the one-click URL for List-Unsubscribe; every message
	// to a follower has one.
	Unsubscribe string
	Headers     map[string]string
}

// mime renders the message for go-mail: UTF-8, quoted-printable, with the
// List-Unsubscribe headers of RFC 2369 and RFC 8058.
func (m *Message) mime(now time.Time) (*gomail.Msg, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("from address %q: %w", m.From, err)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("to address %q: %w", m.To, err)
	}
	// go-mail encodes the values of ordinary headers, but writes the
	// List-Unsubscribe ones as they are: a line break there would start a
	// header of the caller's choosing.
	for k, v := range m.Headers {
		if strings.ContainsAny(k+v, "\r\n") {
			return nil, fmt.Errorf("header %s contains a line break", k)
		}
	}
	if strings.ContainsAny(m.Unsubscribe, "\r\n") {
		return nil, fmt.Errorf("header List-Unsubscribe contains a line break")
	}
	// No User-Agent: which library sends is of no use to the reader and
	// tells an attacker what to look for.
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	// The Message-ID names the sender's domain rather than go-mail's
	// default, this machine's host name, which means nothing outside it.
	msg.SetMessageIDWithValue(rand.Text() + "@" + from.Address[strings.LastIndexByte(from.Address, '@')+1:])
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.Unsubscribe != "" {
		// Not SetListUnsubscribeOneClick: it insists on https, and a
		// development instance's links are http.
		msg.SetListUnsubscribe(m.Unsubscribe)
		msg.SetListUnsubscribePost()
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}
