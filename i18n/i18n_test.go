package i18n

import (
	"sort"

	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
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

// TestCatalogsAreComplete checks every language's message file against
// English: the same keys, no empty text, the same arguments with the same
// verbs, and for a counting message exactly the plural forms the
// language's CLDR rules use.
func TestCatalogsAreComplete(t *testing.T) {
	en := catalog.langs[EN]
	if len(en) < 1000 {
		t.Fatalf("only %d messages in the English file", len(en))
	}
	keyRE := regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9_]+)+$`)
	for key := range en {
		if !keyRE.MatchString(key) {
			t.Errorf("key %q: want lowercase dotted words", key)
		}
	}
	for _, l := range Langs() {
		msgs := catalog.langs[l]
		want := cldrForms(l)
		for key, src := range en {
			m, ok := msgs[key]
			if !ok {
				t.Errorf("%s: %s has no text", l, key)
				continue
			}
			counts := len(src.forms) > 1
			if counts && !reflect.DeepEqual(formsOf(m), want) {
				t.Errorf("%s: %s has the plural forms %v, want %v", l, key, formsOf(m), want)
			}
			if !counts && len(m.forms) > 1 {
				t.Errorf("%s: %s has plural forms, but English counts nothing", l, key)
			}
			for f, s := range m.forms {
				if strings.TrimSpace(s) == "" || s != strings.TrimSpace(s) {
					t.Errorf("%s: %s (%v) is empty or starts or ends with white space: %q", l, key, f, s)
				}
				// A translation may reorder arguments with explicit indexes
				// (%[2]s), never drop or add one.
				if got, want := argVerbs(s), argVerbs(src.forms[plural.Other]); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: %s takes %v in %q, English %v", l, key, got, s, want)
				}
				if strings.Count(s, "%")-2*strings.Count(s, "%%") != len(verbs(s)) {
					t.Errorf("%s: %s has a %% that is not a verb: %q", l, key, s)
				}
			}
		}
		for key := range msgs {
			if _, ok := en[key]; !ok {
				t.Errorf("%s: %s is not in English, the source", l, key)
			}
		}
	}
}

// cldrForms are the plural forms l's CLDR cardinal rules pick for some
// integer.
func cldrForms(l Lang) []plural.Form {
	seen := map[plural.Form]bool{}
	tag := language.Make(string(l))
	for n := 0; n < 2000; n++ {
		seen[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)] = true
	}
	var out []plural.Form
	for f := range seen {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func formsOf(m message) []plural.Form {
	var out []plural.Form
	for f := range m.forms {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func TestT(t *testing.T) {
	for _, tt := range []struct {
		l    Lang
		key  string
		args []any
		want string
	}{
		{EN, "nav.login", nil, "Sign in"},
		{ZHHans, "nav.login", nil, "登录"},
		{ZHHans, "pager.status", []any{2, 5}, "第 2 页，共 5 页"},
		{EN, "pager.status", []any{2, 5}, "Page 2 of 5"},
		// English plural rules: one for 1, other for 0 and the rest.
		{EN, "directory.count", []any{1}, "1 account"},
		{EN, "directory.count", []any{0}, "0 accounts"},
		{EN, "directory.count", []any{21}, "21 accounts"},
		{EN, "notices.will_schedule", []any{"9:00", 1}, "It will publish itself at 9:00, to the 1 follower it reaches then."},
		{ZHHans, "no.such.key", nil, "no.such.key"},
		// A language without a file falls back to English.
		{"fr", "nav.login", nil, "Sign in"},
	} {
		if got := T(tt.l, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.l, tt.key, tt.args, got, tt.want)
		}
	}
	if !Has("nav.login") || Has("no.such.key") {
		t.Error("Has is wrong")
	}
}

// TestArabicPlurals checks that Arabic picks among its six forms by CLDR.
func TestArabicPlurals(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 2, 3, 11, 100} {
		seen[T(AR, "directory.count", n)] = true
	}
	if len(seen) != 6 {
		t.Errorf("0, 1, 2, 3, 11 and 100 accounts in Arabic give %d different texts, want 6: %v", len(seen), seen)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"zh-CN", ZHHans},
		{"zh", ZHHans},
		{"zh-Hans-CN", ZHHans},
		{"zh-SG", ZHHans},
		{"zh-TW", ZHHant},
		{"zh-HK", ZHHant},
		{"zh-MO", ZHHant},
		{"zh-Hant", ZHHant},
		{"zh-TW;q=0.8", ZHHant},
		{"zh-TW, en;q=0.5", ZHHant},
		{"en-GB", EN},
		{"en-US,en;q=0.9,zh-CN;q=0.8", EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZHHans},
		{"en;q=0.1, zh", ZHHans},
		{"es-MX", ES},
		{"es-419,es;q=0.9,en;q=0.8", ES},
		{"ar-EG", AR},
		{"ar-SA,ar;q=0.9", AR},
		{"fr, zh;q=0.5", ZHHans},
		{"fr, es;q=0.5", ES},
		{"fr", EN},
		{"fr-CA, fr;q=0.9", EN},
		{"pt-BR", EN}, // Portuguese is close to Spanish, but not close enough to read the interface
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
		{"en", EN, true}, {"EN-gb", EN, true}, {" zh ", ZHHans, true}, {"zh-CN", ZHHans, true},
		{"zh-Hant", ZHHant, true}, {"zh-hant", ZHHant, true}, {"zh-TW", ZHHant, true}, {"es", ES, true}, {"ar", AR, true},
		{"", "", false}, {"fr", "", false}, {"english", "", false}, {"zhx", "", false}, {"e", "", false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
	if EN.Tag() != "en" || ZHHans.Tag() != "zh-Hans" || ZHHant.Name() != "繁體中文" || AR.Dir() != "rtl" || ES.Dir() != "ltr" {
		t.Error("Tag, Name or Dir is wrong")
	}
	if len(Langs()) != 5 {
		t.Errorf("Langs() = %v", Langs())
	}
}

func TestContentLanguages(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"en", "en"}, {"zh-hant", "zh-Hant"}, {"zh-TW", "zh-Hant"}, {"zh", "zh-Hans"}, {"zh-CN", "zh-Hans"},
		{"ms", "ms"}, {"ta-SG", "ta"}, {"fr-CA", "fr"}, {"xx", ""}, {"", ""}, {"not a tag", ""},
	} {
		got, ok := CanonicalTag(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("CanonicalTag(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, tt := range []struct {
		tag  string
		want Lang
	}{{"ms", EN}, {"zh-Hant", ZHHant}, {"ar", AR}, {"es", ES}, {"ta", EN}} {
		if got := UILang(tt.tag); got != tt.want {
			t.Errorf("UILang(%q) = %s, want %s", tt.tag, got, tt.want)
		}
	}
	if DirOf("he") != "rtl" || DirOf("ur") != "rtl" || DirOf("ms") != "ltr" || NameOf("ta") != "தமிழ்" {
		t.Error("DirOf or NameOf is wrong")
	}
}

func TestSentences(t *testing.T) {
	for _, tt := range []struct {
		parts []string
		want  string
	}{
		{[]string{"Leave the area.", "", "Go to the school."}, "Leave the area. Go to the school."},
		{[]string{"请离开该地区。", "请留意最新消息。", "Go up."}, "请离开该地区。请留意最新消息。Go up."},
		{[]string{"غادروا المنطقة.", "تابعوا المستجدات."}, "غادروا المنطقة. تابعوا المستجدات."},
		{nil, ""},
	} {
		if got := Sentences(tt.parts...); got != tt.want {
			t.Errorf("Sentences(%q) = %q, want %q", tt.parts, got, tt.want)
		}
	}
}
