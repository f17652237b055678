package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Translations are an item's texts in each of its languages: a BCP 47
// tag ("en", "zh-Hant", "ar") to a field name ("title", "body") to the
// text. They are stored as one JSON object per row, so an account can
// publish in any number of languages without a column per language.
type Translations map[string]map[string]string

// Value stores t as JSON.
func (t Translations) Value() (driver.Value, error) {
	if len(t) == 0 {
		return "{}", nil
	}
	// Without HTML escaping, so a search for "&" or "<" finds the text.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t.compact()); err != nil {
		return nil, fmt.Errorf("translations: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// Scan reads t from its JSON column.
func (t *Translations) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*t = Translations{}
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("translations: cannot scan %T", src)
	}
	out := Translations{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			return fmt.Errorf("translations: %w", err)
		}
	}
	*t = out
	return nil
}

// compact drops empty texts and languages left with none.
func (t Translations) compact() Translations {
	out := Translations{}
	for l, fields := range t {
		for f, s := range fields {
			if s != "" {
				if out[l] == nil {
					out[l] = map[string]string{}
				}
				out[l][f] = s
			}
		}
	}
	return out
}

// Texts builds translations of one language from field, text pairs:
// Texts("en", "title", "Line 12 diverted", "body", "…"). Chain With for
// more languages.
func Texts(lang string, pairs ...string) Translations {
	return Translations{}.With(lang, pairs...)
}

// With sets field, text pairs of lang on t and returns it.
func (t Translations) With(lang string, pairs ...string) Translations {
	if t == nil {
		t = Translations{}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		t.Set(lang, pairs[i], pairs[i+1])
	}
	return t
}

// FormTexts reads a form whose fields have a version per language, named
// field.<tag> ("title.zh-Hant"), for the languages asked for only; an
// empty field is no text. Every editor of translated texts reads its
// form through it.
func FormTexts(values map[string][]string, langs []string, fields ...string) Translations {
	out := Translations{}
	for _, l := range langs {
		for _, f := range fields {
			if v := values[f+"."+l]; len(v) > 0 {
				out.Set(l, f, v[0])
			}
		}
	}
	return out
}

// Get is the text of field in lang ("" when missing).
func (t Translations) Get(lang, field string) string { return t[lang][field] }

// Set stores the text of field in lang; an empty text removes it.
func (t Translations) Set(lang, field, text string) {
	if text == "" {
		if m := t[lang]; m != nil {
			delete(m, field)
			if len(m) == 0 {
				delete(t, lang)
			}
		}
		return
	}
	if t[lang] == nil {
		t[lang] = map[string]string{}
	}
	t[lang][field] = text
}

// Has reports whether lang has a text for field.
func (t Translations) Has(lang, field string) bool { return t[lang][field] != "" }

// Langs lists the languages with any text, sorted.
func (t Translations) Langs() []string {
	var out []string
	for l, fields := range t {
		for _, s := range fields {
			if s != "" {
				out = append(out, l)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Pick is the language a reader of want gets the item in, judged by key
// (the field every version must have, such as "title"): want when the
// item has it, else def, the item's default language. Only an item
// without its default (stored before the default changed) falls back to
// another language, the first by tag. A reader of one Chinese script is
// never silently given the other: the fallback is the default.
func (t Translations) Pick(want, def, key string) string {
	if t.Has(want, key) {
		return want
	}
	if t.Has(def, key) || len(t) == 0 {
		return def
	}
	for _, l := range t.Langs() {
		if t.Has(l, key) {
			return l
		}
	}
	return def
}

// Ordered lists the languages with a text for key, def first, then by
// tag.
func (t Translations) Ordered(def, key string) []string {
	var out []string
	if t.Has(def, key) {
		out = append(out, def)
	}
	for _, l := range t.Langs() {
		if l != def && t.Has(l, key) {
			out = append(out, l)
		}
	}
	return out
}

// Clone is a deep copy of t.
func (t Translations) Clone() Translations {
	out := Translations{}
	for l, fields := range t {
		m := make(map[string]string, len(fields))
		for f, s := range fields {
			m[f] = s
		}
		out[l] = m
	}
	return out
}

// Missing lists the languages of want without a text for key.
func (t Translations) Missing(want []string, key string) []string {
	var out []string
	for _, l := range want {
		if !t.Has(l, key) {
			out = append(out, l)
		}
	}
	return out
}

// LangList splits a stored comma-separated list of language tags.
func LangList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
