package project

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/plazahq/plaza/models"
)

// OrgFeedback lists a project's feedback for moderators, oldest first so
// the queue is worked in the order people wrote, each revision that waits
// for a moderator right after the answer it revises. Answers replaced by
// a revision, and revisions waiting for their e-mail link, are not in the
// queue (the answer's own page links them).
func (s *Service) OrgFeedback(ctx context.Context, m *models.Member, a *models.Account, projectID int64, f models.FeedbackFilter, page models.Page) ([]models.Feedback, int64, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, 0, err
	}
	p, err := s.accountProject(ctx, a.ID, projectID)
	if err != nil {
		return nil, 0, err
	}
	q := s.core.Conn(ctx).Model(&models.Feedback{}).Where("project_id = ? AND "+queueSQL, p.ID)
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
		pat := models.LikePattern(f.Query)
		if m.Can(models.PermContacts) {
			q = q.Where("("+models.LikeExpr("comment")+" OR "+models.LikeExpr("name")+" OR "+models.LikeExpr("contact")+")", pat, pat, pat)
		} else {
			q = q.Where("("+models.LikeExpr("comment")+" OR "+models.LikeExpr("name")+")", pat, pat)
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count feedback: %w", err)
	}
	var out []models.Feedback
	if err := q.Order("CASE WHEN revision_state = 'current' THEN id ELSE revises_id END, id").
		Limit(page.Limit()).Offset(page.Offset()).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list feedback: %w", err)
	}
	models.MaskFeedbackContacts(m, out)
	return out, total, nil
}

// FeedbackCounts is how many answers a project has in each state.
func (s *Service) FeedbackCounts(ctx context.Context, projectID int64) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.core.Conn(ctx).Raw(`SELECT status, COUNT(*) AS n FROM feedback WHERE project_id = ? AND `+queueSQL+` GROUP BY status`, projectID).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count feedback: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	var reported int64
	if err := s.core.Conn(ctx).Model(&models.Feedback{}).Where("project_id = ? AND reports > 0 AND "+queueSQL, projectID).Count(&reported).Error; err != nil {
		return nil, fmt.Errorf("count reported feedback: %w", err)
	}
	out["reported"] = reported
	return out, nil
}

// OrgFeedbackItem loads one piece of feedback of a project.
func (s *Service) OrgFeedbackItem(ctx context.Context, m *models.Member, a *models.Account, projectID, id int64) (*models.Feedback, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	p, err := s.accountProject(ctx, a.ID, projectID)
	if err != nil {
		return nil, err
	}
	var f [1]models.Feedback
	if err := s.core.Conn(ctx).Where("id = ? AND project_id = ?", id, p.ID).First(&f[0]).Error; err != nil {
		return nil, models.NotFound(err, "feedback")
	}
	models.MaskFeedbackContacts(m, f[:])
	return &f[0], nil
}

// maxBulk bounds one bulk action, the size of the largest queue page.
const maxBulk = 200

// ModerateFeedback moves the chosen answers of a project to a moderation
// state (one audit entry lists them). Reports are cleared: a moderator
// has looked. It returns how many changed.
func (s *Service) ModerateFeedback(ctx context.Context, m *models.Member, a *models.Account, projectID int64, ids []int64, status string) (int64, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return 0, err
	}
	if !slices.Contains(models.FeedbackStatuses(), status) {
		return 0, models.FieldError("action", "err.choose_one")
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return 0, models.FieldError("ids", "feedback.err_none_selected")
	}
	if len(ids) > maxBulk {
		return 0, models.FieldError("ids", "feedback.err_too_many_selected")
	}
	var n int64
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		res := tx.core.Conn(ctx).Model(&models.Feedback{}).Where("project_id = ? AND id IN ?", p.ID, ids).
			Updates(map[string]any{"status": status, "reports": 0})
		if res.Error != nil {
			return fmt.Errorf("moderate feedback: %w", res.Error)
		}
		n = res.RowsAffected
		if err := tx.core.Conn(ctx).Where("feedback_id IN (SELECT id FROM feedback WHERE project_id = ? AND id IN ?)", p.ID, ids).
			Delete(&feedbackReport{}).Error; err != nil {
			return fmt.Errorf("clear reports: %w", err)
		}
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = strconv.FormatInt(id, 10)
		}
		action := "feedback.pending"
		switch status {
		case models.FeedbackPublished:
			action = "feedback.published"
		case models.FeedbackHidden:
			action = "feedback.hidden"
		case models.FeedbackSpam:
			action = "feedback.spam"
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, action, models.ProjectTarget(a, p), "#"+strings.Join(list, " #"))
	})
	return n, err
}

