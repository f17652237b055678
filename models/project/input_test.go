package project_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// The project's rules on their own, without a database.
func TestValidate(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	n := func(v int64) *int64 { return &v }
	at := func(h int) *time.Time { t := now.Add(time.Duration(h) * time.Hour); return &t }
	tr := func(kv ...string) models.Translations {
		out := models.Translations{}
		for i := 0; i+2 < len(kv)+1; i += 3 {
			out.Set(kv[i], kv[i+1], kv[i+2])
		}
		return out
	}
	park := tr("en", "title", "Park")
	langs := []string{"en", "es", "zh-Hant"}
	in := func(def string, t models.Translations) project.Input {
		return project.Input{DefaultLang: def, Translations: t, Langs: langs}
	}
	tests := []struct {
		name string
		in   project.Input
		want map[string]string
	}{
		{"title in the default language", in("en", park), nil},
		{"default in another language", in("zh-Hant", tr("zh-Hant", "title", "海港公園")), nil},
		{"three languages", in("en", tr("en", "title", "Park", "es", "title", "Parque", "es", "body", "Cuerpo", "zh-Hant", "title", "公園")), nil},
		{"no default: the account's first", project.Input{Translations: park, Langs: langs}, nil},
		{"an empty version of a language not offered is no version", in("en", models.Translations{"en": {"title": "Park"}, "fr": {"title": " ", "body": ""}}), nil},
		{"no title", in("en", nil), map[string]string{"title.en": "projects.err_title_default"}},
		{"title only in another language", in("en", tr("es", "title", "Parque")), map[string]string{"title.en": "projects.err_title_default"}},
		{"default the account does not publish in", in("fr", tr("fr", "title", "Parc")), map[string]string{"default_lang": "err.not_account_language", "title.fr": "err.not_account_language"}},
		{"a language the account does not publish in", in("en", tr("en", "title", "Park", "ar", "title", "حديقة")), map[string]string{"title.ar": "err.not_account_language"}},
		{"not a tag", in("en", tr("en", "title", "Park", "<b>", "title", "x")), map[string]string{"title.<b>": "err.not_account_language"}},
		{"summary without its title", in("en", tr("en", "title", "Park", "es", "summary", "Resumen")), map[string]string{"title.es": "projects.err_text_without_title"}},
		{"body without its title", in("en", tr("en", "title", "Park", "zh-Hant", "body", "正文")), map[string]string{"title.zh-Hant": "projects.err_text_without_title"}},
		{"title too long", in("en", tr("en", "title", strings.Repeat("a", 201))), map[string]string{"title.en": "err.too_long"}},
		{"title too long in another language", in("en", tr("en", "title", "Park", "es", "title", strings.Repeat("á", 201))), map[string]string{"title.es": "err.too_long"}},
		{"summary too long", in("en", tr("en", "title", "Park", "zh-Hant", "title", "公園", "zh-Hant", "summary", strings.Repeat("字", 501))), map[string]string{"summary.zh-Hant": "err.too_long"}},
		{"body too long", in("en", tr("en", "title", "Park", "en", "body", strings.Repeat("a", 20001))), map[string]string{"body.en": "err.too_long"}},
		{"one coordinate", project.Input{DefaultLang: "en", Translations: park, Latitude: f(22.3)}, map[string]string{"latitude": "projects.err_both_coordinates"}},
		{"latitude out of range", project.Input{DefaultLang: "en", Translations: park, Latitude: f(86), Longitude: f(114)}, map[string]string{"latitude": "projects.err_latitude"}},
		{"longitude NaN", project.Input{DefaultLang: "en", Translations: park, Latitude: f(22), Longitude: f(math.NaN())}, map[string]string{"longitude": "projects.err_longitude"}},
		{"negative budget", project.Input{DefaultLang: "en", Translations: park, Budget: n(-1)}, map[string]string{"budget": "projects.err_budget"}},
		{"bad currency", project.Input{DefaultLang: "en", Translations: park, BudgetCurrency: "HK$"}, map[string]string{"budget_currency": "projects.err_currency"}},
		{"closes before it opens", project.Input{DefaultLang: "en", Translations: park, OpensAt: at(2), ClosesAt: at(1)}, map[string]string{"closes_at": "projects.err_closes_before_opens"}},
		{"district too long", project.Input{DefaultLang: "en", Translations: park, Districts: strings.Repeat("d", 101)}, map[string]string{"districts": "err.too_long"}},
	}
	for _, tt := range tests {
		_, err := project.Validate(tt.in, now)
		v, ok := models.AsValidation(err)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: want field errors %v, got %v", tt.name, tt.want, err)
			continue
		}
		for field, key := range tt.want {
			if v.Fields[field] != key {
				t.Errorf("%s: %s = %q, want %q (all: %v)", tt.name, field, v.Fields[field], key, v.Fields)
			}
		}
	}
}

