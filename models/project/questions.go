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
	var q *models.ProjectQuestion
	err := s.core.Tx(ctx, func(c models.Core) error {
		tx := s.with(c)
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		if in, err = ValidateQuestion(in, models.AccountLangs(a), p.DefaultLang); err != nil {
			return err
		}
		var n int64
		if err := tx.core.Conn(ctx).Model(&models.ProjectQuestion{}).Where("project_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count questions: %w", err)
		}
		if n >= maxQuestions {
			return models.FieldError("q_kind", "projects.err_too_many_questions")
		}
		q = &models.ProjectQuestion{ProjectID: p.ID, Position: int(n) + 1, Kind: in.Kind, Translations: in.Translations, Required: in.Required}
		if err := tx.core.Conn(ctx).Create(q).Error; err != nil {
			return fmt.Errorf("add question: %w", err)
		}
		return tx.core.Audit(ctx, m.Org.ID, m.User.ID, "project.question_add", models.ProjectTarget(a, p), q.Label(p.DefaultLang, p.DefaultLang))
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// ValidateQuestion checks a new question of a project whose default
// language is def, for an account publishing in langs, and returns it
// cleaned: its label in def is required; a choice question has two to
// twenty distinct choices in def, and every other language that gives
// choices gives as many, in the same order (they map by position).
func ValidateQuestion(in models.QuestionInput, langs []string, def string) (models.QuestionInput, error) {
	var v models.ValidationError
	if !slices.Contains(models.QuestionKinds(), in.Kind) {
		v.Add("q_kind", "err.choose_one")
	}
	texts := models.Translations{}
	for _, l := range sortedLangs(in.Translations) {
		label := models.CleanText(in.Translations.Get(l, "label"))
		options := models.Lines(models.CleanText(in.Translations.Get(l, "options")))
		if in.Kind == models.QuestionText {
			options = nil
		}
		if label == "" && len(options) == 0 {
			continue
		}
		if !Offered(langs, l) {
			v.Add("label."+l, "err.not_account_language")
			continue
		}
		if models.TooLong(label, maxQuestionText) {
			v.Add("label."+l, "err.too_long")
		}
		for _, o := range options {
			if models.TooLong(o, 100) {
				v.Add("options."+l, "err.too_long")
			}
		}
		texts.Set(l, "label", label)
		texts.Set(l, "options", strings.Join(options, "\n"))
	}
	if !texts.Has(def, "label") {
		v.Add("label."+def, "projects.err_question_label_default")
	}
	if in.Kind != models.QuestionText && in.Kind != "" {
		values := models.Lines(texts.Get(def, "options"))
		if len(values) < 2 || len(values) > 20 {
			v.Add("options."+def, "projects.err_options_count")
		}
		if len(slices.Compact(slices.Sorted(slices.Values(values)))) != len(values) {
			v.Add("options."+def, "projects.err_options_unique")
		}
		for _, l := range texts.Langs() {
			if n := len(models.Lines(texts.Get(l, "options"))); l != def && n > 0 && n != len(values) {
				v.Add("options."+l, "projects.err_options_same_count")
			}
		}
	}
	in.Translations = texts
	return in, v.Err()
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
