package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FeedbackFilter narrows the moderation queue.
type FeedbackFilter struct {
	Status   string
	Stance   string
	District string
	Query    string
	// Reported keeps only comments citizens reported.
	Reported bool
}

// OrgFeedback lists a project's feedback for moderators, oldest first so
// the queue is worked in the order people wrote, each revision that waits
// for a moderator right after the answer it revises. Answers replaced by
// a revision, and revisions waiting for their e-mail link, are not in the
// queue (the answer's own page links them).
func (s *Store) OrgFeedback(ctx context.Context, m *Member, a *Account, projectID int64, f FeedbackFilter, page Page) ([]Feedback, int64, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	p, err := s.accountProject(ctx, a.ID, projectID)
	if err != nil {
		return nil, 0, err
	}
	q := s.conn(ctx).Model(&Feedback{}).Where("project_id = ? AND "+queueSQL, p.ID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Stance != "" {
		q = q.Where("stance = ?", f.Stance)
	}
	if f.District != "" {
		q = q.Where("district = ?", f.District)
	}
	if f.Reported {
		q = q.Where("reports > 0")
	}
	if f.Query = strings.TrimSpace(f.Query); f.Query != "" {
		// Contacts are searched only by those who may see them: a match
		// would tell anyone else that the person answered.
		pat := LikePattern(f.Query)
		if m.Can(PermContacts) {
			q = q.Where("("+LikeExpr("comment")+" OR "+LikeExpr("name")+" OR "+LikeExpr("contact")+")", pat, pat, pat)
		} else {
			q = q.Where("("+LikeExpr("comment")+" OR "+LikeExpr("name")+")", pat, pat)
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count feedback: %w", err)
	}
	var out []Feedback
	if err := q.Order("CASE WHEN revision_state = 'current' THEN id ELSE revises_id END, id").
		Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list feedback: %w", err)
	}
	MaskFeedbackContacts(m, out)
	return out, total, nil
}

// FeedbackCounts is how many answers a project has in each state.
func (s *Store) FeedbackCounts(ctx context.Context, projectID int64) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.conn(ctx).Raw(`SELECT status, COUNT(*) AS n FROM feedback WHERE project_id = ? AND `+queueSQL+` GROUP BY status`, projectID).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count feedback: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	var reported int64
	if err := s.conn(ctx).Model(&Feedback{}).Where("project_id = ? AND reports > 0 AND "+queueSQL, projectID).Count(&reported).Error; err != nil {
		return nil, fmt.Errorf("count reported feedback: %w", err)
	}
	out["reported"] = reported
	return out, nil
}

// OrgFeedbackItem loads one piece of feedback of a project.
func (s *Store) OrgFeedbackItem(ctx context.Context, m *Member, a *Account, projectID, id int64) (*Feedback, error) {
	if err := Require(m, PermView, a.OrgID()); err != nil {
		return nil, err
	}
	p, err := s.accountProject(ctx, a.ID, projectID)
	if err != nil {
		return nil, err
	}
	var f [1]Feedback
	if err := s.conn(ctx).Where("id = ? AND project_id = ?", id, p.ID).First(&f[0]).Error; err != nil {
		return nil, notFound(err, "feedback")
	}
	MaskFeedbackContacts(m, f[:])
	return &f[0], nil
}

// maxBulk bounds one bulk action, the size of the largest queue page.
const maxBulk = 200

// ModerateFeedback moves the chosen answers of a project to a moderation
// state (one audit entry lists them). Reports are cleared: a moderator
// has looked. It returns how many changed.
func (s *Store) ModerateFeedback(ctx context.Context, m *Member, a *Account, projectID int64, ids []int64, status string) (int64, error) {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return 0, err
	}
	if !slices.Contains(FeedbackStatuses(), status) {
		return 0, FieldError("action", "err.choose_one")
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return 0, FieldError("ids", "feedback.err_none_selected")
	}
	if len(ids) > maxBulk {
		return 0, FieldError("ids", "feedback.err_too_many_selected")
	}
	var n int64
	err := s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		res := tx.conn(ctx).Model(&Feedback{}).Where("project_id = ? AND id IN ?", p.ID, ids).
			Updates(map[string]any{"status": status, "reports": 0})
		if res.Error != nil {
			return fmt.Errorf("moderate feedback: %w", res.Error)
		}
		n = res.RowsAffected
		if err := tx.conn(ctx).Where("feedback_id IN (SELECT id FROM feedback WHERE project_id = ? AND id IN ?)", p.ID, ids).
			Delete(&feedbackReport{}).Error; err != nil {
			return fmt.Errorf("clear reports: %w", err)
		}
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = strconv.FormatInt(id, 10)
		}
		action := "feedback.pending"
		switch status {
		case FeedbackPublished:
			action = "feedback.published"
		case FeedbackHidden:
			action = "feedback.hidden"
		case FeedbackSpam:
			action = "feedback.spam"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, action, ProjectTarget(a, p), "#"+strings.Join(list, " #"))
	})
	return n, err
}

