// Package i18n holds every string a person sees, in the five interface
// languages, and picks the language for a request. The texts live in
// go-i18n message files under locales/, one per language, which a
// translator edits without touching Go.
package i18n

import (
	"embed"
	"fmt"
	"path"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Lang is a supported interface language, as its BCP 47 tag.
type Lang string

const (
	EN     Lang = "en"
	ZHHans Lang = "zh-Hans"
	ZHHant Lang = "zh-Hant"
	ES     Lang = "es"
	AR     Lang = "ar"
)

// Langs lists the interface languages, English (the source) first.
func Langs() []Lang { return []Lang{EN, ZHHans, ZHHant, ES, AR} }

// Tag is the BCP 47 tag for lang and hreflang attributes.
func (l Lang) Tag() string { return string(l) }

// Name is the language's name in itself, for a language switch.
func (l Lang) Name() string { return NameOf(string(l)) }

// Dir is the text direction of pages in l: "rtl" or "ltr".
func (l Lang) Dir() string { return DirOf(string(l)) }

// Chinese reports whether l is written in Chinese characters (either
// script), for date formats and the like.
func (l Lang) Chinese() bool { return l == ZHHans || l == ZHHant }

// matcher maps a requested tag to an interface language. x/text knows
// that zh-TW, zh-HK and zh-MO read Traditional Chinese and zh-CN and
// zh-SG Simplified.
var matcher = func() language.Matcher {
	var tags []language.Tag
	for _, l := range Langs() {
		tags = append(tags, language.MustParse(string(l)))
	}
	return language.NewMatcher(tags)
}()

// match returns the interface language closest to tags, and whether the
// match is good enough to honour (a reader of French is not served
// Spanish).
func match(tags ...language.Tag) (Lang, bool) {
	_, idx, conf := matcher.Match(tags...)
	if conf < language.High {
		return EN, false
	}
	return Langs()[idx], true
}

// Parse returns the interface language for a tag such as "zh", "zh-TW",
// "es-MX" or "en-GB". Plain "zh", which Plaza stored before it had two
// Chinese scripts, means Simplified Chinese.
func Parse(code string) (Lang, bool) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", false
	}
	tag, err := language.Parse(code)
	if err != nil {
		return "", false
	}
	l, ok := match(tag)
	if !ok {
		return "", false
	}
	return l, true
}

// Negotiate picks the best interface language from an Accept-Language
// header, defaulting to English.
func Negotiate(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return EN
	}
	l, _ := match(tags...)
	return l
}

// T translates key into l, formatting args when given. A message with
// plural forms picks the form for its first integer argument by l's CLDR
// rules. A missing key shows itself, so a gap is visible rather than
// silent; a test checks that every language has every key.
func T(l Lang, key string, args ...any) string {
	m, tag, ok := catalog.lookup(l, key)
	if !ok {
		return key
	}
	s := m.pick(tag, args)
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	_, ok := catalog.langs[EN][key]
	return ok
}

// Keys lists every message key, for tests that check the catalog.
func Keys() []string {
	out := make([]string, 0, len(catalog.langs[EN]))
	for k := range catalog.langs[EN] {
		out = append(out, k)
	}
	return out
}

// message is one key's text in one language: forms[plural.Other] always,
// and the other CLDR forms when the message counts something.
type message struct {
	forms map[plural.Form]string
}

func (m message) pick(tag language.Tag, args []any) string {
	if len(m.forms) > 1 {
		if n, ok := firstInt(args); ok {
			if s, ok := m.forms[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]; ok && s != "" {
				return s
			}
		}
	}
	return m.forms[plural.Other]
}

func firstInt(args []any) (int, bool) {
	for _, a := range args {
		switch v := a.(type) {
		case int:
			return abs(v), true
		case int64:
			return abs(int(v)), true
		case int32:
			return abs(int(v)), true
		}
	}
	return 0, false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// messages holds every language's messages; built once at start from the
// embedded files and only read after.
type messages struct {
	langs map[Lang]map[string]message
	// tags are the languages' parsed tags, for the plural rules: parsed
	// once, not on every counting message.
	tags map[Lang]language.Tag
}

// lookup finds key in l, else in English, with the tag of the language
// the text is in.
func (c *messages) lookup(l Lang, key string) (message, language.Tag, bool) {
	if m, ok := c.langs[l][key]; ok {
		return m, c.tags[l], true
	}
	m, ok := c.langs[EN][key]
	return m, c.tags[EN], ok
}

//go:embed locales/*.json
var localeFiles embed.FS

var catalog = mustLoad()

func mustLoad() *messages {
	c, err := load()
	if err != nil {
		panic(err) // the files are embedded: a broken one fails every test
	}
	return c
}

func load() (*messages, error) {
	c := &messages{langs: map[Lang]map[string]message{}, tags: map[Lang]language.Tag{}}
	for _, l := range Langs() {
		p := path.Join("locales", string(l)+".json")
		buf, err := localeFiles.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", p, err)
		}
		mf, err := goi18n.ParseMessageFileBytes(buf, p, nil)
		if err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", p, err)
		}
		msgs := make(map[string]message, len(mf.Messages))
		for _, m := range mf.Messages {
			forms := map[plural.Form]string{plural.Other: m.Other}
			for f, s := range map[plural.Form]string{plural.Zero: m.Zero, plural.One: m.One, plural.Two: m.Two, plural.Few: m.Few, plural.Many: m.Many} {
				if s != "" {
					forms[f] = s
				}
			}
			msgs[m.ID] = message{forms: forms}
		}
		c.langs[l] = msgs
		c.tags[l] = language.Make(string(l))
	}
	return c, nil
}
