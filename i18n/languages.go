package i18n

import (
	"strings"

	"golang.org/x/text/language"
)

// ContentLanguage is a language an account can publish in: any BCP 47
// tag of the list below, whether or not Plaza's interface speaks it.
type ContentLanguage struct {
	Tag  string
	Name string // in the language itself
}

// contentLanguages is the list accounts choose from: the languages of
// the cities Plaza is built for, each named in itself.
var contentLanguages = []ContentLanguage{
	{"en", "English"},
	{"zh-Hans", "简体中文"},
	{"zh-Hant", "繁體中文"},
	{"es", "Español"},
	{"ar", "العربية"},
	{"ms", "Bahasa Melayu"},
	{"ta", "தமிழ்"},
	{"vi", "Tiếng Việt"},
	{"tl", "Tagalog"},
	{"ko", "한국어"},
	{"ja", "日本語"},
	{"fr", "Français"},
	{"ru", "Русский"},
	{"pt", "Português"},
	{"hi", "हिन्दी"},
	{"bn", "বাংলা"},
	{"ur", "اردو"},
	{"fa", "فارسی"},
	{"he", "עברית"},
	{"ht", "Kreyòl ayisyen"},
	{"pl", "Polski"},
	{"id", "Bahasa Indonesia"},
	{"th", "ไทย"},
	{"de", "Deutsch"},
}

// ContentLanguages lists the languages an account may publish in.
func ContentLanguages() []ContentLanguage {
	return append([]ContentLanguage(nil), contentLanguages...)
}

// CanonicalTag returns the tag of the content language code names, in
// the list's spelling ("zh-hant" → "zh-Hant", "zh-TW" → "zh-Hant", "zh"
// → "zh-Hans"), or false when the list does not have it.
func CanonicalTag(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", false
	}
	for _, c := range contentLanguages {
		if strings.EqualFold(c.Tag, code) {
			return c.Tag, true
		}
	}
	tag, err := language.Parse(code)
	if err != nil {
		return "", false
	}
	// A region or script variant of a listed language: Chinese by script,
	// the rest by base language.
	if base, _ := tag.Base(); base.String() == "zh" {
		if script, _ := tag.Script(); script.String() == "Hant" {
			return "zh-Hant", true
		}
		return "zh-Hans", true
	}
	base, _ := tag.Base()
	for _, c := range contentLanguages {
		if c.Tag == base.String() {
			return c.Tag, true
		}
	}
	return "", false
}

// NameOf is a content language's name in itself, or the tag when the
// list does not have it.
func NameOf(tag string) string {
	for _, c := range contentLanguages {
		if c.Tag == tag {
			return c.Name
		}
	}
	return tag
}

// DirOf is "rtl" for a language written right to left, else "ltr".
func DirOf(tag string) string {
	switch strings.SplitN(tag, "-", 2)[0] {
	case "ar", "fa", "he", "ur", "ps", "yi", "dv", "ug":
		return "rtl"
	}
	return "ltr"
}

// UILang is the interface language for a reader of a content language:
// itself when Plaza's interface speaks it, else English (a Malay reader
// gets the message in Malay and the buttons around it in English).
func UILang(tag string) Lang {
	for _, l := range Langs() {
		if string(l) == tag {
			return l
		}
	}
	if l, ok := Parse(tag); ok {
		return l
	}
	return EN
}

// Sentences joins whole sentences into one text: with a space after one
// that ends in a Latin or Arabic stop, directly after one that ends in a
// full-width stop (Chinese writes 。 and begins the next at once).
func Sentences(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "。") && !strings.HasSuffix(b.String(), "！") && !strings.HasSuffix(b.String(), "？") {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}