// Validate hands back what it accepts cleaned: text trimmed and rid of
// control characters, the currency in capitals, districts one a line
// without repeats, times in UTC.
func TestValidateCleans(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	opens := time.Date(2026, 12, 5, 9, 0, 0, 0, hk)
	in, err := project.Validate(project.Input{DefaultLang: "en", Translations: models.Translations{"en": {"title": "  Park\x00 ", "result": "not the editor's"}, "es": {"title": " "}}, BudgetCurrency: "hkd", Districts: "North\n\n South \nNorth", OpensAt: &opens},
		time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if in.Translations.Get("en", "title") != "Park" || in.Translations.Has("en", "result") || len(in.Translations) != 1 || in.BudgetCurrency != "HKD" || in.Districts != "North\nSouth" || in.OpensAt.Location() != time.UTC || !in.OpensAt.Equal(opens) {
		t.Fatalf("cleaned: %+v", in)
	}
}

// A question's texts: its label in the project's default language, the
// same number of choices in each language that gives them, only the
// account's languages.
func TestValidateQuestion(t *testing.T) {
	langs := []string{"en", "es", "zh-Hant"}
	tr := func(kv ...string) models.Translations {
		out := models.Translations{}
		for i := 0; i+2 < len(kv)+1; i += 3 {
			out.Set(kv[i], kv[i+1], kv[i+2])
		}
		return out
	}
	tests := []struct {
		name string
		kind string
		def  string
		t    models.Translations
		want map[string]string
	}{
		{"text question", models.QuestionText, "en", tr("en", "label", "Why?"), nil},
		{"choices in three languages", models.QuestionSingle, "es", tr("es", "label", "¿Cómo?", "es", "options", "Bus\nA pie", "en", "options", "Bus\nWalk", "zh-Hant", "options", "巴士\n步行"), nil},
		{"choices only in the default", models.QuestionMultiple, "en", tr("en", "label", "How?", "en", "options", "Bus\nWalk", "es", "label", "¿Cómo?"), nil},
		{"no label in the default", models.QuestionText, "en", tr("es", "label", "¿Por qué?"), map[string]string{"label.en": "projects.err_question_label_default"}},
		{"fewer choices in one language", models.QuestionSingle, "en", tr("en", "label", "How?", "en", "options", "Bus\nWalk\nBike", "zh-Hant", "options", "巴士\n步行"), map[string]string{"options.zh-Hant": "projects.err_options_same_count"}},
		{"one choice", models.QuestionSingle, "en", tr("en", "label", "How?", "en", "options", "Bus"), map[string]string{"options.en": "projects.err_options_count"}},
		{"choices twice", models.QuestionSingle, "en", tr("en", "label", "How?", "en", "options", "Bus\nBus"), map[string]string{"options.en": "projects.err_options_unique"}},
		{"a language the account does not publish in", models.QuestionText, "en", tr("en", "label", "Why?", "ar", "label", "لماذا؟"), map[string]string{"label.ar": "err.not_account_language"}},
		{"label too long", models.QuestionText, "en", tr("en", "label", "Why?", "es", "label", strings.Repeat("a", 301)), map[string]string{"label.es": "err.too_long"}},
	}
	for _, tt := range tests {
		got, err := project.ValidateQuestion(models.QuestionInput{Kind: tt.kind, Translations: tt.t}, langs, tt.def)
		v, ok := models.AsValidation(err)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			if tt.kind == models.QuestionText && got.Translations.Has(tt.def, "options") {
				t.Errorf("%s: a text question keeps no choices", tt.name)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: want field errors %v, got %v", tt.name, tt.want, err)
			continue
		}
		for field, key := range tt.want {
			if v.Fields[field] != key {
				t.Errorf("%s: %s = %q, want %q (all: %v)", tt.name, field, v.Fields[field], key, v.Fields)
			}
		}
	}
}

// Choices map by position to the default language's, the stored values.
func TestQuestionChoicesByPosition(t *testing.T) {
	q := models.ProjectQuestion{Kind: models.QuestionSingle, Translations: models.Translations{
		"es": {"label": "¿Cómo?", "options": "Autobús\nA pie"}, "en": {"label": "How?", "options": "Bus\nWalk"},
		"zh-Hant": {"options": "巴士\n步行"},
	}}
	for _, c := range []struct{ lang, label0, label string }{
		{"zh-Hant", "巴士", "¿Cómo?"}, {"en", "Bus", "How?"}, {"es", "Autobús", "¿Cómo?"}, {"ar", "Autobús", "¿Cómo?"},
	} {
		ch := q.Choices(c.lang, "es")
		if len(ch) != 2 || ch[0].Value != "Autobús" || ch[1].Value != "A pie" || ch[0].Label != c.label0 || q.Label(c.lang, "es") != c.label {
			t.Errorf("%s: %+v, %q", c.lang, ch, q.Label(c.lang, "es"))
		}
	}
}
