// Package i18n holds every string a person sees, in English and Simplified
// Chinese, and picks the language for a request.
package i18n

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a supported interface language.
type Lang string

const (
	EN Lang = "en"
	ZH Lang = "zh"
)

// Langs lists the supported languages.
func Langs() []Lang { return []Lang{EN, ZH} }

// Parse returns the language for a code such as "zh", "zh-CN" or "en-GB".
func Parse(code string) (Lang, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	switch {
	case code == "en" || strings.HasPrefix(code, "en-"):
		return EN, true
	case code == "zh" || strings.HasPrefix(code, "zh-"):
		return ZH, true
	}
	return "", false
}

// Tag is the BCP 47 tag for the html lang attribute.
func (l Lang) Tag() string {
	if l == ZH {
		return "zh-Hans"
	}
	return "en"
}

// Other is the other supported language, for the switch link.
func (l Lang) Other() Lang {
	if l == ZH {
		return EN
	}
	return ZH
}

// Name is the language's name in itself.
func (l Lang) Name() string {
	if l == ZH {
		return "中文"
	}
	return "English"
}

// Negotiate picks the best language from an Accept-Language header,
// defaulting to English.
func Negotiate(acceptLanguage string) Lang {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return EN
	}
	matcher := language.NewMatcher([]language.Tag{language.English, language.SimplifiedChinese})
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return EN
	}
	if idx == 1 {
		return ZH
	}
	return EN
}

// T translates key into l, formatting args when given. A missing key shows
// itself, so a gap is visible rather than silent; a test checks that every
// key has both languages.
func T(l Lang, key string, args ...any) string {
	m, ok := lookup(key)
	if !ok {
		return key
	}
	s := m[0]
	if l == ZH && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	_, ok := lookup(key)
	return ok
}

// catalogs are the message maps, one per area so each area's strings sit
// together.
func catalogs() []map[string][2]string {
	return []map[string][2]string{messages, codeMessages, followerMessages, importMessages, broadcastMessages, noticeMessages, apiMessages, projectMessages, chatMessages, inboxMessages, mediaMessages, answerMessages, privacyMessages, sessionMessages, platformMessages}
}

func lookup(key string) ([2]string, bool) {
	for _, c := range catalogs() {
		if m, ok := c[key]; ok {
			return m, true
		}
	}
	return [2]string{}, false
}

// Keys lists every message key, for tests that check the catalog.
func Keys() []string {
	var out []string
	for _, c := range catalogs() {
		for k := range c {
			out = append(out, k)
		}
	}
	return out
}
