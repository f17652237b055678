package mailer

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/riverqueue/river"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// FollowerMailWorker sends the confirmation and welcome messages of the
// follow path.
type FollowerMailWorker struct {
	river.WorkerDefaults[jobs.FollowerMail]
	// Accounts loads the follower's account, whose name the mail bears.
	Accounts interface {
		AccountByID(ctx context.Context, id int64) (*models.Account, error)
	}
	// Followers loads the follower and marks a refused address bounced.
	Followers *follower.Service
	Sender    Sender
	Links     *Links
	// From is the sender address; the account's name is put in front.
	From string
}

// Work sends one message. A follower who was erased, or whose state no
// longer calls for the message (confirmed twice, unsubscribed before the
// welcome went out), gets nothing.
func (w *FollowerMailWorker) Work(ctx context.Context, job *river.Job[jobs.FollowerMail]) error {
	f, err := w.Followers.FollowerByID(ctx, job.Args.FollowerID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	a, err := w.Accounts.AccountByID(ctx, f.AccountID)
	if err != nil {
		return err
	}
	var msg *Message
	switch job.Args.Template {
	case jobs.MailConfirm:
		if f.Status != models.StatusPending {
			return nil
		}
		msg = w.confirm(f, a)
	case jobs.MailWelcome:
		if f.Status != models.StatusActive {
			return nil
		}
		msg = w.welcome(f, a)
	default:
		return river.JobCancel(fmt.Errorf("unknown follower mail template %q", job.Args.Template))
	}
	err = w.Sender.Send(ctx, msg)
	var perm *PermanentError
	if errors.As(err, &perm) {
		// The address does not exist: stop writing to it, so the sender's
		// reputation (and everyone else's mail) does not suffer.
		if perm.Recipient {
			if berr := w.Followers.MarkBounced(ctx, f.ID); berr != nil {
				return berr
			}
		}
		return river.JobCancel(err)
	}
	return err
}

func (w *FollowerMailWorker) base(f *models.Follower, a *models.Account) (*Message, i18n.Lang, string) {
	lang := i18n.UILang(f.Language)
	name := a.LocalName(string(lang))
	from := w.From
	if addr, err := mail.ParseAddress(w.From); err == nil {
		from = (&mail.Address{Name: name + " via Plaza", Address: addr.Address}).String()
	}
	return &Message{From: from, To: f.Address, Unsubscribe: w.Links.Unsubscribe(f.ID)}, lang, name
}

func (w *FollowerMailWorker) footer(lang i18n.Lang, name string, f *models.Follower) string {
	return "\n\n-- \n" + i18n.T(lang, "mail.footer", name, w.Links.Unsubscribe(f.ID))
}

func (w *FollowerMailWorker) confirm(f *models.Follower, a *models.Account) *Message {
	m, lang, name := w.base(f, a)
	m.Subject = i18n.T(lang, "mail.confirm.subject", name)
	m.Text = i18n.T(lang, "mail.confirm.body", name, w.Links.Confirm(f.ID)) + w.footer(lang, name, f)
	return m
}

func (w *FollowerMailWorker) welcome(f *models.Follower, a *models.Account) *Message {
	m, lang, name := w.base(f, a)
	m.Subject = i18n.T(lang, "mail.welcome.subject", name)
	page := strings.TrimRight(w.Links.BaseURL, "/") + "/@" + a.Handle
	m.Text = i18n.T(lang, "mail.welcome.body", name, page, w.Links.Preferences(f.ID)) + w.footer(lang, name, f)
	return m
}
