package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Question kinds.
const (
	QuestionText     = "text"
	QuestionSingle   = "single"
	QuestionMultiple = "multiple"
)

// QuestionKinds lists the kinds of extra question.
func QuestionKinds() []string { return []string{QuestionText, QuestionSingle, QuestionMultiple} }

// ProjectQuestion is an extra question on a project's form.
type ProjectQuestion struct {
	ID        int64
	ProjectID int64
	Position  int
	Kind      string
	LabelEn   string
	LabelZh   string
	OptionsEn string
	OptionsZh string
	Required  bool
}

// Label is the question in lang, falling back to the other language.
func (q *ProjectQuestion) Label(lang string) string {
	if lang == "zh" && q.LabelZh != "" || q.LabelEn == "" {
		return q.LabelZh
	}
	return q.LabelEn
}

// Choice is one option of a choice question: the value stored (the
// English text, so answers compare across languages) and what is shown.
type Choice struct {
	Value, Label string
}

// Choices lists the options in lang.
func (q *ProjectQuestion) Choices(lang string) []Choice {
	en, zh := Lines(q.OptionsEn), Lines(q.OptionsZh)
	out := make([]Choice, len(en))
	for i, v := range en {
		out[i] = Choice{Value: v, Label: v}
		if lang == "zh" && i < len(zh) {
			out[i].Label = zh[i]
		}
	}
	return out
}

// QuestionInput is a new extra question.
type QuestionInput struct {
	Kind                 string
	LabelEn, LabelZh     string
	OptionsEn, OptionsZh string
	Required             bool
}

const maxQuestionText = 300

// AddProjectQuestion appends an extra question to the form.
func (s *Store) AddProjectQuestion(ctx context.Context, m *Member, a *Account, projectID int64, in QuestionInput) (*ProjectQuestion, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var v ValidationError
	in.LabelEn, in.LabelZh = cleanText(in.LabelEn), cleanText(in.LabelZh)
	if !slices.Contains(QuestionKinds(), in.Kind) {
		v.Add("q_kind", "err.choose_one")
	}
	if in.LabelEn == "" && in.LabelZh == "" {
		v.Add("q_label_en", "projects.err_question_label")
	}
	if TooLong(in.LabelEn, maxQuestionText) {
		v.Add("q_label_en", "err.too_long")
	}
	if TooLong(in.LabelZh, maxQuestionText) {
		v.Add("q_label_zh", "err.too_long")
	}
	en, zh := Lines(cleanText(in.OptionsEn)), Lines(cleanText(in.OptionsZh))
	if in.Kind == QuestionText {
		en, zh = nil, nil
	} else if in.Kind != "" {
		if len(en) < 2 || len(en) > 20 {
			v.Add("q_options_en", "projects.err_options_count")
		}
		if len(zh) > 0 && len(zh) != len(en) {
			v.Add("q_options_zh", "projects.err_options_match")
		}
		for _, o := range append(slices.Clone(en), zh...) {
			if TooLong(o, 100) {
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
	var q *ProjectQuestion
	err := s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.conn(ctx).Model(&ProjectQuestion{}).Where("project_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("count questions: %w", err)
		}
		if n >= maxQuestions {
			return FieldError("q_kind", "projects.err_too_many_questions")
		}
		q = &ProjectQuestion{ProjectID: p.ID, Position: int(n) + 1, Kind: in.Kind, LabelEn: in.LabelEn, LabelZh: in.LabelZh,
			OptionsEn: strings.Join(en, "\n"), OptionsZh: strings.Join(zh, "\n"), Required: in.Required}
		if err := tx.conn(ctx).Create(q).Error; err != nil {
			return fmt.Errorf("add question: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.question_add", ProjectTarget(a, p), q.Label("en"))
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// DeleteProjectQuestion removes a question; answers already given to it
// stay in the feedback they came with.
func (s *Store) DeleteProjectQuestion(ctx context.Context, m *Member, a *Account, projectID, questionID int64) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		p, err := tx.accountProject(ctx, a.ID, projectID)
		if err != nil {
			return err
		}
		res := tx.conn(ctx).Where("id = ? AND project_id = ?", questionID, p.ID).Delete(&ProjectQuestion{})
		if res.Error != nil {
			return fmt.Errorf("delete question: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("question: %w", ErrNotFound)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "project.question_delete", ProjectTarget(a, p), "")
	})
}

// ProjectQuestions lists a project's extra questions in order.
func (s *Store) ProjectQuestions(ctx context.Context, projectID int64) ([]ProjectQuestion, error) {
	var out []ProjectQuestion
	if err := s.conn(ctx).Where("project_id = ?", projectID).Order("position, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("project questions: %w", err)
	}
	return out, nil
}
