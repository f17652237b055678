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
	// Translations holds the question's "label" and its "options" (one
	// choice a line) in each language.
	Translations Translations `gorm:"type:text"`
	Required     bool
}

// Label is the question in lang, else in def, its project's default
// language.
func (q *ProjectQuestion) Label(lang, def string) string {
	return q.Translations.Get(q.LabelLanguage(lang, def), "label")
}

// LabelLanguage is the language Label(lang, def) is in.
func (q *ProjectQuestion) LabelLanguage(lang, def string) string {
	return q.Translations.Pick(lang, def, "label")
}

// Choice is one option of a choice question: the value stored (the text
// in the project's default language, so answers compare across
// languages) and what is shown.
type Choice struct {
	Value, Label string
}

// Values are the stored values of the choices: the options in def, the
// project's default language (or, for a question written before the
// default changed, in the language it has options in).
func (q *ProjectQuestion) Values(def string) []string {
	return Lines(q.Translations.Get(q.Translations.Pick(def, def, "options"), "options"))
}

// Choices lists the options in lang: each language's options map to the
// default language's by position; a language without options (or with
// another number of them) shows the default's.
func (q *ProjectQuestion) Choices(lang, def string) []Choice {
	values := q.Values(def)
	shown := Lines(q.Translations.Get(lang, "options"))
	out := make([]Choice, len(values))
	for i, v := range values {
		out[i] = Choice{Value: v, Label: v}
		if len(shown) == len(values) {
			out[i].Label = shown[i]
		}
	}
	return out
}

// QuestionInput is a new extra question.
type QuestionInput struct {
	Kind string
	// Translations holds "label" and "options" (one choice a line) in
	// each language.
	Translations Translations
	Required     bool
}
