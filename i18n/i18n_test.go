package i18n

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// verbRE finds fmt verbs, including %% (which takes no argument).
var verbRE = regexp.MustCompile(`%(?:%|[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z])`)

// verbs lists the argument-taking verbs of s in order.
func verbs(s string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

// allMessages is every catalog in one map; a key defined in two catalogs
// is an error (lookup would take the first and hide the second).
func allMessages(t *testing.T) map[string][2]string {
	t.Helper()
	all := map[string][2]string{}
	for _, c := range catalogs() {
		if len(c) == 0 {
			continue // an area with no strings yet
		}
		for k, m := range c {
			if _, dup := all[k]; dup {
				t.Errorf("key %q is defined in two catalogs", k)
			}
			all[k] = m
		}
	}
	return all
}

// argVerbs maps each argument a format text takes (1-based, as fmt's
// explicit indexes count) to the verb letters that print it; a text may
// print one argument twice.
func argVerbs(s string) map[int]string {
	out := map[int]string{}
	next := 1
	idx := regexp.MustCompile(`\[(\d+)\]`)
	for _, v := range verbs(s) {
		if m := idx.FindStringSubmatch(v); m != nil {
			next, _ = strconv.Atoi(m[1])
		}
		if letter := v[len(v)-1:]; !strings.Contains(out[next], letter) {
			out[next] += letter
		}
		next++
	}
	return out
}

func TestArgVerbs(t *testing.T) {
	for _, tt := range []struct {
		en, zh string
		same   bool
	}{
		{"%s of %d", "%s 的 %d", true},
		{"line %d, used instead.", "第 %[1]d 行，以第 %[1]d 行为准。", true},
		{"%d and %d", "%[1]d 和 %[1]d", false}, // the second argument is lost
		{"%s, %s and %s", "%[2]s %[1]s %[3]s", true},
		{"%s of %d", "%d 的 %s", false},
		{"%d items", "%s 项", false},
	} {
		if got := reflect.DeepEqual(argVerbs(tt.en), argVerbs(tt.zh)); got != tt.same {
			t.Errorf("%q ~ %q: same = %v, want %v (%v, %v)", tt.en, tt.zh, got, tt.same, argVerbs(tt.en), argVerbs(tt.zh))
		}
	}
}

func TestCatalogHasBothLanguages(t *testing.T) {
	all := allMessages(t)
	if len(all) < 1000 {
		t.Fatalf("only %d messages in the catalogs", len(all))
	}
	keyRE := regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9_]+)+$`)
	for key, m := range all {
		if !keyRE.MatchString(key) {
			t.Errorf("key %q: want lowercase dotted words", key)
		}
		if strings.TrimSpace(m[0]) == "" {
			t.Errorf("%s: no English text", key)
		}
		if strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: no Chinese text", key)
		}
		if m[0] != strings.TrimSpace(m[0]) || m[1] != strings.TrimSpace(m[1]) {
			t.Errorf("%s: text starts or ends with white space: %q / %q", key, m[0], m[1])
		}
		// Both texts must take the same arguments with the same verbs; a
		// translation may reorder them with explicit indexes (%[2]s).
		if en, zh := argVerbs(m[0]), argVerbs(m[1]); !reflect.DeepEqual(en, zh) {
			t.Errorf("%s: arguments %v in English %q, %v in Chinese %q", key, en, m[0], zh, m[1])
		}
		if strings.Count(m[0], "%")-2*strings.Count(m[0], "%%") != len(verbs(m[0])) || strings.Count(m[1], "%")-2*strings.Count(m[1], "%%") != len(verbs(m[1])) {
			t.Errorf("%s: a %% that is not a verb: %q / %q", key, m[0], m[1])
		}
		if m[0] == m[1] && !strings.ContainsAny(m[0], "0123456789") {
			t.Logf("%s: the same text in both languages: %q", key, m[0])
		}
	}
}

func TestT(t *testing.T) {
	if got := T(EN, "nav.login"); got != "Sign in" {
		t.Errorf("T(EN, nav.login) = %q", got)
	}
	if got := T(ZH, "nav.login"); got != "登录" {
		t.Errorf("T(ZH, nav.login) = %q", got)
	}
	if got := T(ZH, "pager.status", 2, 5); got != "第 2 页，共 5 页" {
		t.Errorf("T(ZH, pager.status, 2, 5) = %q", got)
	}
	if got := T(EN, "pager.status", 2, 5); got != "Page 2 of 5" {
		t.Errorf("T(EN, pager.status, 2, 5) = %q", got)
	}
	if got := T(ZH, "no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key shows %q, want the key itself", got)
	}
	if got := T("fr", "nav.login"); got != "Sign in" {
		t.Errorf("an unknown language gives %q, want English", got)
	}
	if !Has("nav.login") || Has("no.such.key") {
		t.Error("Has is wrong")
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"zh-CN", ZH},
		{"zh", ZH},
		{"zh-Hans-CN", ZH},
		{"zh-SG", ZH},
		// A Traditional Chinese reader is better served by Simplified
		// Chinese than by English when they name no other language...
		{"zh-TW;q=0.8", ZH},
		{"zh-HK", ZH},
		// ...but English when they say they read it.
		{"zh-TW, en;q=0.5", EN},
		{"en-GB", EN},
		{"en-US,en;q=0.9,zh-CN;q=0.8", EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"en;q=0.1, zh", ZH},
		{"fr, zh;q=0.5", ZH},
		{"fr", EN},
		{"fr-CA, fr;q=0.9", EN},
		{"ja", EN},
		{"*", EN},
		{"garbage", EN},
		{";;;", EN},
		{"zh;q=nope", EN},
		{"", EN},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestParseAndLang(t *testing.T) {
	tests := []struct {
		code string
		want Lang
		ok   bool
	}{
		{"en", EN, true}, {"EN-gb", EN, true}, {" zh ", ZH, true}, {"zh-CN", ZH, true}, {"zh-Hant", ZH, true},
		{"", "", false}, {"fr", "", false}, {"english", "", false}, {"zhx", "", false}, {"e", "", false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
	if EN.Tag() != "en" || ZH.Tag() != "zh-Hans" || EN.Other() != ZH || ZH.Other() != EN || EN.Name() != "English" || ZH.Name() != "中文" {
		t.Error("Tag, Other or Name is wrong")
	}
	if len(Langs()) != 2 {
		t.Errorf("Langs() = %v", Langs())
	}
}