// RespondToFeedback saves the official response to one answer, and
// publishes the answer with it when publish is set.
func (s *Service) RespondToFeedback(ctx context.Context, m *models.Member, a *models.Account, projectID, id int64, response string, publish bool) (*models.Feedback, error) {
	if err := models.Require(m, models.PermModerate, a.OrgID()); err != nil {
		return nil, err
	}
	response = models.CleanText(response)
	if models.TooLong(response, maxResponse) {
		return nil, models.FieldError("response", "err.too_long")
	}
	var f *models.Feedback
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		var err error
		if f, err = tx.OrgFeedbackItem(ctx, m, a, projectID, id); err != nil {
			return err
		}
		now := s.core.Now()
		f.Response, f.ResponseAt, f.ResponseBy = response, &now, nil
		if m.User.ID != 0 {
			f.ResponseBy = &m.User.ID
		}
		if response == "" {
			f.ResponseAt = nil
		}
		updates := map[string]any{"response": f.Response, "response_at": f.ResponseAt, "response_by": f.ResponseBy}
		if publish {
			f.Status, f.Reports = models.FeedbackPublished, 0
			updates["status"], updates["reports"] = f.Status, 0
		}
		if err := tx.core.Conn(ctx).Model(f).Updates(updates).Error; err != nil {
			return fmt.Errorf("respond to feedback: %w", err)
		}
		detail := "#" + strconv.FormatInt(f.ID, 10)
		if publish {
			detail += " published"
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "feedback.respond", fmt.Sprintf("@%s project %d", a.Handle, projectID), detail)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ExportFeedback hands every current answer of a project (what the
// results count) to fn, in id order, one at a time, so a million answers
// take the memory of one. Exports hold contact details: only members with
// PermContacts may, and before the first row the audit log records who
// exported how many answers of which project, and as what (format).
func (s *Service) ExportFeedback(ctx context.Context, m *models.Member, a *models.Account, projectID int64, format string, fn func([]models.ProjectQuestion, models.ExportRow) error) error {
	if err := models.Require(m, models.PermContacts, a.OrgID()); err != nil {
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
	if err := s.core.Conn(ctx).Model(&models.Feedback{}).Where("project_id = ? AND revision_state = ?", p.ID, models.RevisionCurrent).Count(&total).Error; err != nil {
		return fmt.Errorf("count feedback to export: %w", err)
	}
	if err := s.core.Audit(ctx, m.Org.ID, m.User.ID, "feedback.export", models.ProjectTarget(a, p),
		fmt.Sprintf("%s (%d rows)", format, total)); err != nil {
		return err
	}
	// Keyset pages of a few thousand rows rather than one long cursor: an
	// open cursor would hold a read transaction (and on SQLite block
	// checkpoints) for as long as the slowest client takes to download.
	const batch = 2000
	var after int64
	for {
		var rows []models.Feedback
		if err := s.core.Conn(ctx).Where("project_id = ? AND id > ? AND revision_state = ?", p.ID, after, models.RevisionCurrent).
			Order("id").Limit(batch).Find(&rows).Error; err != nil {
			return fmt.Errorf("export feedback: %w", err)
		}
		for i := range rows {
			r := models.ExportRow{Feedback: rows[i], Extra: make([]string, len(questions))}
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

// duplicateKey is how two comments count as the same text: case and the
// spaces around it do not matter. It is what LOWER(TRIM(comment)) gives
// on both databases for the text people paste (SQLite lowers only ASCII,
// so Go lowers only ASCII too).
func duplicateKey(s string) string {
	s = strings.Trim(s, " ")
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// DuplicateFeedback says which answers of a queue page share their
// comment with an answer from another contact in the same project, the
// mark of a copied campaign text or of one person answering under
// several names. Answers without a contact are each someone else. It is
// one query whatever the page size.
func (s *Service) DuplicateFeedback(ctx context.Context, projectID int64, page []models.Feedback) (map[int64]bool, error) {
	keys := map[string]bool{}
	for i := range page {
		if k := duplicateKey(page[i].Comment); k != "" {
			keys[k] = true
		}
	}
	out := map[int64]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	var rows []struct {
		ID      int64
		Comment string
		Contact *string
	}
	if err := s.core.Conn(ctx).Raw(`SELECT id, comment, contact_key AS contact FROM feedback
		WHERE project_id = ? AND `+queueSQL+` AND LOWER(TRIM(comment)) IN ?`, projectID, slices.Collect(maps.Keys(keys))).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("find duplicate feedback: %w", err)
	}
	// who holds, per text, the contacts that wrote it ("" for each
	// answer without one, which never matches another).
	who := map[string]map[string]bool{}
	for _, r := range rows {
		k := duplicateKey(r.Comment)
		c := "#" + strconv.FormatInt(r.ID, 10)
		if r.Contact != nil && *r.Contact != "" {
			c = *r.Contact
		}
		if who[k] == nil {
			who[k] = map[string]bool{}
		}
		who[k][c] = true
	}
	for i := range page {
		if k := duplicateKey(page[i].Comment); k != "" && len(who[k]) > 1 {
			out[page[i].ID] = true
		}
	}
	return out, nil
}
