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
	b, err := json.Marshal(t.compact())
	if err != nil {
		return nil, fmt.Errorf("translations: %w", err)
	}
	return string(b), nil
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

// LegacyLang maps a reader's language tag to one of the two content
// languages notices, projects and accounts still store: "zh" for either
// Chinese script (as before the interface had two), else "en". It goes
// when content is stored per language.
func LegacyLang(tag string) string {
	if tag == "zh" || strings.HasPrefix(tag, "zh-") {
		return "zh"
	}
	return "en"
}
