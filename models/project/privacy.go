package project

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/models"
)

// A follower's answers to the account's projects, for their data export
// and their erasure (models/follower's Traces, through app). Both go
// through followerAnswers, so what is exported is exactly what is
// anonymized.

// answerKeys are the contact keys under which f's answers may be stored:
// their chat address on their channel, and their address read as an
// e-mail address or phone number (someone who typed it into the web
// form).
func answerKeys(f *models.Follower) []string {
	keys := []string{"chat:" + f.Channel + ":" + f.Address}
	if k, ok := models.ContactKey(f.Address); ok && k != "" {
		keys = append(keys, k)
	}
	return keys
}

// followerAnswers selects through c f's answers to the projects of their
// account: linked to them, or left with their address as the contact.
func followerAnswers(ctx context.Context, c models.Core, f *models.Follower) *gorm.DB {
	return c.Conn(ctx).Model(&models.Feedback{}).
		Where("project_id IN (SELECT id FROM projects WHERE account_id = ?)", f.AccountID).
		Where("(follower_id = ? OR contact_key IN ?)", f.ID, answerKeys(f))
}

// FollowerAnswers reads f's answers to the account's projects, with each
// extra question's label, for the follower's data export.
func (s *Service) FollowerAnswers(ctx context.Context, f *models.Follower) ([]models.AnswerData, error) {
	var rows []models.Feedback
	if err := followerAnswers(ctx, s.core, f).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("answers of follower %d: %w", f.ID, err)
	}
	out := make([]models.AnswerData, 0, len(rows))
	for _, r := range rows {
		var p models.Project
		if err := s.core.Conn(ctx).Select("id, default_lang, translations").First(&p, r.ProjectID).Error; err != nil {
			return nil, models.NotFound(err, "project")
		}
		qs, err := s.ProjectQuestions(ctx, r.ProjectID)
		if err != nil {
			return nil, err
		}
		given := r.AnswerMap()
		answers := map[string][]string{}
		for _, q := range qs {
			if v := given[strconv.FormatInt(q.ID, 10)]; len(v) > 0 {
				answers[q.Label(r.Lang, p.DefaultLang)] = v
			}
		}
		out = append(out, models.AnswerData{ProjectID: r.ProjectID, Project: p.Title(r.Lang), Stance: r.Stance, Comment: r.Comment,
			Name: r.Name, Contact: r.Contact, District: r.District, Answers: answers, Status: r.Status, Response: r.Response,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Revisions: r.Revisions, FromChannel: r.Channel})
	}
	return out, nil
}

// AnonymizeFollowerAnswers takes name, contact and the link to f off
// their answers through tx, the transaction that erases the follower:
// the answer itself stays and still counts in the results. It returns
// how many answers it changed.
func (s *Service) AnonymizeFollowerAnswers(ctx context.Context, tx models.Core, f *models.Follower) (int64, error) {
	res := followerAnswers(ctx, tx, f).Updates(map[string]any{"name": "", "contact": "", "contact_key": nil, "follower_id": nil})
	if res.Error != nil {
		return 0, fmt.Errorf("anonymize answers: %w", res.Error)
	}
	return res.RowsAffected, nil
}
