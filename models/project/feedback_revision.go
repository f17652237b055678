package project

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
)

// errAnswerMoved means the answer being replaced stopped being current
// while it was replaced (another revision won); SubmitFeedback tries again.
var errAnswerMoved = errors.New("the earlier answer was replaced meanwhile")

// contactChat prefixes the contact key of a chat sender, whom the chat
// channel vouches for (models.ContactKey makes the typed ones).
const contactChat = "chat:"

// vouched reports whether the sender of f is known from their channel (a
// chat sender or a follower) rather than from a contact they typed.
func vouched(f *models.Feedback) bool {
	return f.ContactKey == nil || strings.HasPrefix(*f.ContactKey, contactChat)
}

// storeRevision stores f as an unconfirmed revision of old, and for an
// e-mail contact queues the message with the link that confirms it, in
// the same transaction. It is not counted, shown or moderated as an
// answer until confirmed.
func (s *Service) storeRevision(ctx context.Context, old, f *models.Feedback) error {
	f.RevisesID = &old.ID
	f.RevisionState = models.RevisionUnconfirmed
	f.Status = models.FeedbackPending
	f.Revisions = old.Revisions + 1
	if err := s.core.Conn(ctx).Create(f).Error; err != nil {
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
	if old == models.FeedbackHidden || old == models.FeedbackSpam {
		return old
	}
	return status
}

// supersede retires old in favour of a revision. It fails with
// errAnswerMoved when old is no longer current.
func (s *Service) supersede(ctx context.Context, old *models.Feedback) error {
	res := s.core.Conn(ctx).Model(&models.Feedback{}).Where("id = ? AND revision_state = ?", old.ID, models.RevisionCurrent).
		Updates(map[string]any{"revision_state": models.RevisionSuperseded, "updated_at": s.core.Now()})
	if res.Error != nil {
		return fmt.Errorf("supersede answer: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errAnswerMoved
	}
	old.RevisionState = models.RevisionSuperseded
	return nil
}

// replaceAnswer stores f, from a sender their channel vouches for, as the
// current answer in place of old. old keeps its text and its official
// response; f starts without one.
func (s *Service) replaceAnswer(ctx context.Context, old, f *models.Feedback) error {
	if err := s.supersede(ctx, old); err != nil {
		return err
	}
	f.RevisesID = &old.ID
	f.Revisions = old.Revisions + 1
	f.Status = keptDown(old.Status, f.Status)
	if err := s.core.Conn(ctx).Create(f).Error; err != nil {
		return fmt.Errorf("store feedback: %w", err)
	}
	return nil
}

// AnswerRevisionByID loads a revision for its confirmation link. A
// revision whose project is no longer public is not found.
func (s *Service) AnswerRevisionByID(ctx context.Context, id int64) (*models.AnswerRevision, error) {
	var rev models.Feedback
	if err := s.core.Conn(ctx).Where("id = ? AND revises_id IS NOT NULL", id).First(&rev).Error; err != nil {
		return nil, models.NotFound(err, "answer")
	}
	var pr models.Project
	if err := s.core.Conn(ctx).First(&pr, rev.ProjectID).Error; err != nil {
		return nil, models.NotFound(err, "project of answer")
	}
	a, err := s.accounts.AccountByID(ctx, pr.AccountID)
	if err != nil {
		return nil, fmt.Errorf("project of answer: %w", err)
	}
	p, err := s.publicProjectOf(ctx, a, rev.ProjectID)
	if err != nil {
		return nil, err
	}
	out := &models.AnswerRevision{Revision: &rev, Project: p}
	var earlier []models.Feedback
	if err := s.core.Conn(ctx).Where("id = ?", *rev.RevisesID).Limit(1).Find(&earlier).Error; err != nil {
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
func (s *Service) ConfirmAnswerRevision(ctx context.Context, id int64) (*models.AnswerRevision, error) {
	var out *models.AnswerRevision
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		r, err := tx.AnswerRevisionByID(ctx, id)
		if err != nil {
			return err
		}
		if !r.Revision.ByEmail() || !r.Applies() {
			return models.ErrLinkUsed
		}
		if !r.Project.Open(tx.core.Now()) {
			return models.ErrConsultationClosed
		}
		out = r
		return tx.applyRevision(ctx, r)
	})
	if errors.Is(err, errAnswerMoved) {
		return nil, models.ErrLinkUsed
	}
	return out, err
}

// applyRevision makes r's revision current in place of its earlier answer.
func (s *Service) applyRevision(ctx context.Context, r *models.AnswerRevision) error {
	if err := s.supersede(ctx, r.Earlier); err != nil {
		return err
	}
	status := models.FeedbackPublished
	if r.Project.FeedbackReview {
		status = models.FeedbackPending
	}
	rev := r.Revision
	rev.RevisionState, rev.Status, rev.UpdatedAt = models.RevisionCurrent, keptDown(r.Earlier.Status, status), s.core.Now()
	err := s.core.Conn(ctx).Model(&models.Feedback{}).Where("id = ?", rev.ID).
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
func (s *Service) AcceptAnswerRevision(ctx context.Context, m *models.Member, a *models.Account, projectID, id int64) error {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		f, err := tx.OrgFeedbackItem(ctx, m, a, projectID, id)
		if err != nil {
			return err
		}
		if f.RevisesID == nil || !f.ByPhone() {
			return models.FieldError("revision", "answers.err_not_acceptable")
		}
		r, err := tx.AnswerRevisionByID(ctx, f.ID)
		if errors.Is(err, models.ErrNotFound) {
			return models.FieldError("revision", "answers.err_not_acceptable")
		}
		if err != nil {
			return err
		}
		if !r.Applies() {
			return models.FieldError("revision", "answers.err_not_acceptable")
		}
		if err := tx.applyRevision(ctx, r); errors.Is(err, errAnswerMoved) {
			return models.FieldError("revision", "answers.err_not_acceptable")
		} else if err != nil {
			return err
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "feedback.accept_revision", fmt.Sprintf("@%s project %d", a.Handle, projectID),
			fmt.Sprintf("#%d replaces #%d", f.ID, r.Earlier.ID))
	})
}

// FeedbackRelated loads the answers related to f, of the same project.
func (s *Service) FeedbackRelated(ctx context.Context, f *models.Feedback) (*models.RelatedAnswers, error) {
	out := &models.RelatedAnswers{}
	if f.RevisesID != nil {
		var earlier []models.Feedback
		if err := s.core.Conn(ctx).Where("id = ? AND project_id = ?", *f.RevisesID, f.ProjectID).Limit(1).Find(&earlier).Error; err != nil {
			return nil, fmt.Errorf("earlier answer: %w", err)
		}
		if len(earlier) == 1 {
			out.Revises = &earlier[0]
		}
	}
	if err := s.core.Conn(ctx).Where("revises_id = ? AND project_id = ?", f.ID, f.ProjectID).Order("id").Find(&out.RevisedBy).Error; err != nil {
		return nil, fmt.Errorf("revisions of answer: %w", err)
	}
	if f.Reports > 0 {
		if err := s.core.Conn(ctx).Model(&feedbackReport{}).Select("reason, note, created_at").
			Where("feedback_id = ?", f.ID).Order("created_at DESC").Limit(100).Scan(&out.Reports).Error; err != nil {
			return nil, fmt.Errorf("reports of answer: %w", err)
		}
	}
	return out, nil
}

// PendingRevisions maps each of ids to the ids of its revisions that
// wait for a moderator (phone revisions), for marking the queue.
func (s *Service) PendingRevisions(ctx context.Context, projectID int64, ids []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct{ ID, RevisesID int64 }
	err := s.core.Conn(ctx).Model(&models.Feedback{}).Select("id, revises_id").
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
