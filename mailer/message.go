// Package mailer builds and sends the e-mail Plaza sends followers, over
// SMTP. Every message carries a one-click way to stop (RFC 8058).
package mailer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"sort"
	"strings"
	"time"
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

// Bytes renders the message as RFC 5322 text: UTF-8, quoted-printable, with
// the List-Unsubscribe headers of RFC 2369 and RFC 8058.
func (m *Message) Bytes(now time.Time) ([]byte, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, fmt.Errorf("from address %q: %w", m.From, err)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("to address %q: %w", m.To, err)
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	h := map[string]string{
		"From":                      from.String(),
		"To":                        to.String(),
		"Subject":                   mime.QEncoding.Encode("utf-8", m.Subject),
		"Date":                      now.Format(time.RFC1123Z),
		"Message-ID":                "<" + hex.EncodeToString(id) + "@" + domain + ">",
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
	}
	if m.Unsubscribe != "" {
		h["List-Unsubscribe"] = "<" + m.Unsubscribe + ">"
		h["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	}
	var boundary string
	if m.HTML != "" {
		rb := make([]byte, 12)
		_, _ = rand.Read(rb)
		boundary = "plaza-" + hex.EncodeToString(rb)
		h["Content-Type"] = `multipart/alternative; boundary="` + boundary + `"`
		delete(h, "Content-Transfer-Encoding")
	}
	for k, v := range m.Headers {
		h[k] = v
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		if strings.ContainsAny(h[k], "\r\n") {
			return nil, fmt.Errorf("header %s contains a line break", k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\r\n", k, h[k])
	}
	b.WriteString("\r\n")
	if m.HTML == "" {
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	for _, part := range [][2]string{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part[0])
		if err := writeQP(&b, part[1]); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}

func writeQP(b *bytes.Buffer, text string) error {
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}
