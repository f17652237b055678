// Package email is the e-mail channel: a notice as a multipart message
// (plain text and sanitized HTML) with one-click unsubscribe, and the
// daily or weekly digest.
package email

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/mail"
	"net/textproto"
	"strconv"

	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/outbound"
)

// Channel sends notices by e-mail.
type Channel struct {
	sender mailer.Sender
	links  *mailer.Links
	from   string
	page   *template.Template
}

const pageHTML = `<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 40em; margin: 0 auto; padding: 1em">
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{range .Items}}<article style="margin-bottom: 1.5em">
<h1 style="font-size: 1.3em">{{if .Emergency}}<span style="color: #a00000">⚠ </span>{{end}}{{.Subject}}</h1>
{{.Body}}
<p><a href="{{.URL}}">{{.ReadOnline}}</a></p>
</article>{{end}}
<hr>
<p style="font-size: 0.9em; color: #444">{{.Because}}<br>
<a href="{{.Unsubscribe}}">{{.UnsubscribeLabel}}</a> · <a href="{{.Preferences}}">{{.PreferencesLabel}}</a></p>
</body></html>`

// New builds the channel; from is the sender address, shown as "Account
// via Plaza".
func New(sender mailer.Sender, links *mailer.Links, from string) (*Channel, error) {
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail from %q: %w", from, err)
	}
	t, err := template.New("mail").Parse(pageHTML)
	if err != nil {
		return nil, fmt.Errorf("mail template: %w", err)
	}
	return &Channel{sender: sender, links: links, from: from, page: t}, nil
}

// Name is the channel's name on followers.
func (c *Channel) Name() string { return "email" }

type item struct {
	Subject    string
	Body       template.HTML
	URL        string
	ReadOnline string
	Emergency  bool
}

type page struct {
	Lang, Subject, Intro, Because      string
	Items                              []item
	Unsubscribe, Preferences           string
	UnsubscribeLabel, PreferencesLabel string
}

func lang(code string) i18n.Lang { return i18n.UILang(code) }

// message builds the e-mail for items; the language is the first item's.
func (c *Channel) message(to broadcast.Recipient, subject, intro string, items []*broadcast.Content) (*mailer.Message, error) {
	first := items[0]
	l := lang(first.Language)
	name := first.AccountName
	from := c.from
	if addr, err := mail.ParseAddress(c.from); err == nil {
		from = (&mail.Address{Name: name + " via Plaza", Address: addr.Address}).String()
	}
	rcpt := to.Address
	if to.Name != "" {
		rcpt = (&mail.Address{Name: to.Name, Address: to.Address}).String()
	}
	unsub, prefs := c.links.Unsubscribe(to.FollowerID), c.links.Preferences(to.FollowerID)
	p := page{Lang: cmp.Or(first.Language, l.Tag()), Subject: subject, Intro: intro, Because: i18n.T(l, "bc.mail_because", "@"+first.AccountHandle),
		Unsubscribe: unsub, Preferences: prefs,
		UnsubscribeLabel: i18n.T(l, "bc.mail_unsubscribe"), PreferencesLabel: i18n.T(l, "bc.mail_preferences")}
	var text bytes.Buffer
	if intro != "" {
		text.WriteString(intro + "\n\n")
	}
	for i, it := range items {
		if len(items) > 1 {
			fmt.Fprintf(&text, "%d. %s\n\n", i+1, it.Subject)
		}
		text.WriteString(it.Text + "\n\n" + i18n.T(l, "bc.mail_read_online", it.URL) + "\n\n")
		// The body was rendered from Markdown and sanitized by the
		// engine; it is the only unescaped part of the page.
		p.Items = append(p.Items, item{Subject: it.Subject, Body: template.HTML(it.HTML), URL: it.URL, //nolint:gosec // sanitized
			ReadOnline: i18n.T(l, "bc.mail_read_online", ""), Emergency: it.Emergency})
	}
	text.WriteString("-- \n" + i18n.T(l, "bc.mail_footer", "@"+first.AccountHandle, unsub, prefs))
	var html bytes.Buffer
	if err := c.page.Execute(&html, p); err != nil {
		return nil, fmt.Errorf("render mail: %w", err)
	}
	// The language of the notice the follower gets (theirs, or the
	// account's default), which mail clients use to pick a voice or a font.
	return &mailer.Message{From: from, To: rcpt, Subject: subject, Text: text.String(), HTML: html.String(),
		Unsubscribe: unsub, Headers: map[string]string{"Content-Language": first.Language}}, nil
}

// Send e-mails one notice.
func (c *Channel) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	if _, err := mail.ParseAddress(m.To.Address); err != nil {
		return broadcast.FailedResult("invalid e-mail address")
	}
	msg, err := c.message(m.To, m.Content.Subject, "", []*broadcast.Content{m.Content})
	if err != nil {
		return broadcast.FailedResult(reasonBuild).Because(err)
	}
	msg.Headers["X-Plaza-Delivery"] = m.DeliveryID
	if m.Content.Emergency {
		msg.Headers["Importance"] = "high"
	}
	return c.send(ctx, msg)
}

// SendDigest e-mails several notices at once; period is daily or weekly.
func (c *Channel) SendDigest(ctx context.Context, to broadcast.Recipient, period string, items []*broadcast.Content) broadcast.Result {
	if len(items) == 0 {
		return broadcast.SentResult()
	}
	l := lang(items[0].Language)
	key := "bc.digest_subject_daily"
	if period == "weekly" {
		key = "bc.digest_subject_weekly"
	}
	name := "@" + items[0].AccountHandle
	msg, err := c.message(to, i18n.T(l, key, name, len(items)), i18n.T(l, "bc.digest_intro", name), items)
	if err != nil {
		return broadcast.FailedResult(reasonBuild).Because(err)
	}
	msg.Headers["X-Plaza-Digest"] = period + "-" + strconv.Itoa(len(items))
	return c.send(ctx, msg)
}

// send maps the mail server's answer: a refused mailbox is a bounce, any
// other permanent refusal a failure, the rest worth retrying.
func (c *Channel) send(ctx context.Context, msg *mailer.Message) broadcast.Result {
	err := c.sender.Send(ctx, msg)
	if err == nil {
		return broadcast.SentResult()
	}
	var perm *mailer.PermanentError
	if errors.As(err, &perm) {
		if perm.Recipient {
			return broadcast.Result{Outcome: broadcast.Failed, Bounce: true, Reason: "mailbox rejected: " + smtpStatus(perm), Detail: perm}
		}
		return broadcast.FailedResult("mail refused: " + smtpStatus(perm)).Because(perm)
	}
	return broadcast.RetryResult("mail server: "+smtpStatus(err), 0).Because(err)
}

// reasonBuild is why a mail that could not be put together was not sent.
const reasonBuild = "the message could not be built"

// smtpStatus is the short part of a mail server's answer staff see: its
// reply code ("SMTP 550"), or what kept the answer from coming. The
// server's own words, which may quote addresses, go to the log.
func smtpStatus(err error) string {
	var te *textproto.Error
	if errors.As(err, &te) {
		return "SMTP " + strconv.Itoa(te.Code)
	}
	if r, ok := outbound.TransportReason(err); ok {
		return r
	}
	return "no valid answer"
}
