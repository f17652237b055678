package project

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plazahq/plaza/models"
)

const maxQuestionText = 300

// AddProjectQuestion appends an extra question to the form.
func (s *Service) AddProjectQuestion(ctx context.Context, m *models.Member, a *models.Account, projectID int64, in models.QuestionInput) (*models.ProjectQuestion, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var v models.ValidationError
	in.LabelEn, in.LabelZh = models.CleanText(in.LabelEn), models.CleanText(in.LabelZh)
	if !slices.Contains(models.QuestionKinds(), in.Kind) {
		v.Add("q_kind", "err.choose_one")
	}
	if in.LabelEn == "" && in.LabelZh == "" {
		v.Add("q_label_en", "projects.err_question_label")
	}
	if models.TooLong(in.LabelEn, maxQuestionText) {
		v.Add("q_label_en", "err.too_long")
	}
	if models.TooLong(in.LabelZh, maxQuestionText) {
		v.Add("q_label_zh", "err.too_long")
	}
	en, zh := models.Lines(models.CleanText(in.OptionsEn)), models.Lines(models.CleanText(in.OptionsZh))
	if in.Kind == models.QuestionText {
		en, zh = nil, nil
	} else if in.Kind != "" {
		if len(en) < 2 || len(en) > 20 {
			v.Add("q_options_en", "projects.err_options_count")
		}
		if len(zh) > 0 && len(zh) != len(en) {
			v.Add("q_options_zh", "projects.err_options_match")
		}
		for _, o := range append(slices.Clone(en), zh...) {
			if models.TooLong(o, 100) {
				v.Add("q_options_en", "err.too_long")
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(en)))) != len(en) {
			v.Add("q_options_en", "projects.err_options_unique")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var q *models.ProjectQuestion
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.core.Conn(ctx).Model(&models.ProjectQuestion{}).Where("project_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count questions: %w", err)
		}
		if n >= maxQuestions {
			return models.FieldError("q_kind", "projects.err_too_many_questions")
		}
		q = &models.ProjectQuestion{ProjectID: p.ID, Position: int(n) + 1, Kind: in.Kind, LabelEn: in.LabelEn, LabelZh: in.LabelZh,
			OptionsEn: strings.Join(en, "\n"), OptionsZh: strings.Join(zh, "\n"), Required: in.Required}
		if err := tx.core.Conn(ctx).Create(q).Error; err != nil {
			return fmt.Errorf("add question: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.question_add", models.ProjectTarget(a, p), q.Label("en"))
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// DeleteProjectQuestion removes a question; answers already given to it
// stay in the feedback they came with.
func (s *Service) DeleteProjectQuestion(ctx context.Context, m *models.Member, a *models.Account, projectID, questionID int64) error {
	return s.deleteChild(ctx, m, a, projectID, questionID, &models.ProjectQuestion{}, "question", func(tx models.Core, p *models.Project) error {
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.question_delete", models.ProjectTarget(a, p), "")
	})
}

// ProjectQuestions lists a project's extra questions in order.
func (s *Service) ProjectQuestions(ctx context.Context, projectID int64) ([]models.ProjectQuestion, error) {
	var out []models.ProjectQuestion
	if err := s.core.Conn(ctx).Where("project_id = ?", projectID).Order("position, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("project questions: %w", err)
	}
	return out, nil
}
