package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plazahq/plaza/jobs"
)

// errAnswerMoved means the answer being replaced stopped being current
// while it was replaced (another revision won); SubmitFeedback tries again.
var errAnswerMoved = errors.New("the earlier answer was replaced meanwhile")

// Prefixes of ContactKey: what the person typed (which anyone can type),
// and a chat sender (whom the chat channel vouches for).
const (
	contactEmail = "email:"
	contactPhone = "tel:"
	contactChat  = "chat:"
)

// vouched reports whether the sender of f is known from their channel (a
// chat sender or a follower) rather than from a contact they typed.
func vouched(f *Feedback) bool {
	return f.ContactKey == nil || strings.HasPrefix(*f.ContactKey, contactChat)
}

// ByEmail reports whether the answer's contact is an e-mail address, so a
// revision of it is confirmed by a link sent there.
func (f *Feedback) ByEmail() bool {
	return f.ContactKey != nil && strings.HasPrefix(*f.ContactKey, contactEmail)
}

// ByPhone reports whether the answer's contact is a phone number, which
// nothing can confirm yet: a moderator decides on its revisions.
func (f *Feedback) ByPhone() bool {
	return f.ContactKey != nil && strings.HasPrefix(*f.ContactKey, contactPhone)
}

// Unconfirmed reports whether the answer is a revision waiting for
// confirmation.
func (f *Feedback) Unconfirmed() bool { return f.RevisionState == RevisionUnconfirmed }

// storeRevision stores f as an unconfirmed revision of old, and for an
// e-mail contact queues the message with the link that confirms it, in
// the same transaction. It is not counted, shown or moderated as an
// answer until confirmed.
func (s *Store) storeRevision(ctx context.Context, old, f *Feedback) error {
	f.RevisesID = &old.ID
	f.RevisionState = RevisionUnconfirmed
	f.Status = FeedbackPending
	f.Revisions = old.Revisions + 1
	if err := s.conn(ctx).Create(f).Error; err != nil {
		return fmt.Errorf("store revision: %w", err)
	}
	if f.ByEmail() {
		return s.enqueue(ctx, jobs.AnswerConfirm{FeedbackID: f.ID})
	}
	return nil
}

// keptDown is the status a revision takes in place of an answer whose
// status was old: a person whose comment a moderator took down cannot put
// it back up by answering again.
func keptDown(old, status string) string {
	if old == FeedbackHidden || old == FeedbackSpam {
		return old
	}
	return status
}

