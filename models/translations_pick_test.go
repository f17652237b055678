package models_test

import (
	"database/sql/driver"
	"testing"

	"github.com/plazahq/plaza/models"
)

// TestTranslationsPick is the fallback rule every reader and follower
// goes by: their language when the item has it, else the item's default,
// never the other Chinese script.
func TestTranslationsPick(t *testing.T) {
	enHans := models.Texts("en", "title", "Flood").With("zh-Hans", "title", "洪水")
	for _, tt := range []struct {
		name      string
		tr        models.Translations
		want, def string
		got       string
	}{
		{"the reader's language", enHans, "zh-Hans", "en", "zh-Hans"},
		{"the default for another language", enHans, "es", "en", "en"},
		{"the default, not the other script", enHans, "zh-Hant", "en", "en"},
		{"a Chinese default for a reader of English", models.Texts("zh-Hant", "title", "颱風"), "en", "zh-Hant", "zh-Hant"},
		{"a body without its title does not count", models.Texts("en", "title", "Heat").With("ar", "body", "نص"), "ar", "en", "en"},
		{"an item without its default (stored before it changed): the first by tag", models.Texts("es", "title", "Calor").With("ar", "title", "حر"), "fr", "en", "ar"},
		{"nothing at all", models.Translations{}, "fr", "en", "en"},
	} {
		if got := tt.tr.Pick(tt.want, tt.def, "title"); got != tt.got {
			t.Errorf("%s: Pick(%s, %s) = %s, want %s", tt.name, tt.want, tt.def, got, tt.got)
		}
	}
	if got := enHans.Ordered("zh-Hans", "title"); len(got) != 2 || got[0] != "zh-Hans" || got[1] != "en" {
		t.Errorf("Ordered = %v, want the default first", got)
	}
	if got := enHans.Missing([]string{"en", "es", "zh-Hant"}, "title"); len(got) != 2 || got[0] != "es" || got[1] != "zh-Hant" {
		t.Errorf("Missing = %v", got)
	}
}

// TestTranslationsColumn: the JSON column drops empty texts, keeps "&"
// and "<" as typed (so a search finds them), and reads back what it wrote.
func TestTranslationsColumn(t *testing.T) {
	tr := models.Texts("en", "title", "Fares & <passes>", "body", "").With("ar", "title", "")
	v, err := tr.Value()
	if err != nil || v.(string) != `{"en":{"title":"Fares & <passes>"}}` {
		t.Fatalf("Value = %v, %v", v, err)
	}
	var back models.Translations
	for _, src := range []any{v, []byte(v.(string))} {
		if err := back.Scan(src); err != nil || back.Get("en", "title") != "Fares & <passes>" || back.Has("ar", "title") {
			t.Errorf("Scan(%T) = %v, %v", src, back, err)
		}
	}
	if err := back.Scan(nil); err != nil || len(back) != 0 {
		t.Errorf("Scan(nil) = %v, %v", back, err)
	}
	if err := back.Scan(42); err == nil {
		t.Error("Scan took an int")
	}
	var _ driver.Valuer = models.Translations{}
}
