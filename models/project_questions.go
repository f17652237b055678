package models

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
	lang = LegacyLang(lang)
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
	lang = LegacyLang(lang)
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