// RespondToFeedback saves the official response to one answer, and
// publishes the answer with it when publish is set.
func (s *Store) RespondToFeedback(ctx context.Context, m *Member, a *Account, projectID, id int64, response string, publish bool) (*Feedback, error) {
	if err := Require(m, PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	response = cleanText(response)
	if TooLong(response, maxResponse) {
		return nil, FieldError("response", "err.too_long")
	}
	var f *Feedback
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		if f, err = tx.OrgFeedbackItem(ctx, m, a, projectID, id); err != nil {
			return err
		}
		now := s.Now()
		f.Response, f.ResponseAt, f.ResponseBy = response, &now, nil
		if m.User.ID != 0 {
			f.ResponseBy = &m.User.ID
		}
		if response == "" {
			f.ResponseAt = nil
		}
		updates := map[string]any{"response": f.Response, "response_at": f.ResponseAt, "response_by": f.ResponseBy}
		if publish {
			f.Status, f.Reports = FeedbackPublished, 0
			updates["status"], updates["reports"] = f.Status, 0
		}
		if err := tx.conn(ctx).Model(f).Updates(updates).Error; err != nil {
			return fmt.Errorf("respond to feedback: %w", err)
		}
		detail := "#" + strconv.FormatInt(f.ID, 10)
		if publish {
			detail += " published"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "feedback.respond", fmt.Sprintf("@%s project %d", a.Handle, projectID), detail)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ExportRow is one answer as exported, with its extra answers in the
// order of the project's questions.
type ExportRow struct {
	Feedback
	Extra []string
}

// ExportFeedback hands every current answer of a project (what the
// results count) to fn, in id order, one at a time, so a million answers
// take the memory of one. Exports hold contact details: only members with
// PermContacts may, and before the first row the audit log records who
// exported how many answers of which project, and as what (format).
func (s *Store) ExportFeedback(ctx context.Context, m *Member, a *Account, projectID int64, format string, fn func([]ProjectQuestion, ExportRow) error) error {
	if err := Require(m, PermContacts, a.OrgID()); err != nil {
		return err
	}
	p, err := s.accountProject(ctx, a.ID, projectID)
	if err != nil {
		return err
	}
	questions, err := s.ProjectQuestions(ctx, p.ID)
	if err != nil {
		return err
	}
	var total int64
	if err := s.conn(ctx).Model(&Feedback{}).Where("project_id = ? AND revision_state = ?", p.ID, RevisionCurrent).Count(&total).Error; err != nil {
		return fmt.Errorf("count feedback to export: %w", err)
	}
	if err := s.Audit(ctx, m.Org.ID, m.User.ID, "feedback.export", ProjectTarget(a, p),
		fmt.Sprintf("%s (%d rows)", format, total)); err != nil {
		return err
	}
	// Keyset pages of a few thousand rows rather than one long cursor: an
	// open cursor would hold a read transaction (and on SQLite block
	// checkpoints) for as long as the slowest client takes to download.
	const batch = 2000
	var after int64
	for {
		var rows []Feedback
		if err := s.conn(ctx).Where("project_id = ? AND id > ? AND revision_state = ?", p.ID, after, RevisionCurrent).
			Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return fmt.Errorf("export feedback: %w", err)
		}
		for i := range rows {
			r := ExportRow{Feedback: rows[i], Extra: make([]string, len(questions))}
			answers := rows[i].AnswerMap()
			for k, q := range questions {
				r.Extra[k] = strings.Join(answers[strconv.FormatInt(q.ID, 10)], "; ")
			}
			if err := fn(questions, r); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}