// supersede retires old in favour of a revision. It fails with
// errAnswerMoved when old is no longer current.
func (s *Store) supersede(ctx context.Context, old *Feedback) error {
	res := s.conn(ctx).Model(&Feedback{}).Where("id = ? AND revision_state = ?", old.ID, RevisionCurrent).
		Updates(map[string]any{"revision_state": RevisionSuperseded, "updated_at": s.Now()})
	if res.Error != nil {
		return fmt.Errorf("supersede answer: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errAnswerMoved
	}
	old.RevisionState = RevisionSuperseded
	return nil
}

// replaceAnswer stores f, from a sender their channel vouches for, as the
// current answer in place of old. old keeps its text and its official
// response; f starts without one.
func (s *Store) replaceAnswer(ctx context.Context, old, f *Feedback) error {
	if err := s.supersede(ctx, old); err != nil {
		return err
	}
	f.RevisesID = &old.ID
	f.Revisions = old.Revisions + 1
	f.Status = keptDown(old.Status, f.Status)
	if err := s.conn(ctx).Create(f).Error; err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	return nil
}

// AnswerRevision is a revision with the answer it would replace and the
// project, as the confirmation page and message show them.
type AnswerRevision struct {
	Revision *Feedback
	// Earlier is the answer it revises; nil when that one is gone.
	Earlier *Feedback
	Project *PublicProject
}

// Applies reports whether confirming the revision would still replace
// the earlier answer: it waits, and the earlier one is still current.
func (r *AnswerRevision) Applies() bool {
	return r.Revision.Unconfirmed() && r.Earlier != nil && r.Earlier.RevisionState == RevisionCurrent
}

// AnswerRevisionByID loads a revision for its confirmation link. A
// revision whose project is no longer public is not found.
func (s *Store) AnswerRevisionByID(ctx context.Context, id int64) (*AnswerRevision, error) {
	var rev Feedback
	if err := s.conn(ctx).Where("id = ? AND revises_id IS NOT NULL", id).First(&rev).Error; err != nil {
		return nil, notFound(err, "answer")
	}
	var handle []string
	if err := s.conn(ctx).Raw(`SELECT a.handle FROM projects p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?`,
		rev.ProjectID).Scan(&handle).Error; err != nil {
		return nil, fmt.Errorf("project of answer: %w", err)
	}
	if len(handle) == 0 {
		return nil, fmt.Errorf("project of answer: %w", ErrNotFound)
	}
	p, err := s.PublicProjectByID(ctx, handle[0], rev.ProjectID)
	if err != nil {
		return nil, err
	}
	out := &AnswerRevision{Revision: &rev, Project: p}
	var earlier []Feedback
	if err := s.conn(ctx).Where("id = ?", *rev.RevisesID).Limit(1).Find(&earlier).Error; err != nil {
		return nil, fmt.Errorf("earlier answer: %w", err)
	}
	if len(earlier) == 1 {
		out.Earlier = &earlier[0]
	}
	return out, nil
}

// ConfirmAnswerRevision makes an e-mail revision the person's answer: its
// link was followed, so the mailbox's owner wants it. The earlier answer
// is superseded and keeps its official response; the revision starts
// without one and is moderated as the account's settings say. It fails
// with ErrLinkUsed when the revision no longer applies (confirmed
// already, or the earlier answer was replaced meanwhile) and with
// ErrConsultationClosed once the consultation is over.
func (s *Store) ConfirmAnswerRevision(ctx context.Context, id int64) (*AnswerRevision, error) {
	var out *AnswerRevision
	err := s.Tx(ctx, func(tx *Store) error {
		r, err := tx.AnswerRevisionByID(ctx, id)
		if err != nil {
			return err
		}
		if !r.Revision.ByEmail() || !r.Applies() {
			return ErrLinkUsed
		}
		if !r.Project.Open(tx.Now()) {
			return ErrConsultationClosed
		}
		out = r
		return tx.applyRevision(ctx, r)
	})
	if errors.Is(err, errAnswerMoved) {
		return nil, ErrLinkUsed
	}
	return out, err
}

// applyRevision makes r's revision current in place of its earlier answer.
func (s *Store) applyRevision(ctx context.Context, r *AnswerRevision) error {
	if err := s.supersede(ctx, r.Earlier); err != nil {
		return err
	}
	status := FeedbackPublished
	if r.Project.FeedbackReview {
		status = FeedbackPending
	}
	rev := r.Revision
	rev.RevisionState, rev.Status, rev.UpdatedAt = RevisionCurrent, keptDown(r.Earlier.Status, status), s.Now()
	err := s.conn(ctx).Model(&Feedback{}).Where("id = ?", rev.ID).
		Updates(map[string]any{"revision_state": rev.RevisionState, "status": rev.Status, "updated_at": rev.UpdatedAt}).Error
	if err != nil {
		return fmt.Errorf("confirm revision: %w", err)
	}
	return nil
}

// AcceptAnswerRevision is a moderator's decision that a phone revision,
// which nothing else can confirm, is the person's answer. It works like
// following an e-mail revision's link; an e-mail revision waits for its
// link.
func (s *Store) AcceptAnswerRevision(ctx context.Context, m *Member, a *Account, projectID, id int64) error {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		f, err := tx.OrgFeedbackItem(ctx, m, a, projectID, id)
		if err != nil {
			return err
		}
		if f.RevisesID == nil || !f.ByPhone() {
			return FieldError("revision", "answers.err_not_acceptable")
		}
		r, err := tx.AnswerRevisionByID(ctx, f.ID)
		if errors.Is(err, ErrNotFound) {
			return FieldError("revision", "answers.err_not_acceptable")
		}
		if err != nil {
			return err
		}
		if !r.Applies() {
			return FieldError("revision", "answers.err_not_acceptable")
		}
		if err := tx.applyRevision(ctx, r); errors.Is(err, errAnswerMoved) {
			return FieldError("revision", "answers.err_not_acceptable")
		} else if err != nil {
			return err
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "feedback.accept_revision", fmt.Sprintf("@%s project %d", a.Handle, projectID),
			fmt.Sprintf("#%d replaces #%d", f.ID, r.Earlier.ID))
	})
}

// RelatedAnswers are the other answers of the same person that
// moderators see beside one answer.
type RelatedAnswers struct {
	// Revises is the answer this one revises, if any.
	Revises *Feedback
	// RevisedBy are the revisions of this answer, oldest first.
	RevisedBy []Feedback
}

// FeedbackRelated loads the answers related to f, of the same project.
func (s *Store) FeedbackRelated(ctx context.Context, f *Feedback) (*RelatedAnswers, error) {
	out := &RelatedAnswers{}
	if f.RevisesID != nil {
		var earlier []Feedback
		if err := s.conn(ctx).Where("id = ? AND project_id = ?", *f.RevisesID, f.ProjectID).Limit(1).Find(&earlier).Error; err != nil {
			return nil, fmt.Errorf("earlier answer: %w", err)
		}
		if len(earlier) == 1 {
			out.Revises = &earlier[0]
		}
	}
	if err := s.conn(ctx).Where("revises_id = ? AND project_id = ?", f.ID, f.ProjectID).Order("id").Find(&out.RevisedBy).Error; err != nil {
		return nil, fmt.Errorf("revisions of answer: %w", err)
	}
	return out, nil
}

// PendingRevisions maps each of ids to the ids of its revisions that
// wait for a moderator (phone revisions), for marking the queue.
func (s *Store) PendingRevisions(ctx context.Context, projectID int64, ids []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct{ ID, RevisesID int64 }
	err := s.conn(ctx).Model(&Feedback{}).Select("id, revises_id").
		Where("project_id = ? AND revises_id IN ? AND "+moderatedRevisionSQL, projectID, ids).Order("id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("pending revisions: %w", err)
	}
	for _, r := range rows {
		out[r.RevisesID] = append(out[r.RevisesID], r.ID)
	}
	return out, nil
}

// moderatedRevisionSQL picks the unconfirmed revisions a moderator
// decides on: those with a phone contact. An e-mail revision waits for
// its link, between the person and their mailbox.
const moderatedRevisionSQL = "revision_state = 'unconfirmed' AND contact_key LIKE 'tel:%'"

// queueSQL picks the answers the moderation queue shows: current ones and
// the revisions moderators decide on.
const queueSQL = "(revision_state = 'current' OR (" + moderatedRevisionSQL + "))"
