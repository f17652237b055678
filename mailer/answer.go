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
)

// AnswerRevisions is what the worker needs of the projects' domain.
type AnswerRevisions interface {
	AnswerRevisionByID(ctx context.Context, id int64) (*models.AnswerRevision, error)
}

// AnswerMailWorker sends the link that confirms a revision of a
// consultation answer to the e-mail address the earlier answer gave.
type AnswerMailWorker struct {
	river.WorkerDefaults[jobs.AnswerConfirm]
	// Answers loads the revision (models/project's service).
	Answers AnswerRevisions
	Sender  Sender
	Links   *Links
	// From is the sender address; the account's name is put in front.
	From string
}

// Work sends one message. A revision that no longer applies (confirmed,
// or its earlier answer replaced or gone) gets none.
func (w *AnswerMailWorker) Work(ctx context.Context, job *river.Job[jobs.AnswerConfirm]) error {
	r, err := w.Answers.AnswerRevisionByID(ctx, job.Args.FeedbackID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !r.Applies() || !r.Revision.ByEmail() {
		return nil
	}
	msg, err := w.message(r)
	if err != nil {
		return river.JobCancel(err)
	}
	err = w.Sender.Send(ctx, msg)
	var perm *PermanentError
	if errors.As(err, &perm) {
		return river.JobCancel(err)
	}
	return err
}

// message is written to the owner of the earlier answer, in its language:
// the address and language they gave, not what the revision's sender
// typed. It says what the new answer is (its stance) and that nothing
// changes unless they follow the link; the new text itself is shown only
// on the page behind the link, so the message carries no stranger's words.
func (w *AnswerMailWorker) message(r *models.AnswerRevision) (*Message, error) {
	to, err := mail.ParseAddress(r.Earlier.Contact)
	if err != nil {
		// The earlier contact and the revision's have the same key; the
		// revision's is the same mailbox, however it was typed.
		if to, err = mail.ParseAddress(r.Revision.Contact); err != nil {
			return nil, fmt.Errorf("answer %d: no address to write to: %w", r.Revision.ID, err)
		}
	}
	lang := i18n.UILang(r.Earlier.Lang)
	name := r.Project.LocalAccountName(string(lang))
	from := w.From
	if addr, err := mail.ParseAddress(w.From); err == nil {
		from = (&mail.Address{Name: name + " via Plaza", Address: addr.Address}).String()
	}
	// The project's title in the language they answered in (a tag, or
	// "zh" from before tags), else in the project's default language.
	content, ok := i18n.CanonicalTag(r.Earlier.Lang)
	if !ok {
		content = string(lang)
	}
	title := r.Project.Title(content)
	page := strings.TrimRight(w.Links.BaseURL, "/") + fmt.Sprintf("/@%s/projects/%d", r.Project.Handle, r.Project.ID)
	return &Message{
		From:    from,
		To:      to.Address,
		Subject: i18n.T(lang, "answers.mail_subject", title),
		Text: i18n.T(lang, "answers.mail_body", name, title, i18n.T(lang, "feedback.stance_"+r.Revision.Stance),
			w.Links.ConfirmAnswer(r.Revision.ID), page),
	}, nil
}
